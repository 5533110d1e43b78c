"""Bad input of any shape: the submit API answers 400 with field errors (or 201 when the
change happens to be valid), never a server error, and a refused submit stores nothing.

Hypothesis replaces one value of a valid declaration (top level, in a leg, in a
companion, in the test result) with an arbitrary JSON value, or sends arbitrary JSON;
the forms (declare, amend, status) get arbitrary text, and the lookup, evaluate and
staff follow-up endpoints arbitrary JSON. Each answers with a page or an error, never
a server error.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.travellers.api.payloads import companion, declaration_payload, high_risk_area
from tests.travellers.backoffice import community_worker, make_community, make_declaration
from tests.travellers.test_pages_flow import amend_post, confirm
from tests.travellers.test_pages_form import valid_post
from travellers.models import Declaration, DeclarationEvent, Evaluation, Leg, Notice

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations/"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=60)
    | st.sampled_from(["", " ", "\x00", "2021-02-30", "9" * 400, "321002", "+86", "null"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=8,
)

TOP_LEVEL = sorted(
    {
        *declaration_payload(today=timezone.localdate()),
        "nat_test",
        "international_entry_date",
        "last_contact_date",
        "community",
        "legs",
        "companions",
    }
)
IN_LEG = ["region", "start_date", "end_date", "surplus"]
IN_COMPANION = ["full_name", "id_type", "id_number", "health_code", "nat_test", "contact_status"]
IN_TEST = ["result", "sampled_at"]


@pytest.fixture(autouse=True)
def _open_throttles(settings):
    cache.clear()
    settings.THROTTLE_RATES = {
        scope: "100000/min" for scope in ("evaluate", "submit", "lookup", "lookup_reference")
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    high_risk_area(designated_on=timezone.localdate() - timedelta(days=20))
    yield
    cache.clear()


def counts():
    return tuple(
        model.objects.count() for model in (Declaration, Leg, Evaluation, Notice, DeclarationEvent)
    )


def post(body):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return APIClient().post(URL, body, format="json")


def valid_payload() -> dict:
    payload = declaration_payload(today=timezone.localdate(), companions=[companion()])
    payload["nat_test"] = {
        "result": "negative",
        "sampled_at": (timezone.now() - timedelta(hours=5)).isoformat(),
    }
    return payload


def assert_refused_cleanly_or_saved(response, before):
    assert response.status_code in (201, 400), response.content[:500]
    if response.status_code == 400:
        body = response.json()
        assert isinstance(body, dict) and body, body
        assert counts() == before


slow = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@slow
@given(field=st.sampled_from(TOP_LEVEL), value=json_values)
def test_any_value_in_any_field(field, value):
    payload = valid_payload()
    payload[field] = value
    before = counts()
    assert_refused_cleanly_or_saved(post(payload), before)


@slow
@given(
    where=st.sampled_from(["leg", "companion", "test"]),
    field=st.sampled_from(sorted({*IN_LEG, *IN_COMPANION, *IN_TEST})),
    value=json_values,
)
def test_any_value_inside_a_leg_a_companion_or_the_test(where, field, value):
    payload = valid_payload()
    target = {"leg": payload["legs"][1], "companion": payload["companions"][0]}.get(
        where, payload["nat_test"]
    )
    target[field] = value
    before = counts()
    assert_refused_cleanly_or_saved(post(payload), before)


@slow
@given(body=json_values)
def test_any_json_document_as_the_body(body):
    before = counts()
    response = post(body)
    assert response.status_code == 400, response.content[:500]
    assert counts() == before


FORM_FIELDS = [
    "kind", "full_name", "id_type", "id_number", "phone", "email", "language",
    "residence_region", "community", "arrival_date", "health_code", "contact_status",
    "last_contact_date", "home_quarantine_possible", "commuter", "international_entry_date",
    "nat_result", "nat_sampled_at", "attestation", "action",
    "legs-0-region", "legs-0-start_date", "legs-0-end_date", "legs-0-region_query",
    "legs-7-region", "companions-0-full_name", "companions-0-id_number",
    "companions-9-id_type", "leg_count", "companion_count",
]  # fmt: skip
form_text = st.text(max_size=40) | st.sampled_from(["", "\x00", "-1", "999999", "9" * 300])


@slow
@given(field=st.sampled_from(FORM_FIELDS), value=form_text)
def test_the_declaration_form_answers_any_text_in_any_field_with_a_page(client, field, value):
    before = counts()
    response = client.post("/declare/", valid_post(**{field: value}))
    assert response.status_code in (200, 303, 400), response.content[:300]
    if response.status_code == 400:  # the form again, its errors summed up at the top
        assert b"data-error-summary" in response.content
    assert counts() == before  # the form step saves nothing; the check page does


@slow
@given(reference=form_text, digits=form_text)
def test_the_status_lookup_answers_any_text_with_a_page(client, reference, digits):
    response = client.post("/status/", {"reference": reference, "phone_last4": digits})
    assert response.status_code in (200, 400, 404), response.content[:300]


AMEND_FIELDS = [
    "arrival_date", "health_code", "contact_status", "last_contact_date",
    "home_quarantine_possible", "commuter", "international_entry_date", "nat_result",
    "nat_sampled_at", "action", "legs-0-region", "legs-0-region_code", "legs-0-start_date",
    "legs-0-end_date", "legs-3-region",
]  # fmt: skip


@pytest.fixture
def amend_url(client):
    confirm(client)
    return reverse("travellers:amend", args=[Declaration.objects.get().reference])


@slow
@given(field=st.sampled_from(AMEND_FIELDS), value=form_text)
def test_the_amend_form_answers_any_text_in_any_field_with_a_page(client, amend_url, field, value):
    data = amend_post(**{field: value})
    before = Evaluation.objects.count()
    response = client.post(amend_url, data)
    assert response.status_code in (200, 303, 400), response.content[:300]
    if response.status_code == 400:
        assert b"data-error-summary" in response.content
        assert Evaluation.objects.count() == before


@slow
@given(
    body=json_values | st.fixed_dictionaries({"reference": json_values, "phone_last4": json_values})
)
def test_the_lookup_api_answers_any_json_with_400_or_404(body):
    response = APIClient().post("/api/v1/declarations/lookup/", body, format="json")
    assert response.status_code in (400, 404), response.content[:300]
    assert isinstance(response.json(), dict)


@slow
@given(field=st.sampled_from(TOP_LEVEL), value=json_values)
def test_the_evaluate_api_answers_any_value_in_any_field_with_200_or_400(field, value):
    payload = valid_payload()
    payload[field] = value
    response = APIClient().post("/api/v1/evaluate/", payload, format="json")
    assert response.status_code in (200, 400), response.content[:300]


@pytest.fixture
def staff_declaration():
    east = make_community("110105001", "望京东园社区")
    client = APIClient()
    client.force_authenticate(community_worker("east-worker", east))
    return client, make_declaration(community=east)


@slow
@given(
    body=json_values
    | st.fixed_dictionaries(
        {},
        optional={
            "follow_up_status": json_values | st.sampled_from(["contacted", "done", ""]),
            "follow_up_note": json_values,
            "outcome": json_values,
        },
    )
)
def test_the_staff_follow_up_answers_any_json_with_200_or_400(staff_declaration, body):
    client, declaration = staff_declaration
    before = DeclarationEvent.objects.count()
    response = client.patch(f"{URL}{declaration.reference}/", body, format="json")
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert DeclarationEvent.objects.count() == before
