"""The citizen API over HTTP. Declarations are evaluated for the real today, so the
risk data is dated relative to it."""

import logging
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import TestCase, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.travellers.api.payloads import (
    COMPANION_ID,
    LEAD_ID,
    PHONE,
    companion,
    declaration_payload,
    high_risk_area,
)
from travellers.models import Declaration, DeclarationEvent, Evaluation, Leg, Notice
from travellers.references import format_reference

URL = "/api/v1/declarations/"
LOOKUP = "/api/v1/declarations/lookup/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles(settings):
    cache.clear()
    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "submit": "1000/min",
        "lookup": "1000/min",
        "lookup_reference": "1000/min",
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield
    cache.clear()


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def risk(today):
    return high_risk_area(designated_on=today - timedelta(days=20))


def rows():
    return tuple(
        model.objects.count() for model in (Declaration, Leg, Evaluation, Notice, DeclarationEvent)
    )


def post(client, payload, **headers):
    # Run the after-commit work (the eager send task) as a real commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(URL, payload, format="json", headers=headers)


def test_a_submit_runs_a_fixed_number_of_queries_whatever_the_legs_and_companions(
    client, today, risk, django_assert_num_queries
):
    # The first submit of a process reads the region table, the policy and the risk rows.
    assert client.post(URL, declaration_payload(today=today), format="json").status_code == 201
    payload = declaration_payload(
        today=today, companions=[companion(), companion(full_name="李四", id_number=COMPANION_ID)]
    )
    # PostgreSQL: one read (the engine data stamp and the new rows' keys), then every row
    # in one statement, in a savepoint here because the test runs in a transaction.
    # Elsewhere: the stamp, then a savepoint around one insert each of the lead, the
    # companions, legs, evaluations, events and notices.
    expected, inserts = (4, 1) if connection.vendor == "postgresql" else (9, 6)
    with django_assert_num_queries(expected) as captured:
        response = client.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    # No region, policy or risk query: only the stamp is read from the policies tables.
    reads = [q["sql"] for q in captured if "policies_" in q["sql"]]
    assert len(reads) == 1 and "enginedatastamp" in reads[0]
    assert sum("INSERT" in q["sql"] for q in captured) == inserts
    lead = Declaration.objects.get(reference=response.json()["reference"])
    assert lead.companions.count() == 2
    assert Leg.objects.filter(declaration__lead=lead).count() == 2 * lead.legs.count()
    people = [lead, *lead.companions.all()]
    assert Notice.objects.filter(evaluation__declaration__in=people).count() == 3


def test_submit_returns_201_with_reference_result_and_status_url(client, today, risk, mailoutbox):
    response = post(client, declaration_payload(today=today, companions=[companion()]))
    assert response.status_code == 201, response.json()
    body = response.json()
    lead = Declaration.objects.get(reference=body["reference"])
    assert body["result"]["outcome"] == "postponed"
    assert body["result"]["entry_allowed_from"] == (today + timedelta(days=7)).isoformat()
    assert body["result"]["policy_version"]["code"] == lead.policy_version.code
    assert "text_zh" not in body["result"]["reasons"][0]
    assert body["status_url"].endswith("/status/")
    [child] = body["companions"]
    assert child["reference"] != body["reference"]
    assert child["result"]["outcome"] == "postponed"
    # Eager tasks: the confirmations went out after commit.
    assert len(mailoutbox) == 2
    assert LEAD_ID not in response.content.decode()
    assert PHONE not in response.content.decode()


def test_a_familys_confirmations_are_queued_as_one_task(client, today, risk, mailoutbox):
    payload = declaration_payload(
        today=today, companions=[companion(), companion(full_name="李四", id_number=COMPANION_ID)]
    )
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        response = client.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    assert len(callbacks) == 1
    references = {response.json()["reference"]} | {
        person["reference"] for person in response.json()["companions"]
    }
    # One email to each person, naming their own reference; the lead's names the
    # companions' too (the family's mails reach one address).
    lead = response.json()["reference"]
    named = [{r for r in references if format_reference(r) in m.body} for m in mailoutbox]
    assert sorted(map(sorted, named)) == sorted(
        [sorted(references)] + [[r] for r in references if r != lead]
    )
    assert set(Notice.objects.values_list("status", flat=True)) == {"sent"}


def test_a_companion_without_a_document_type_has_a_resident_id_card(client, today, risk):
    person = companion()
    del person["id_type"]
    response = post(client, declaration_payload(today=today, companions=[person]))
    assert response.status_code == 201, response.json()
    child = Declaration.objects.get(reference=response.json()["companions"][0]["reference"])
    assert child.id_type == "resident_id"


def test_reasons_are_in_the_declarations_language(client, today, risk):
    body = post(client, declaration_payload(today=today, language="en")).json()
    assert body["result"]["reasons"][0]["text"].startswith("Within the 14 days before arriving")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "110105199001011233"}, "id_number"),
        ({"id_type": "visa"}, "id_type"),
        ({"phone": "2345"}, "phone"),
        ({"email": ""}, "email"),
        ({"email": "nobody"}, "email"),
        ({"attestation": False}, "attestation"),
        ({"residence_region": "310115"}, "residence_region"),
        ({"community": "NOWHERE"}, "community"),
        ({"language": "de"}, "language"),
        ({"kind": "holiday"}, "kind"),
        ({"arrival_date": "not a date"}, "arrival_date"),
        ({"full_name": ""}, "full_name"),
        ({"legs": [{"region": "999999", "start_date": "2021-01-01"}]}, "legs"),
        ({"legs": "none"}, "legs"),
        ({"companions": [{"full_name": "x"}]}, "companions"),
        ({"companions": [companion() for _ in range(5)]}, "companions"),
        ({"contact_status": "close_contact"}, "last_contact_date"),
        ({"health_code": "purple"}, "health_code"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_stored(client, today, change, field):
    before = rows()
    response = post(client, {**declaration_payload(today=today), **change})
    assert response.status_code == 400
    assert field in response.json()
    assert rows() == before


def test_a_pre_travel_arrival_in_the_past_is_refused(client, today):
    payload = declaration_payload(today=today, arrival_date=(today - timedelta(days=1)).isoformat())
    payload["legs"] = []
    response = post(client, payload)
    assert response.status_code == 400
    assert list(response.json()) == ["arrival_date"]


def test_the_same_idempotency_key_returns_the_first_declaration(client, today, risk, mailoutbox):
    key = str(uuid.uuid4())
    first = post(client, declaration_payload(today=today), **{"Idempotency-Key": key})
    before = rows()
    again = post(client, declaration_payload(today=today), **{"Idempotency-Key": key})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["reference"] == first.json()["reference"]
    assert rows() == before
    assert len(mailoutbox) == 1


def test_the_same_idempotency_key_with_another_body_is_refused(client, today, risk):
    key = str(uuid.uuid4())
    first = post(client, declaration_payload(today=today), **{"Idempotency-Key": key})
    assert first.status_code == 201
    before = rows()
    other = post(
        client, declaration_payload(today=today, full_name="另一个人"), **{"Idempotency-Key": key}
    )
    assert other.status_code == 400
    assert list(other.json()) == ["idempotency_key"]
    assert first.json()["reference"] not in other.content.decode()
    assert rows() == before


def test_a_malformed_idempotency_key_is_refused(client, today):
    response = post(client, declaration_payload(today=today), **{"Idempotency-Key": "twice"})
    assert response.status_code == 400
    assert "idempotency_key" in response.json()
    assert rows() == (0, 0, 0, 0, 0)


def test_the_nil_uuid_is_refused_as_an_idempotency_key(client, today, risk):
    # Copied from an example, one key shared by every client.
    nil = "00000000-0000-0000-0000-000000000000"
    response = post(client, declaration_payload(today=today), **{"Idempotency-Key": nil})
    assert response.status_code == 400
    assert list(response.json()) == ["idempotency_key"]
    assert rows() == (0, 0, 0, 0, 0)


def test_without_a_key_two_posts_are_two_declarations(client, today, risk):
    post(client, declaration_payload(today=today))
    post(client, declaration_payload(today=today))
    assert Declaration.objects.count() == 2


def test_submits_are_throttled_per_client(client, today, risk, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "submit": "2/min"}
    codes = [post(client, declaration_payload(today=today)).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    other = APIClient(REMOTE_ADDR="10.0.0.2")
    assert post(other, declaration_payload(today=today)).status_code == 201


def test_a_forwarded_for_header_does_not_give_a_client_a_fresh_throttle(
    client, today, risk, settings
):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "submit": "1/min"}
    assert post(client, declaration_payload(today=today)).status_code == 201
    spoofed = APIClient(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert post(spoofed, declaration_payload(today=today)).status_code == 429
    assert Declaration.objects.count() == 1


def test_behind_a_proxy_the_address_it_forwards_is_the_client(client, today, risk, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "submit": "1/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def via_proxy(forwarded):
        return APIClient(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=forwarded)

    # The proxy appends the address it saw; what the client wrote before it is ignored.
    assert post(via_proxy("198.51.100.7"), declaration_payload(today=today)).status_code == 201
    assert (
        post(via_proxy("203.0.113.1, 198.51.100.7"), declaration_payload(today=today)).status_code
        == 429
    )
    assert post(via_proxy("198.51.100.8"), declaration_payload(today=today)).status_code == 201


# Production keeps the throttle counters in Redis, mostly the broker's own server.
UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "portal.redis_cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def test_a_submit_goes_through_while_the_throttle_counters_cannot_be_reached(
    client, today, risk, mailoutbox
):
    # A Redis outage costs the citizen nothing but a later email, not a 500.
    with override_settings(CACHES=UNREACHABLE_CACHE):
        response = post(client, declaration_payload(today=today))
    assert response.status_code == 201
    assert Declaration.objects.count() == 1


def lookup(client, reference, last4):
    return client.post(LOOKUP, {"reference": reference, "phone_last4": last4}, format="json")


@pytest.fixture
def submitted(client, today, risk):
    return post(client, declaration_payload(today=today)).json()["reference"]


def test_lookup_returns_the_current_answer_and_history(client, submitted):
    response = lookup(client, submitted.lower(), PHONE[-4:])
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == submitted
    assert body["result"]["outcome"] == "postponed"
    [entry] = body["history"]
    assert entry["trigger"] == "submitted"
    assert entry["outcome"] == "postponed"
    assert entry["policy_version"] == body["result"]["policy_version"]["code"]
    assert entry["entry_allowed_from"] == body["result"]["entry_allowed_from"]
    assert entry["at"].endswith("+08:00")  # Beijing time, as the API's other times
    assert PHONE not in response.content.decode()


def test_a_wrong_pair_and_an_unknown_reference_get_the_same_404(client, submitted):
    wrong = lookup(client, submitted, "0000")
    unknown = lookup(client, "ZZZZZ22222", PHONE[-4:])
    malformed = lookup(client, "nonsense", PHONE[-4:])
    assert wrong.status_code == unknown.status_code == malformed.status_code == 404
    assert wrong.json() == unknown.json() == malformed.json()


def test_lookup_needs_both_fields(client):
    response = client.post(LOOKUP, {"reference": "ABCDE23456"}, format="json")
    assert response.status_code == 400
    assert "phone_last4" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"reference": "ABCDE23456", "phone_last4": "abcd"},
        {"reference": "ABCDE23456", "phone_last4": "12345"},
        {"reference": "ABCDE23456", "phone_last4": "1" * 40},
        {"reference": "ABCDE23456", "phone_last4": ""},
        {"reference": "ABCDE23456", "phone_last4": 1234},
        {"reference": "ABCDE23456", "phone_last4": "1234", "phone": PHONE},
    ],
)
def test_malformed_lookups_are_field_errors(client, body):
    response = client.post(LOOKUP, body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) <= {"phone_last4", "phone"}
    if isinstance(body["phone_last4"], str) and "phone" not in body:
        assert errors == {"phone_last4": ["请填写手机号码的最后4位数字。"]}
    assert PHONE not in response.content.decode()


def test_malformed_digits_take_no_attempt_at_the_reference(client, submitted, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "lookup_reference": "1/min"}
    bad = lookup(client, submitted, "abcd")
    assert bad.status_code == 400
    assert bad.json() == {"phone_last4": ["请填写手机号码的最后4位数字。"]}
    # The one failed attempt the reference allows is still there, and then used up.
    assert lookup(client, submitted, "0000").status_code == 404
    assert lookup(client, submitted, "0000").status_code == 429


def test_full_width_digits_and_reference_are_read_as_typed_on_submit(client, submitted):
    full_width = PHONE[-4:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    reference = submitted.translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKMNPQRSTUVWXYZ"}
    )
    response = lookup(client, reference, full_width)
    assert response.status_code == 200
    assert response.json()["reference"] == submitted


def test_lookups_are_throttled_per_client(client, submitted, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "lookup": "3/min"}
    codes = [lookup(client, submitted, "0000").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_lookups_are_throttled_per_reference_across_clients(client, submitted, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "lookup_reference": "2/min"}
    clients = [APIClient(REMOTE_ADDR=f"10.0.1.{i}") for i in range(3)]
    codes = [lookup(c, submitted, "0000").status_code for c in clients]
    assert codes == [404, 404, 429]
    # Another reference from the same addresses is not held back.
    assert lookup(clients[2], "ZZZZZ22222", "0000").status_code == 404


def test_successful_lookups_do_not_count_against_the_reference(client, submitted, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "lookup_reference": "2/min"}
    owners = [APIClient(REMOTE_ADDR=f"10.0.2.{i}") for i in range(4)]
    assert [lookup(c, submitted, PHONE[-4:]).status_code for c in owners] == [200] * 4
    assert lookup(owners[0], submitted, "0000").status_code == 404


def test_a_lookup_waits_while_the_reference_counter_cannot_be_reached(client, submitted):
    # Uncounted, the four phone digits of a reference could be guessed without limit.
    with override_settings(CACHES=UNREACHABLE_CACHE):
        response = lookup(client, submitted, PHONE[-4:])
    assert response.status_code == 429


def test_no_personal_data_in_logs(client, today, risk, caplog):
    with caplog.at_level(logging.DEBUG):
        reference = post(client, declaration_payload(today=today)).json()["reference"]
        lookup(client, reference, PHONE[-4:])
        post(client, declaration_payload(today=today, phone="1"))
    logged = caplog.text
    assert LEAD_ID not in logged and PHONE not in logged


def test_staff_actions_stay_closed_to_citizens(client, submitted):
    assert client.get(URL).status_code in (401, 403)
    assert client.get(f"{URL}{submitted}/").status_code in (401, 403)


def test_a_leg_with_a_bad_date_and_another_with_an_unknown_county_are_refused_together(
    client, today
):
    payload = declaration_payload(today=today)
    payload["legs"][0]["start_date"] = "2021-02-30"
    payload["legs"][1]["region"] = "999999"
    before = rows()
    response = post(client, payload)
    assert response.status_code == 400
    legs = response.json()["legs"]
    assert list(legs[0]) == ["start_date"]
    assert legs[1] == {"region": ["未知的行政区划代码。"]}
    assert rows() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"arrival_date": "9999-12-31"}, "arrival_date"),
        ({"kind": "arrival_report", "arrival_date": "0001-01-01", "legs": []}, "arrival_date"),
        (
            {"legs": [{"region": "420115", "start_date": "0001-01-01", "end_date": "0001-01-02"}]},
            "legs",
        ),
        (
            {
                "companions": [
                    {
                        "full_name": "李四",
                        "id_type": "resident_id",
                        "id_number": COMPANION_ID,
                        "contact_status": "close_contact",
                        "last_contact_date": "0001-01-01",
                    }
                ]
            },
            "companions",
        ),
        (
            {"nat_test": {"result": "negative", "sampled_at": "0001-01-02T08:00:00+08:00"}},
            "nat_test",
        ),
    ],
)
def test_dates_outside_any_travel_are_refused_and_nothing_is_stored(
    client, today, risk, overrides, field
):
    response = post(client, declaration_payload(today=today, **overrides))
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert rows() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("kind", "days", "accepted"),
    [
        ("pre_travel", 366, True),
        ("pre_travel", 367, False),
        ("arrival_report", -366, True),
        ("arrival_report", -367, False),
    ],
)
def test_an_arrival_may_be_at_most_a_year_from_today(client, today, risk, kind, days, accepted):
    arrival = today + timedelta(days=days)
    payload = declaration_payload(
        today=today,
        kind=kind,
        arrival_date=arrival.isoformat(),
        legs=[
            {
                "region": "420115",
                "start_date": (arrival - timedelta(days=3)).isoformat(),
                "end_date": (arrival - timedelta(days=1)).isoformat(),
            }
        ],
    )
    response = post(client, payload, **{"Accept-Language": "en"})
    if accepted:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 400
        assert "year" in response.json()["arrival_date"][0]


@pytest.mark.parametrize("value", ["true", 1, "1", "yes", "on", False, None])
def test_only_a_json_true_attests(client, today, risk, value):
    response = post(client, declaration_payload(today=today, attestation=value))
    assert response.status_code == 400
    assert response.json()["attestation"] == ["请勾选承诺后再继续。"]
    assert rows() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("path", "field", "get_status"),
    [
        ("/api/v1/declarations/", "id_number", 403),  # GET lists, for staff only
        ("/api/v1/declarations/lookup/", "phone_last4", 405),
    ],
)
def test_the_citizen_endpoints_describe_themselves_and_render_for_a_browser(
    client, path, field, get_status
):
    # Both were a 500: the viewset had no serializer for OPTIONS or the browsable API.
    options = client.options(path)
    assert options.status_code == 200
    assert field in options.json()["actions"]["POST"]
    browser = client.get(path, HTTP_ACCEPT="text/html")
    assert browser.status_code == get_status
    assert "text/html" in browser["Content-Type"]


@pytest.mark.parametrize("path", ["/api/v1/declarations/", "/api/v1/declarations/lookup/"])
def test_a_form_encoded_body_is_refused_as_unsupported_not_read_as_empty(client, today, path):
    response = client.post(path, {"kind": "pre_travel"}, format="multipart")
    assert response.status_code == 415
    response = client.post(
        path, "kind=pre_travel", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert not Declaration.objects.exists()


def test_as_of_and_unknown_fields_get_a_400_that_names_them(client, today, risk):
    payload = declaration_payload(today=today, as_of="2021-08-08", nickname="小张")
    response = post(client, payload)
    assert response.status_code == 400
    assert set(response.json()) == {"as_of", "nickname"}
    assert not Declaration.objects.exists()


def test_english_results_name_places_in_english_in_the_submit_and_the_lookup(client, today, risk):
    response = post(client, declaration_payload(today=today, language="en"))
    assert response.status_code == 201, response.json()
    [reason] = [r for r in response.json()["result"]["reasons"] if r["region"] == "321002"]
    assert "Guangling District, Yangzhou, Jiangsu (广陵区)" in reason["text"]
    body = response.json()
    found = lookup(client, body["reference"], PHONE[-4:]).json()
    [again] = [r for r in found["result"]["reasons"] if r["region"] == "321002"]
    assert again["text"] == reason["text"]
    chinese = post(client, declaration_payload(today=today, id_number=COMPANION_ID))
    [zh] = [r for r in chinese.json()["result"]["reasons"] if r["region"] == "321002"]
    assert "Guangling" not in zh["text"] and "广陵区" in zh["text"]
