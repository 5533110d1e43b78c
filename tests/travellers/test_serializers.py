from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from policies.api.serializers import EvaluateRequestSerializer, errors_by_index
from tests.travellers.api.payloads import (
    CHILD_ID,
    COMPANION_ID,
    LEAD_ID,
    community,
    companion,
    declaration_payload,
)
from travellers.models import Declaration
from travellers.serializers import AmendmentSerializer, DeclarationSerializer

TODAY = date(2021, 8, 8)
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def validate(payload, today=TODAY):
    serializer = DeclarationSerializer(data=payload, context={"today": today})
    valid = serializer.is_valid()
    return valid, serializer


def test_a_valid_declaration_is_normalised_and_evaluated_for_today():
    payload = declaration_payload(
        today=TODAY, phone="+86 139-1234-5678", id_number=" 1101051990 01011232 "
    )
    valid, serializer = validate(payload)
    assert valid, serializer.errors
    data = serializer.validated_data
    assert data["as_of"] == TODAY
    assert data["phone"] == "13912345678"
    assert data["id_number"] == LEAD_ID
    assert data["residence_region"] == "110105"
    assert data["community"] is None
    assert [leg["region"] for leg in data["legs"]] == ["321002", "420115"]


def test_as_of_in_the_input_is_refused_by_name_with_every_other_error():
    # Dropped, it let a caller believe the answer was for the day it sent.
    payload = declaration_payload(today=TODAY, as_of="2021-01-01", phone="123")
    valid, serializer = validate(payload)
    assert not valid
    assert "不接受 as_of" in str(serializer.errors["as_of"][0])
    assert "phone" in serializer.errors
    assert validate(declaration_payload(today=TODAY))[1].validated_data["as_of"] == TODAY


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"nickname": "小张"}, ("nickname",)),
        (
            {"legs": [{"region": "321002", "start_date": "2021-08-01", "stay": 1}]},
            ("legs", 0, "stay"),
        ),
        ({"companions": [{**companion(), "phone": "13912345678"}]}, ("companions", 0, "phone")),
        (
            {"nat_test": {"result": "negative", "sampled_at": "2021-08-07T08:00:00+08:00", "x": 1}},
            ("nat_test", "x"),
        ),
    ],
)
def test_unknown_keys_are_refused_where_they_are(overrides, where):
    valid, serializer = validate(declaration_payload(today=TODAY, **overrides))
    assert not valid
    errors = serializer.errors
    for step in where:
        errors = errors[step]
    assert str(errors[0]) == "不接受此字段。"
    assert not Declaration.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("commuter", "yes"),
        ("commuter", 1),
        ("home_quarantine_possible", "false"),
        ("full_name", 123),
        ("full_name", 1.2345678901234568e29),
        ("phone", 13912345678),
        ("email", ["a@example.com"]),
    ],
)
def test_a_value_of_the_wrong_json_type_is_refused_not_converted(field, value):
    valid, serializer = validate(declaration_payload(today=TODAY, **{field: value}))
    assert not valid and field in serializer.errors


def test_a_leg_region_in_full_width_digits_is_asked_for_as_six_digits():
    legs = [{"region": "３２１００２", "start_date": "2021-08-01", "end_date": "2021-08-02"}]
    valid, serializer = validate(declaration_payload(today=TODAY, legs=legs))
    assert not valid
    assert str(serializer.errors["legs"][0]["region"][0]) == "请填写六位行政区划代码。"


def test_every_field_error_is_reported_at_once_and_keyed_by_field():
    payload = declaration_payload(
        today=TODAY,
        id_number="110105199001011233",  # wrong check digit
        phone="12345",
        email="not-an-email",
        attestation=False,
        residence_region="321002",
        language="fr",
    )
    valid, serializer = validate(payload)
    assert not valid
    assert set(serializer.errors) == {
        "id_number",
        "phone",
        "email",
        "attestation",
        "residence_region",
        "language",
    }
    assert "校验位" in serializer.errors["id_number"][0]


@pytest.mark.parametrize(
    ("id_type", "number", "ok"),
    [
        ("passport", "E12345678", True),
        ("passport", "E1", False),
        ("hk_macao_permit", "C12345678", True),
        ("hk_macao_permit", "X12345678", False),
        ("taiwan_permit", "12345678", True),
        ("taiwan_permit", "1234", False),
        ("resident_id", "11010519900101123", False),
    ],
)
def test_identity_numbers_are_checked_for_their_document_type(id_type, number, ok):
    valid, serializer = validate(
        declaration_payload(today=TODAY, id_type=id_type, id_number=number)
    )
    assert valid is ok, serializer.errors
    if not ok:
        assert list(serializer.errors) == ["id_number"]


def test_an_unknown_document_type_is_reported_on_the_type_only():
    valid, serializer = validate(declaration_payload(today=TODAY, id_type="driving_licence"))
    assert not valid
    assert list(serializer.errors) == ["id_type"]


@pytest.mark.parametrize("missing", ["email", "full_name", "phone", "attestation", "id_number"])
def test_required_fields(missing):
    payload = declaration_payload(today=TODAY)
    del payload[missing]
    valid, serializer = validate(payload)
    assert not valid
    assert missing in serializer.errors


@pytest.mark.parametrize("code", ["110000", "110100", "999999", "32100"])
def test_residence_must_be_a_district_of_the_jurisdiction(code):
    valid, serializer = validate(declaration_payload(today=TODAY, residence_region=code))
    assert not valid
    assert "residence_region" in serializer.errors


def test_a_community_of_the_district_is_accepted_and_one_of_another_refused():
    own = community(code="CY-001", district="110105")
    other = community(code="HD-001", district="110108")
    valid, serializer = validate(declaration_payload(today=TODAY, community=own.code))
    assert valid, serializer.errors
    assert serializer.validated_data["community"] == own

    valid, serializer = validate(declaration_payload(today=TODAY, community=other.code))
    assert not valid
    assert list(serializer.errors) == ["community"]

    valid, serializer = validate(declaration_payload(today=TODAY, community="NOPE"))
    assert not valid
    assert list(serializer.errors) == ["community"]


def test_leg_errors_are_aligned_with_the_submitted_legs():
    payload = declaration_payload(today=TODAY)
    payload["legs"][1]["region"] = "110105"  # inside the jurisdiction
    valid, serializer = validate(payload)
    assert not valid
    items, _ = errors_by_index(serializer.errors["legs"])
    assert list(items) == [1]
    assert "region" in items[1]


def test_a_pre_travel_arrival_date_in_the_past_is_refused():
    payload = declaration_payload(today=TODAY, arrival_date="2021-08-01")
    payload["legs"] = []
    valid, serializer = validate(payload)
    assert not valid
    assert list(serializer.errors) == ["arrival_date"]
    # A declaration is always for today, and the message says so, and which kind fits.
    assert serializer.errors["arrival_date"] == [
        "抵京日期不能早于今天。如已抵京，请在申报类型中选择“抵京后报备”。"
    ]


def test_field_errors_and_the_checks_between_valid_fields_come_in_one_round():
    # A bad phone (a field of its own) and an arrival date in the past (a check between
    # fields): both at once, not the second only after the first is corrected.
    payload = declaration_payload(today=TODAY, arrival_date="2021-08-01", phone="12345")
    payload["legs"] = []
    valid, serializer = validate(payload)
    assert not valid
    assert set(serializer.errors) == {"phone", "arrival_date"}
    assert serializer.errors["arrival_date"][0].startswith("抵京日期不能早于今天。")


def test_a_check_reading_a_field_that_failed_is_left_to_that_fields_error():
    payload = declaration_payload(today=TODAY, arrival_date="not a date")
    valid, serializer = validate(payload)
    assert not valid
    # One message for the date, its own; no check ran on a date it does not have.
    assert len(serializer.errors["arrival_date"]) == 1
    assert "legs" not in serializer.errors


def test_the_evaluate_contract_names_its_own_assessment_date():
    payload = declaration_payload(today=TODAY, arrival_date="2021-08-01", as_of="2021-08-08")
    serializer = EvaluateRequestSerializer(data=payload)
    assert not serializer.is_valid()
    assert serializer.errors["arrival_date"] == ["抵京日期不能早于评估日期。"]


def test_companions_are_validated_each_with_errors_aligned():
    payload = declaration_payload(
        today=TODAY,
        companions=[
            companion(id_number=CHILD_ID),
            companion(id_type="resident_id", id_number="321002198506150029"),
            companion(id_number=COMPANION_ID, contact_status="close_contact"),
        ],
    )
    valid, serializer = validate(payload)
    assert not valid
    items, _ = errors_by_index(serializer.errors["companions"])
    assert list(items) == [1, 2]
    assert list(items[1]) == ["id_number"]
    assert list(items[2]) == ["last_contact_date"]


def test_at_most_four_companions():
    people = [
        companion(full_name=f"同行{i}", id_type="passport", id_number=f"E1234567{i}")
        for i in range(5)
    ]
    valid, serializer = validate(declaration_payload(today=TODAY, companions=people))
    assert not valid
    assert "companions" in serializer.errors


def test_the_same_person_twice_on_one_form_is_refused():
    payload = declaration_payload(
        today=TODAY,
        companions=[companion(id_number=CHILD_ID), companion(id_number=LEAD_ID)],
    )
    valid, serializer = validate(payload)
    assert not valid
    items, _ = errors_by_index(serializer.errors["companions"])
    assert list(items) == [1]
    assert list(items[1]) == ["id_number"]


def test_a_companion_test_sampled_in_the_future_is_refused():
    tomorrow = datetime(2099, 1, 1, 9, tzinfo=SHANGHAI)
    payload = declaration_payload(
        today=TODAY,
        companions=[companion(nat_test={"result": "negative", "sampled_at": tomorrow.isoformat()})],
    )
    valid, serializer = validate(payload)
    assert not valid
    items, _ = errors_by_index(serializer.errors["companions"])
    assert "sampled_at" in items[0]["nat_test"]


def test_companions_valid_with_their_own_facts():
    sampled = datetime(2021, 8, 7, 9, tzinfo=SHANGHAI)
    payload = declaration_payload(
        today=TODAY,
        companions=[
            companion(
                health_code="yellow",
                nat_test={"result": "negative", "sampled_at": sampled.isoformat()},
                contact_status="close_contact",
                last_contact_date="2021-08-01",
            )
        ],
    )
    valid, serializer = validate(payload)
    assert valid, serializer.errors
    person = serializer.validated_data["companions"][0]
    assert person["health_code"] == "yellow"
    assert person["last_contact_date"] == date(2021, 8, 1)
    assert person["id_number"] == CHILD_ID


class _Declaration:
    kind = "arrival_report"


def test_the_amendment_reuses_the_travel_checks_with_the_declarations_kind():
    legs = [{"region": "321002", "start_date": "2021-07-25", "end_date": None}]
    serializer = AmendmentSerializer(
        data={"arrival_date": "2021-08-02", "legs": legs},
        context={"declaration": _Declaration(), "today": TODAY},
    )
    assert not serializer.is_valid()
    # An arrival report needs every leaving day.
    items, _ = errors_by_index(serializer.errors["legs"])
    assert "end_date" in items[0]

    legs[0]["end_date"] = "2021-08-01"
    # The kind stays as submitted: asking to change it is refused, not ignored.
    serializer = AmendmentSerializer(
        data={"arrival_date": "2021-08-02", "legs": legs, "kind": "pre_travel"},
        context={"declaration": _Declaration(), "today": TODAY},
    )
    assert not serializer.is_valid()
    assert str(serializer.errors["kind"][0]) == "申报类型提交后不能修改。"
    serializer = AmendmentSerializer(
        data={"arrival_date": "2021-08-02", "legs": legs},
        context={"declaration": _Declaration(), "today": TODAY},
    )
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["kind"] == "arrival_report"
    assert serializer.validated_data["as_of"] == TODAY
    assert "full_name" not in serializer.validated_data


def test_amendment_arrival_after_today_is_refused_for_an_arrival_report():
    serializer = AmendmentSerializer(
        data={"arrival_date": (TODAY + timedelta(days=1)).isoformat(), "legs": []},
        context={"kind": "arrival_report", "today": TODAY},
    )
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["arrival_date"]


def test_two_forms_validated_side_by_side_each_read_their_own_context():
    # A companion's contact date is checked against the root serializer's "today": were
    # the declared fields shared between instances, one form would judge by the other's.
    payload = declaration_payload(
        today=TODAY,
        companions=[companion(contact_status="close_contact", last_contact_date="2021-08-09")],
    )
    before = DeclarationSerializer(data=payload, context={"today": TODAY})
    after = DeclarationSerializer(data=payload, context={"today": TODAY + timedelta(days=1)})
    for serializer in (before, after):
        assert serializer.fields["full_name"].parent is serializer
        assert serializer.fields["companions"].child.root is serializer
    assert before.fields["phone"] is not after.fields["phone"]

    assert not before.is_valid()
    items, _ = errors_by_index(before.errors["companions"])
    assert list(items[0]) == ["last_contact_date"]
    assert after.is_valid(), after.errors
    assert after.validated_data["companions"][0]["last_contact_date"] == date(2021, 8, 9)


def test_a_leg_with_its_own_error_does_not_hold_back_the_other_legs_checks():
    payload = declaration_payload(today=TODAY)
    payload["legs"] = [
        {"region": "321002", "start_date": "not a date", "end_date": "2021-08-01"},
        {"region": "999999", "start_date": "2021-08-01", "end_date": "2021-08-07"},
        {"region": "420115", "start_date": "2021-08-07", "end_date": "2021-08-20"},
    ]
    valid, serializer = validate(payload)
    assert not valid
    legs, whole = errors_by_index(serializer.errors["legs"])
    assert whole == []
    assert set(legs) == {0, 1, 2}
    assert set(legs[0]) == {"start_date"}
    assert legs[1] == {"region": ["未知的行政区划代码。"]}
    # The arrival date validated, so the later legs are checked against it as well.
    assert legs[2] == {"end_date": ["离开当地日期不能晚于抵京日期。"]}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("\u200b", None),
        ("\u202e三张", "三张"),
        ("张三\u200d\u200d", "张三"),
        (" Mary\u00a0 Ann ", "Mary Ann"),
        # A rare character typed as a private-use code point is part of the name.
        ("王\ue000明", "王\ue000明"),
    ],
)
def test_invisible_characters_are_taken_out_of_names(typed, kept):
    valid, serializer = validate(
        declaration_payload(today=TODAY, full_name=typed, companions=[companion(full_name=typed)])
    )
    if kept is None:
        assert not valid
        assert str(serializer.errors["full_name"][0]) == "请填写姓名。"
        assert "full_name" in serializer.errors["companions"][0]
    else:
        assert valid, serializer.errors
        assert serializer.validated_data["full_name"] == kept
        assert serializer.validated_data["companions"][0]["full_name"] == kept


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"id_type": LEAD_ID}, ("id_type",)),
        ({"health_code": LEAD_ID}, ("health_code",)),
        ({"language": LEAD_ID}, ("language",)),
        ({"kind": LEAD_ID}, ("kind",)),
        ({"contact_status": LEAD_ID}, ("contact_status",)),
        ({"companions": [{**companion(), "id_type": LEAD_ID}]}, ("companions", 0, "id_type")),
        (
            {"nat_test": {"result": LEAD_ID, "sampled_at": "2021-08-07T08:00:00+08:00"}},
            ("nat_test", "result"),
        ),
    ],
)
def test_a_refused_choice_names_the_choices_and_never_repeats_the_input(overrides, where):
    valid, serializer = validate(declaration_payload(today=TODAY, **overrides))
    assert not valid
    errors = serializer.errors
    for step in where:
        errors = errors[step]
    [message] = errors
    assert message.startswith("请选择以下之一：")
    assert LEAD_ID not in str(serializer.errors)


def test_the_choices_of_a_refused_choice_are_the_accepted_values():
    valid, serializer = validate(declaration_payload(today=TODAY, health_code="blue"))
    assert not valid
    assert serializer.errors["health_code"] == ["请选择以下之一：green, yellow, red。"]


def test_an_unknown_key_that_is_not_a_plain_name_is_refused_without_repeating_it():
    payload = declaration_payload(today=TODAY, **{LEAD_ID: 1, "x13912345678": 1, "nick": 1})
    valid, serializer = validate(payload)
    assert not valid
    assert serializer.errors["nick"] == ["不接受此字段。"]
    assert serializer.errors["non_field_errors"] == ["请求中含有不接受的字段。"]
    text = str(serializer.errors)
    assert LEAD_ID not in text and "13912345678" not in text


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("full_name", "请填写姓名。"),
        ("id_type", "请选择证件类型。"),
        ("id_number", "请填写证件号码。"),
        ("phone", "请填写手机号码。"),
        ("email", "请填写电子邮箱。"),
        ("residence_region", "请选择在京居住区。"),
        ("arrival_date", "请填写抵京日期。"),
        ("kind", "请选择申报类型。"),
    ],
)
@pytest.mark.parametrize("how", ["missing", "null", "blank"])
def test_a_missing_field_names_what_to_fill_in(field, message, how):
    payload = declaration_payload(today=TODAY)
    if how == "missing":
        del payload[field]
    else:
        payload[field] = None if how == "null" else ""
    valid, serializer = validate(payload)
    assert not valid
    assert serializer.errors[field] == [message]


def test_a_leg_and_a_test_without_their_dates_name_them():
    payload = declaration_payload(today=TODAY, nat_test={"result": "negative"})
    del payload["legs"][1]["start_date"]
    valid, serializer = validate(payload)
    assert not valid
    assert serializer.errors["legs"][1] == {"start_date": ["请填写到达当地日期。"]}
    assert serializer.errors["nat_test"] == {"sampled_at": ["已选择检测结果，请填写采样时间。"]}


def test_a_malformed_email_shows_an_example():
    valid, serializer = validate(declaration_payload(today=TODAY, email="name@"))
    assert not valid
    assert serializer.errors["email"] == ["电子邮箱格式不正确，例如 name@example.com。"]


def test_messages_about_the_arrival_name_it_as_the_form_does():
    payload = declaration_payload(today=TODAY, international_entry_date="2021-08-20")
    payload["legs"][1]["end_date"] = "2021-08-20"
    payload["legs"].append(
        {"region": "131082", "start_date": "2021-08-21", "end_date": "2021-08-22"}
    )
    valid, serializer = validate(payload)
    assert not valid
    assert serializer.errors["international_entry_date"] == ["入境日期不能晚于抵京日期。"]
    legs, _ = errors_by_index(serializer.errors["legs"])
    assert legs[1] == {"end_date": ["离开当地日期不能晚于抵京日期。"]}
    assert legs[2]["start_date"] == ["到达当地日期不能晚于抵京日期。"]
    assert "抵达日期" not in str(serializer.errors)


def test_a_residence_outside_beijing_is_asked_for_in_the_citizens_words():
    valid, serializer = validate(declaration_payload(today=TODAY, residence_region="321002"))
    assert not valid
    assert serializer.errors["residence_region"] == ["请选择北京市的区。"]


def test_a_leg_in_beijing_is_refused_in_the_citizens_words():
    legs = [{"region": "110105", "start_date": "2021-08-01", "end_date": "2021-08-02"}]
    valid, serializer = validate(declaration_payload(today=TODAY, legs=legs))
    assert not valid
    assert serializer.errors["legs"] == [{"region": ["行程只需填写北京以外的地区。"]}]


RETIRED_COUNTY = "330103"  # 杭州市下城区, merged into 拱墅区 in 2021


def test_a_leg_in_an_abolished_county_is_refused_but_its_code_still_opens_an_id_number():
    from policies.models import Region

    assert Region.objects.get(code=RETIRED_COUNTY).retired
    legs = [{"region": RETIRED_COUNTY, "start_date": "2021-08-01", "end_date": "2021-08-02"}]
    valid, serializer = validate(declaration_payload(today=TODAY, legs=legs))
    assert not valid
    assert serializer.errors["legs"] == [{"region": ["该区县已撤销，请选择现在所属的区县。"]}]
    # People born there keep the number: the prefix stays valid for identity numbers.
    valid, serializer = validate(
        declaration_payload(today=TODAY, id_number=resident_id(RETIRED_COUNTY + "19900101123"))
    )
    assert valid, serializer.errors


def resident_id(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(digit) * weight for digit, weight in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_nul_character_is_refused_in_the_pages_language(language):
    from django.utils import translation

    with translation.override(language):
        valid, serializer = validate(declaration_payload(today=TODAY, full_name="张\x00三"))
        messages = [str(message) for message in serializer.errors["full_name"]]
    assert not valid
    assert messages == (
        ["不能包含空字符。"] if language == "zh-hans" else ["Null characters are not allowed."]
    )


def test_an_unticked_attestation_is_asked_for_once_in_plain_words():
    valid, serializer = validate(declaration_payload(today=TODAY, attestation=False))
    assert not valid
    assert serializer.errors["attestation"] == ["请勾选承诺后再继续。"]


@pytest.mark.parametrize("body", [None, [], ["a"], "text", 1])
def test_a_body_that_is_not_an_object_gets_one_translated_message(body):
    serializer = DeclarationSerializer(data=body, context={"today": TODAY})
    assert not serializer.is_valid()
    assert serializer.errors == {"non_field_errors": ["请求内容应为一个 JSON 对象。"]}
