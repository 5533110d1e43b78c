"""The citizen pages: home, the declaration form, check your answers, result, status, amend.

Thin views: validation is ``travellers.serializers`` (shared with the API), writes are
``travellers.services``, wording of the answer is ``travellers.presentation``. The form
between its first POST and the confirmation lives in the session, encrypted, because
it holds an identity number.
"""

from __future__ import annotations

import json
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.throttling import BaseThrottle

from policies.announcements import announcement_title, latest_announcements
from policies.api.results import is_english
from policies.models import Designation, DesignationKind, PolicyVersion
from policies.risk_listing import active_risk_counties
from policies.snapshots import NoPolicyInForce, policy_in_force
from portal import rate_counts
from travellers import forms, lookup_attempts, pii
from travellers.markup import chinese, person_name
from travellers.models import Community, Declaration, EvaluationTrigger, IdType
from travellers.policy_summary import policy_points
from travellers.references import format_reference, normalise_reference
from travellers.serializers import AmendmentSerializer, DeclarationSerializer

logger = logging.getLogger(__name__)

DRAFT = "declare_draft"
AMEND_DRAFT = "amend_draft"  # one amend form's typing across a language switch
ADD_COMPANION_BUTTON = "add-companion"  # the button's id in declare.html
TOKEN = "declare_token"
ACCESS = "declarations_access"
SIGN_IN_FIRST = "status_sign_in_first"  # came to a declaration without having looked it up
AMENDED = "declaration_amended"  # the reference just amended: its page says it was saved
HOME_RISK_COUNTIES = 5  # more are on the full list (policies:risk-areas), by province
STAY_RULE_KINDS = ("risk_county_stay", "designated_region_stay")
DEFAULT_STAY_LOOKBACK_DAYS = 14  # the rulebook's, for a day without a policy in force


def _services():
    # Imported on use: the module lands separately and the pages must not break URL loading.
    from travellers import services

    return services


def _present(declaration: Declaration, language: str, *, companion_reference: str = ""):
    from travellers.presentation import declared_test, present

    # Past / current / future as of today: the page is read now, not on the day evaluated.
    return present(
        declaration.result,
        language,
        today=timezone.localdate(),
        kind=declaration.kind,
        arrival_date=declaration.arrival_date,
        test=declared_test(declaration),
        companion_reference=companion_reference,
    )


def _see_other(url: str) -> HttpResponseRedirect:
    # 303: the browser follows with GET, so a refresh never re-posts the form.
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def home(request):
    today = timezone.localdate()
    policy = policy_in_force(today)
    announcements = list(latest_announcements(limit=3))
    for item in announcements:
        item.display_title = announcement_title(item)
    title, title_language = _policy_title(policy)
    upcoming = (
        PolicyVersion.objects.published()
        .filter(effective_from__gt=today)
        .order_by("effective_from")
        .first()
    )
    risk_counties = active_risk_counties(today)
    return render(
        request,
        "travellers/home.html",
        {
            "policy": policy,
            "policy_title": title,
            "policy_title_language": title_language,
            "policy_since": policy and _date(policy.effective_from),
            "policy_points": policy_points(policy, today) if policy else [],
            "upcoming": upcoming,
            "upcoming_since": upcoming and _date(upcoming.effective_from),
            "announcements": announcements,
            "today": today,
            "english": is_english(get_language()),
            "risk_counties": risk_counties[:HOME_RISK_COUNTIES],
            "risk_counties_more": max(0, len(risk_counties) - HOME_RISK_COUNTIES),
        },
    )


def _policy_title(policy) -> tuple[str, str]:
    """The title of the version in force for this reader, and the language it is in."""
    if policy is None:
        return "", ""
    if (get_language() or "").startswith("en"):
        from policies.models import PolicyVersion

        titles = PolicyVersion.objects.filter(code=policy.code).values_list("title_en", flat=True)
        english = titles.first()
        if english:
            return english, "en"
    return policy.title, "zh-Hans"


def _date(day) -> str:
    return date_format(day, "DATE_FORMAT")


# --- the session: draft, token, the declarations this browser may see ---------------


def _load_draft(request) -> dict | None:
    sealed = request.session.get(DRAFT)
    if not sealed:
        return None
    try:
        return json.loads(pii.decrypt(sealed))
    except (pii.PIIDecryptionError, ValueError):
        return None


def _keep_briefly(request) -> None:
    """A citizen's draft and access last CITIZEN_SESSION_IDLE_MINUTES after the last
    step, not the two weeks of a session: on a shared computer the next person must not
    find the form filled in or the declaration open. Staff keep their admin session."""
    if not request.user.is_authenticated:
        request.session.set_expiry(settings.CITIZEN_SESSION_IDLE_MINUTES * 60)


CITIZEN_KEYS = (DRAFT, AMEND_DRAFT, TOKEN, ACCESS, SIGN_IN_FIRST, AMENDED)


def forget_citizen_on_staff_login(sender, request, user, **kwargs) -> None:
    """A staff login in a browser a citizen just used (``user_logged_in``): Django keeps
    the session's data across the login, so the citizen's draft and access would stay in
    the staff session, and its 30-minute expiry would log staff out while they work."""
    session = getattr(request, "session", None)
    if session is None or not any(key in session for key in CITIZEN_KEYS):
        return
    for key in CITIZEN_KEYS:
        session.pop(key, None)
    session.set_expiry(None)


# The form as typed is some 20 kB at most (fifty legs, four companions, every value
# within its field's limit). The language switch keeps a draft unchecked: a crafted post
# beyond this is not kept, rather than become a session row of megabytes.
MAX_DRAFT_BYTES = 64 * 1024


def _sealed(state: dict) -> str | None:
    """The encrypted draft, or None when ``state`` is too large to keep."""
    text = json.dumps(state, ensure_ascii=False)
    if len(text.encode()) > MAX_DRAFT_BYTES:
        return None
    return pii.encrypt(text)


def _save_draft(request, state: dict) -> bool:
    sealed = _sealed(state)
    if sealed is None:
        # Nor is the one before it shown in its place, as if it were what was typed.
        request.session.pop(DRAFT, None)
        return False
    request.session[DRAFT] = sealed
    _keep_briefly(request)
    return True


def _token(request) -> str:
    token = request.session.get(TOKEN)
    if not token:
        token = str(uuid.uuid4())
        request.session[TOKEN] = token
    return token


def _grant(request, references) -> None:
    allowed = list(request.session.get(ACCESS, []))
    for reference in references:
        if reference not in allowed:
            allowed.append(reference)
    # A shared computer keeps a handful at most.
    request.session[ACCESS] = allowed[-20:]
    _keep_briefly(request)


def _may_see(request, reference: str) -> bool:
    return reference in request.session.get(ACCESS, [])


# --- the form ------------------------------------------------------------------------


def _form_page(
    request, state: dict, errors: dict | None = None, *, status: int = 200, autofocus: str = ""
):
    errors = errors or {}
    today = timezone.localdate()
    context = forms.bind(state, errors, hints={"commuter": _commuter_hint(today)})
    context.update(
        token=_token(request),
        autofocus=autofocus,
        error_summary=forms.summary(errors, forms.field_order(state)),
        max_legs=forms.MAX_LEG_ROWS,
        max_companions=forms.MAX_COMPANIONS,
        can_add_companion=len(state["companions"]) < forms.MAX_COMPANIONS,
        lookback_days=travel_lookback_days(policy_in_force(today)),
        **_risk_county_codes(today),
    )
    return render(request, "travellers/declare.html", context, status=status)


def _commuter_hint(today) -> str:
    """Which places the commuter question means: the commuter belt designated today (one
    query), named in the page's language; "" when none is."""
    codes = (
        Designation.objects.active(on=today)
        .filter(kind=DesignationKind.COMMUTER_ZONE)
        .values_list("region_id", flat=True)
    )
    return forms.commuter_zone_hint(codes, get_language())


def _risk_county_codes(today) -> dict[str, str]:
    """Today's counties with a high / a medium risk area (and none high), for the region
    picker to mark its suggestions: in the page, since the regions API is cached an hour."""
    counties = active_risk_counties(today)
    return {
        f"risk_{level}": " ".join(c.code for c in counties if c.level == level)
        for level in ("high", "medium")
    }


def travel_lookback_days(policy) -> int:
    """How many days before arrival the itinerary must cover: the longest look-back of
    the policy's stay rules (the places a traveller stayed), not of its measures."""
    days = [
        spec.params.get("days")
        for spec in (policy.rules if policy else ())
        if spec.kind in STAY_RULE_KINDS
    ]
    days = [day for day in days if isinstance(day, int) and not isinstance(day, bool)]
    return max(days, default=DEFAULT_STAY_LOOKBACK_DAYS)


def _validate(state: dict):
    """(serializer, built, errors by field id); errors empty when the form is valid."""
    built = forms.build_data(state)
    serializer = DeclarationSerializer(data=built.data)
    valid = serializer.is_valid()
    errors = forms.field_errors({} if valid else serializer.errors, built)
    return serializer, built, errors


@require_http_methods(["GET", "POST"])
def declare(request):
    if request.method == "GET":
        state = _load_draft(request) or forms.blank_state(language=get_language() or "")
        return _form_page(request, forms.with_blank_rows(state))

    state = forms.state_from_post(request.POST)
    action = request.POST.get("action", "continue")
    if action == "add_legs":
        return _form_page(request, forms.add_leg_rows(state))
    if action == "add_companion":
        grown = forms.add_companion_row(state)
        # The page comes back at its top: focus (and so scroll to) the new companion's name.
        added = len(grown["companions"]) > len(state["companions"])
        name = forms.field_id(f"companions-{len(grown['companions']) - 1}-full_name")
        return _form_page(request, grown, autofocus=name if added else "")

    if action == "switch_language":
        # The notices' language was preset to the page's: left so, it follows the switch
        # (an English reader who switched got Chinese emails); one chosen stays.
        page_language, wanted = get_language() or "", request.POST.get("ui_language", "")
        fields = state["fields"]
        if wanted in dict(settings.LANGUAGES) and fields.get("language") == page_language:
            fields["language"] = wanted
        _save_draft(request, state)
        return _switch_language(request, reverse("travellers:declare"))
    if action.startswith("remove_companion:"):
        number = action.removeprefix("remove_companion:")
        # ASCII digits only: "²" and "٣" pass isdigit(), and int() refuses the first.
        if not (number.isascii() and number.isdigit() and len(number) <= 3):
            return _form_page(request, state)
        index = int(number)
        state = forms.remove_companion_row(state, index)
        # Focus where the removed one was: the next companion's name, else "add one".
        left = len(state["companions"])
        focus = (
            forms.field_id(f"companions-{min(index, left - 1)}-full_name")
            if left
            else ADD_COMPANION_BUTTON
        )
        return _form_page(request, state, autofocus=focus)

    _serializer, built, errors = _validate(state)
    state = forms.resolved_codes(state, built)
    if errors:
        return _form_page(request, *forms.shown_again(state, errors), status=400)
    _save_draft(request, state)
    if request.POST.get("token") and request.POST["token"] != request.session.get(TOKEN):
        # A form from another tab: this draft replaces that one and gets its own token.
        request.session[TOKEN] = str(uuid.uuid4())
    return _see_other(reverse("travellers:declare-check"))


def _switch_language(request, url: str):
    """The answer to a form posted by the language switcher (declare.js), once the
    caller has kept what was typed: the same form again, in the chosen language."""
    response = _see_other(url)
    # Not "language": that field is the notices' language, which the switch leaves alone.
    _keep_language(response, request.POST.get("ui_language", ""))
    return response


def _keep_language(response, language: str) -> None:
    """Make ``language`` the reader's page language from now on (the switcher's cookie)."""
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )


@require_http_methods(["GET", "POST"])
def declare_check(request):
    token = request.session.get(TOKEN)
    if request.method == "POST":
        posted = request.POST.get("token", "")
        if not token or posted != token:
            # A second click after the first one went through: show what it created.
            return _what_token_saved(request, posted)

    state = _load_draft(request)
    if state is None:
        return redirect("travellers:declare")
    serializer, _built, errors = _validate(state)
    if errors:
        # Valid yesterday, not today (an arrival date now past): back to the form.
        return _form_page(request, *forms.shown_again(state, errors), status=400)

    if request.method == "GET":
        return render(
            request,
            "travellers/check.html",
            {"answers": _answers(serializer.validated_data, state), "token": _token(request)},
        )

    if _rate_exceeded("submit", _client_ip(request)):
        # The API's submit limit, applied to the form too: the draft stays for later.
        return render(
            request,
            "travellers/check.html",
            {
                "answers": _answers(serializer.validated_data, state),
                "token": token,
                "throttled": True,
            },
            status=429,
        )
    try:
        declaration = _services().declaration_submit(
            data=serializer.validated_data, idempotency_key=uuid.UUID(token)
        )
    except _services().IdempotencyKeyReused:
        # This draft's token already saved another one (a draft changed after its
        # submit): show that declaration, as a second click does.
        request.session.pop(TOKEN, None)
        return _what_token_saved(request, token)
    except NoPolicyInForce:
        return render(
            request,
            "travellers/check.html",
            {
                "answers": _answers(serializer.validated_data, state),
                "token": token,
                "no_policy": True,
            },
            status=503,
        )
    _grant(request, [declaration.reference, *_companion_references(declaration)])
    request.session.pop(DRAFT, None)
    request.session.pop(TOKEN, None)
    return _see_other(_detail_url(declaration.reference))


def _what_token_saved(request, token: str):
    """The declaration a form's token saved, when this browser may see it; else the form."""
    done = _declaration_for_token(token)
    if done is not None and _may_see(request, done.reference):
        return _see_other(_detail_url(done.reference))
    return _see_other(reverse("travellers:declare"))


def _declaration_for_token(token: str) -> Declaration | None:
    try:
        key = uuid.UUID(token)
    except ValueError:
        return None
    return Declaration.objects.filter(idempotency_key=key).only("reference").first()


def _companion_references(declaration: Declaration) -> list[str]:
    return list(declaration.companions.values_list("reference", flat=True))


def _detail_url(reference: str) -> str:
    return reverse("travellers:declaration", args=[reference])


def _choice_label(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def _place(full_name: str, name: str, full_name_en: str):
    """A place as the check page lists it: "Guangling District, Yangzhou, Jiangsu (广陵区)"
    for English readers, the Chinese part marked; the full Chinese name otherwise."""
    if full_name_en and (get_language() or "").startswith("en"):
        return format_html("{} ({})", full_name_en, chinese(name))
    return chinese(full_name)


def _form_row_of(leg: dict, state: dict) -> int:
    """The row of the form (as shown again, blank rows last) that holds ``leg``: the
    answers list legs in travel order, the form in the order they were typed."""
    typed = [row for row in state["legs"] if not forms.is_blank_leg(row)]
    for position, row in enumerate(typed):
        if row.get("region_code") == leg["region"] and row.get("start_date") == str(
            leg["start_date"]
        ):
            return position
    return 0


def _answers(data: dict, state: dict) -> list[dict]:
    """Every answer, as the check page lists it, with the field to change it."""
    from policies.models import Region

    specs = forms.FIELD_SPECS
    codes = {leg["region"] for leg in data["legs"]} | {data["residence_region"]}
    names = {
        code: _place(full_name, name, full_name_en)
        for code, full_name, name, full_name_en in Region.objects.filter(
            code__in=codes
        ).values_list("code", "full_name", "name", "full_name_en")
    }
    community = data.get("community")
    nat = data.get("nat_test")

    def row(name: str, value) -> dict:
        return {"label": specs[name].label, "value": value, "target": forms.field_id(name)}

    rows = [
        row("kind", _choice_label(specs["kind"].choices, data["kind"])),
        row("full_name", person_name(data["full_name"])),
        row("id_type", _choice_label(IdType.choices, data["id_type"])),
        row("id_number", pii.mask_id_number(data["id_number"])),
        row("phone", pii.mask_phone(data["phone"])),
        row("email", data["email"]),
        row("language", _choice_label(specs["language"].choices, data["language"])),
        row("residence_region", names.get(data["residence_region"], data["residence_region"])),
        row(
            "community",
            chinese(community.name) if isinstance(community, Community) else _("未选择"),
        ),
        row("arrival_date", _date(data["arrival_date"])),
    ]
    for index, leg in enumerate(data["legs"], start=1):
        end = _date(leg["end_date"]) if leg["end_date"] else _("仍在当地")
        rows.append(
            {
                "label": _("第%(number)d段行程") % {"number": index},
                "value": format_html(
                    "{}{}{} – {}",
                    names.get(leg["region"], leg["region"]),
                    _("："),
                    _date(leg["start_date"]),
                    end,
                ),
                "target": forms.field_id(f"legs-{_form_row_of(leg, state)}-region"),
            }
        )
    if not data["legs"]:
        rows.append(
            {
                "label": _("行程"),
                "value": _("未填写京外行程"),
                "target": forms.field_id("legs-0-region"),
            }
        )
    health_code = _choice_label(specs["health_code"].choices, data["health_code"])
    contact_status = _contact_text(data["contact_status"], data.get("last_contact_date"))
    rows += [
        row(
            "international_entry_date",
            _date(data["international_entry_date"])
            if data["international_entry_date"]
            else _("未填写"),
        ),
        # The form's box is a first-person statement; the answer names the group.
        {
            "label": _("环京通勤人员"),
            "value": _("是") if data["commuter"] else _("否"),
            "target": forms.field_id("commuter"),
        },
        row("health_code", health_code),
        row("nat_result", _nat_text(nat)),
        row(
            "contact_status", _choice_label(specs["contact_status"].choices, data["contact_status"])
        ),
    ]
    if data.get("last_contact_date"):
        rows.append(row("last_contact_date", _date(data["last_contact_date"])))
    rows.append(
        row("home_quarantine_possible", _("是") if data["home_quarantine_possible"] else _("否"))
    )
    for index, companion in enumerate(data["companions"], start=1):
        rows += _companion_answers(index, companion, health_code, contact_status)
    return rows


def _nat_text(nat) -> str:
    if not nat:
        return _("未检测")
    return _("%(result)s（%(sampled_at)s）") % {
        "result": _choice_label(forms.FIELD_SPECS["nat_result"].choices, nat["result"]),
        "sampled_at": _datetime(nat["sampled_at"]),
    }


def _contact_text(status: str, last_contact) -> str:
    text = _choice_label(forms.FIELD_SPECS["contact_status"].choices, status)
    if last_contact:
        text = _("%(status)s（%(date)s）") % {"status": text, "date": _date(last_contact)}
    return text


def _companion_answers(index: int, companion: dict, lead_code: str, lead_contact: str):
    """A companion's rows: who, and their own health code, test and contact, each of the
    last three also when left as the lead's, so that nothing is assumed unseen."""

    def answer(label, value, field):
        return {
            "label": _("同行人%(number)d · %(field)s") % {"number": index, "field": label}
            if label
            else _("同行人%(number)d") % {"number": index},
            "value": value,
            "target": forms.field_id(f"companions-{index - 1}-{field}"),
        }

    specs = forms.COMPANION_SPECS
    code = companion.get("health_code")
    status = companion.get("contact_status")
    return [
        answer(
            "",
            # Separators through gettext (not in an f-string, which xgettext skips).
            _("%(name)s，%(id_type)s %(id_number)s")
            % {
                "name": companion["full_name"],
                "id_type": _choice_label(IdType.choices, companion["id_type"]),
                "id_number": pii.mask_id_number(companion["id_number"]),
            },
            "full_name",
        ),
        answer(
            _("健康码"),
            _choice_label(forms.FIELD_SPECS["health_code"].choices, code)
            if code
            else _("与申报人相同（%(value)s）") % {"value": lead_code},
            "health_code",
        ),
        answer(_("核酸检测"), _nat_text(companion.get("nat_test")), "nat_result"),
        answer(
            str(specs["contact_status"].label),
            _contact_text(status, companion.get("last_contact_date"))
            if status
            else _("与申报人相同（%(value)s）") % {"value": lead_contact},
            "contact_status",
        ),
    ]


def _datetime(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


# --- result, status, amendment -----------------------------------------------------------


def _declaration(reference: str) -> Declaration:
    return get_object_or_404(
        Declaration.objects.select_related("policy_version", "lead", "residence_region"),
        reference=reference,
    )


def declaration_detail(request, reference: str):
    if not _may_see(request, reference):
        # The reference alone reveals nothing: whoever holds it proves it on /status/,
        # which says why they are there.
        request.session[SIGN_IN_FIRST] = _shown_reference(reference) or True
        return redirect("travellers:status")
    declaration = _declaration(reference)
    language = get_language() or settings.LANGUAGE_CODE
    companions = [
        {
            "declaration": companion,
            # On the lead's page: its health facts are amended under its own reference.
            "answer": _present(
                companion, language, companion_reference=format_reference(companion.reference)
            ),
            "reference": format_reference(companion.reference),
        }
        for companion in declaration.companions.order_by("id")
    ]
    history = _history(declaration, language)
    return render(
        request,
        "travellers/result.html",
        {
            "declaration": declaration,
            "answer": _present(declaration, language),
            "reference": format_reference(declaration.reference),
            "companions": companions,
            "history": history,
            "legs": declaration.legs.select_related("region").order_by("position"),
            "just_amended": request.session.pop(AMENDED, None) == declaration.reference,
            "idle_minutes": settings.CITIZEN_SESSION_IDLE_MINUTES,
        },
    )


def _history(declaration: Declaration, language: str) -> list[dict]:
    """The answers given, newest first: when, what changed and the answer in words."""
    from travellers.causes import change_cause, change_places
    from travellers.presentation import present

    separator = ", " if language == "en" else "、"
    evaluations = list(
        declaration.evaluations.select_related("change").order_by("created_at", "id")
    )
    # The arrival day each answer was for is the declaration's own from its last
    # amendment on; before that it may have been another, which is not kept, and an
    # allowed answer's headline then names no day rather than the wrong one.
    amended = [
        position
        for position, evaluation in enumerate(evaluations)
        if evaluation.trigger == EvaluationTrigger.AMENDED
    ]
    known_from = amended[-1] if amended else 0
    rows, previous = [], None
    for position, evaluation in enumerate(evaluations):
        shown = present(
            evaluation.result,
            language,
            kind=declaration.kind,
            arrival_date=declaration.arrival_date if position >= known_from else None,
        )
        if evaluation.trigger == EvaluationTrigger.SUBMITTED:
            cause = _("提交申报。")
        else:
            cause = change_cause(evaluation, declaration) or evaluation.get_trigger_display()
        counties, areas = change_places(evaluation.change, previous, shown, language)
        places = separator.join([*counties, *areas])
        rows.append({"evaluation": evaluation, "cause": cause, "places": places, "shown": shown})
        previous = shown
    return rows[::-1]


def _shown_reference(raw: str) -> str:
    try:
        return format_reference(normalise_reference(raw))
    except ValidationError:
        return ""


def _rate_exceeded(scope: str, ident: str) -> bool:
    """Count one attempt; True once the scope's rate (``THROTTLE_RATES``) is used up.
    The count is the API's (``policies.api.throttles``): a client's form and API
    submits share one allowance."""
    limit = rate_counts.limit(scope)
    if limit is None:
        return False
    allowed, period = limit
    try:
        return rate_counts.take(scope, ident, period) > allowed
    except Exception as exc:
        # As the API's per-client throttles: a cache that is down does not refuse the
        # citizen.
        logger.warning(
            "Throttle %s could not count (%s): request let through", scope, type(exc).__name__
        )
        return False


def _wait_minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def _client_wait_minutes(scope: str, ident: str) -> int:
    limit = rate_counts.limit(scope)
    if limit is None:
        return 1
    try:
        return _wait_minutes(rate_counts.seconds_left(scope, ident, limit[1]))
    except Exception:
        return _wait_minutes(limit[1])


def _client_ip(request) -> str:
    # As the API's throttles read it: X-Forwarded-For only behind NUM_PROXIES proxies.
    return _CLIENT.get_ident(request)


_CLIENT = BaseThrottle()


@require_http_methods(["GET", "POST"])
def status(request):
    context = {"reference": "", "errors": {}, "failed": False}
    if request.method == "GET":
        came_from = request.session.pop(SIGN_IN_FIRST, False)
        context["sign_in_first"] = bool(came_from)
        if isinstance(came_from, str):
            # The reference of the link followed: only the phone digits are left to type.
            context["reference"] = came_from
        # The emails' link names the mail's language: an English reader on a browser that
        # asks for Chinese lands on the English page, and stays there. Kept in the cookie
        # and dropped from the address, or the header's switch (which returns to the
        # address it came from) would set it back every time.
        wanted = request.GET.get("lang", "")
        if wanted in dict(settings.LANGUAGES):
            if came_from:
                request.session[SIGN_IN_FIRST] = came_from
            response = _see_other(reverse("travellers:status"))
            _keep_language(response, wanted)
            return response
        return render(request, "travellers/status.html", context)

    raw_reference = request.POST.get("reference", "").strip()
    last4 = request.POST.get("phone_last4", "").strip()
    context["reference"] = raw_reference
    errors: dict[str, list[str]] = {}
    reference = ""
    if not raw_reference:
        errors[forms.field_id("reference")] = [_("请填写查询码。")]
    else:
        try:
            reference = normalise_reference(raw_reference)
        except ValidationError as exc:
            errors[forms.field_id("reference")] = list(exc.messages)
    if not (len(last4) == 4 and last4.isascii() and last4.isdigit()):
        errors[forms.field_id("phone_last4")] = [_("请填写手机号码后4位数字。")]
    if errors:
        context.update(
            errors=errors,
            error_summary=forms.summary(
                errors, [forms.field_id("reference"), forms.field_id("phone_last4")]
            ),
        )
        return render(request, "travellers/status.html", context, status=400)

    # Every attempt counts per client; per reference only the failed ones (taken before
    # the lookup, given back on success: lookup_attempts), so that neither the owner's
    # own visits nor anyone else's successes use up its allowance.
    client = _client_ip(request)
    if _rate_exceeded("lookup", client):
        context.update(throttled=True, wait_minutes=_client_wait_minutes("lookup", client))
        return render(request, "travellers/status.html", context, status=429)
    if not lookup_attempts.reserve(reference):
        wait = _wait_minutes(lookup_attempts.wait_seconds(reference))
        context.update(throttled=True, wait_minutes=wait)
        return render(request, "travellers/status.html", context, status=429)

    declaration = _services().declaration_lookup(reference=reference, phone_last4=last4)
    if declaration is None:
        # Same words for an unknown reference and a wrong phone: neither is confirmed.
        context["failed"] = True
        return render(request, "travellers/status.html", context, status=404)
    lookup_attempts.release(reference)
    _grant(request, [declaration.reference])
    return _see_other(_detail_url(declaration.reference))


def _pop_amend_draft(request, reference: str) -> dict | None:
    """What was typed into this declaration's amend form before a language switch."""
    kept = request.session.pop(AMEND_DRAFT, None)
    if not kept or kept.get("reference") != reference:
        return None
    try:
        return json.loads(pii.decrypt(kept["state"]))
    except (pii.PIIDecryptionError, ValueError, KeyError):
        return None


def _amend_state(declaration: Declaration) -> dict:
    nat_sampled = declaration.nat_sampled_at
    fields = {
        "arrival_date": declaration.arrival_date.isoformat(),
        "international_entry_date": (
            declaration.international_entry_date.isoformat()
            if declaration.international_entry_date
            else ""
        ),
        "commuter": "1" if declaration.commuter else "",
        "health_code": declaration.health_code,
        "nat_result": declaration.nat_result,
        "nat_sampled_at": forms.local_input_value(nat_sampled),
        "contact_status": declaration.contact_status,
        "last_contact_date": (
            declaration.last_contact_date.isoformat() if declaration.last_contact_date else ""
        ),
        "home_quarantine_possible": forms.YES if declaration.home_quarantine_possible else forms.NO,
    }
    english = is_english(get_language())
    legs = [
        {
            # As the picker fills the box: in the page's language (forms.names_in_box).
            "region": (english and leg.region.full_name_en) or leg.region.full_name,
            "region_code": leg.region_id,
            "start_date": leg.start_date.isoformat(),
            "end_date": leg.end_date.isoformat() if leg.end_date else "",
        }
        for leg in declaration.legs.select_related("region").order_by("position")
    ]
    return forms.with_blank_rows({"fields": fields, "legs": legs, "companions": []})


def _amend_page(request, declaration, state, errors=None, *, status_code=200):
    errors = errors or {}
    context = forms.bind(
        state,
        errors,
        names=forms.AMENDABLE_FIELDS,
        hints={"commuter": _commuter_hint(timezone.localdate())},
    )
    context.update(
        declaration=declaration,
        reference=format_reference(declaration.reference),
        error_summary=forms.summary(errors, forms.field_order(state, names=forms.AMENDABLE_FIELDS)),
        max_legs=forms.MAX_LEG_ROWS,
        # Amending a lead moves its companions' itinerary too: the page says so.
        companions=(
            list(declaration.companions.order_by("id")) if declaration.lead_id is None else []
        ),
    )
    return render(request, "travellers/amend.html", context, status=status_code)


@require_http_methods(["GET", "POST"])
def amend(request, reference: str):
    if not _may_see(request, reference):
        return redirect("travellers:status")
    declaration = _declaration(reference)
    if request.method == "GET":
        kept = _pop_amend_draft(request, reference)
        state = forms.with_blank_rows(kept) if kept else _amend_state(declaration)
        return _amend_page(request, declaration, state)

    posted = forms.state_from_post(request.POST)
    state = {**posted, "companions": []}
    if request.POST.get("action") == "add_legs":
        return _amend_page(request, declaration, forms.add_leg_rows(state))
    if request.POST.get("action") == "switch_language":
        sealed = _sealed(state)
        if sealed is None:
            request.session.pop(AMEND_DRAFT, None)
        else:
            request.session[AMEND_DRAFT] = {"reference": reference, "state": sealed}
        return _switch_language(request, reverse("travellers:amend", args=[reference]))
    built = forms.build_data(state, include_identity=False)
    serializer = AmendmentSerializer(data=built.data, context={"declaration": declaration})
    valid = serializer.is_valid()
    errors = forms.field_errors({} if valid else serializer.errors, built)
    if errors:
        state, errors = forms.shown_again(forms.resolved_codes(state, built), errors)
        return _amend_page(request, declaration, state, errors, status_code=400)
    _services().declaration_amend(declaration=declaration, data=serializer.validated_data)
    request.session[AMENDED] = declaration.reference
    return _see_other(_detail_url(declaration.reference))
