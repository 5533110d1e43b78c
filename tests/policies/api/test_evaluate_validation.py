"""Bad input to the evaluate endpoint: 400 with per-field messages, nothing written."""

import pytest
from django.utils import timezone

from policies.api.serializers import errors_by_index

from .conftest import GUANGLING, SANHE, declaration, leg

GOOD_LEG = leg(GUANGLING, "2021-07-25", "2021-08-01")


def error_at(body, *path):
    """The messages at ``path`` in an error body (keys and leg indexes)."""
    node = body
    for step in path:
        node = node[step]
    assert isinstance(node, list)
    assert node
    assert all(isinstance(message, str) and message for message in node)
    return node


def post_invalid(evaluate, payload, **kwargs):
    response = evaluate(payload, **kwargs)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        pytest.param(
            declaration(legs=[leg("999999", "2021-07-25", "2021-08-01")]),
            ("legs", 0, "region"),
            id="unknown-region",
        ),
        pytest.param(
            declaration(legs=[GOOD_LEG, leg("321000", "2021-08-01", "2021-08-03")]),
            ("legs", 1, "region"),
            id="prefecture-not-county-level",
        ),
        pytest.param(
            declaration(legs=[leg("110105", "2021-07-25", "2021-08-01")]),
            ("legs", 0, "region"),
            id="leg-inside-the-jurisdiction",
        ),
        pytest.param(
            declaration(legs=[leg("3210", "2021-07-25", "2021-08-01")]),
            ("legs", 0, "region"),
            id="malformed-region-code",
        ),
        pytest.param(
            declaration(legs=[leg(GUANGLING, "2021-08-01", "2021-07-25")]),
            ("legs", 0, "end_date"),
            id="leg-ending-before-it-starts",
        ),
        pytest.param(
            declaration(
                legs=[
                    leg(SANHE, "2021-07-30", "2021-08-05"),
                    leg(GUANGLING, "2021-07-25", "2021-08-01"),
                ]
            ),
            ("legs", 0, "start_date"),
            id="overlapping-legs-reported-at-the-submitted-index",
        ),
        pytest.param(
            declaration(legs=[leg(GUANGLING, "2021-07-25", None), leg(SANHE, "2021-08-01", None)]),
            ("legs", 0, "end_date"),
            id="open-leg-before-the-last",
        ),
        pytest.param(
            declaration(
                kind="arrival_report",
                arrival_date="2021-08-02",
                legs=[leg(GUANGLING, "2021-07-25", None)],
            ),
            ("legs", 0, "end_date"),
            id="open-leg-in-an-arrival-report",
        ),
        pytest.param(
            declaration(arrival_date="2021-08-09", legs=[leg(GUANGLING, "2021-08-10", None)]),
            ("legs", 0, "start_date"),
            id="leg-starting-after-the-arrival",
        ),
        pytest.param(
            declaration(
                arrival_date="2021-08-09", legs=[leg(GUANGLING, "2021-08-01", "2021-08-10")]
            ),
            ("legs", 0, "end_date"),
            id="leg-ending-after-the-arrival",
        ),
        pytest.param(
            declaration(arrival_date="2021-08-07"),
            ("arrival_date",),
            id="pre-travel-arrival-before-as-of",
        ),
        pytest.param(
            declaration(kind="arrival_report", arrival_date="2021-08-09"),
            ("arrival_date",),
            id="arrival-report-after-as-of",
        ),
        pytest.param(
            declaration(contact_status="close_contact"),
            ("last_contact_date",),
            id="contact-without-its-date",
        ),
        pytest.param(
            declaration(contact_status="secondary_contact", last_contact_date="2021-08-09"),
            ("last_contact_date",),
            id="last-contact-after-as-of",
        ),
        pytest.param(
            declaration(international_entry_date="2021-08-11"),
            ("international_entry_date",),
            id="international-entry-after-the-arrival",
        ),
        pytest.param(declaration(kind="holiday"), ("kind",), id="unknown-kind"),
        pytest.param(declaration(health_code="blue"), ("health_code",), id="unknown-code-colour"),
        pytest.param(
            declaration(contact_status="neighbour", last_contact_date="2021-08-01"),
            ("contact_status",),
            id="unknown-contact-status",
        ),
        pytest.param(
            declaration(nat_test={"result": "maybe", "sampled_at": "2021-08-08T08:00:00+08:00"}),
            ("nat_test", "result"),
            id="unknown-test-result",
        ),
        pytest.param(
            declaration(nat_test={"result": "negative", "sampled_at": "2021-08-08T08:00:00"}),
            ("nat_test", "sampled_at"),
            id="sampled-at-without-offset",
        ),
        pytest.param(
            declaration(nat_test={"result": "negative", "sampled_at": "2021-08-09T08:00:00+08:00"}),
            ("nat_test", "sampled_at"),
            id="sampled-after-as-of",
        ),
        pytest.param(
            declaration(nat_test={"result": "negative", "sampled_at": "yesterday"}),
            ("nat_test", "sampled_at"),
            id="sampled-at-not-a-datetime",
        ),
        pytest.param(declaration(arrival_date="10/08/2021"), ("arrival_date",), id="bad-date"),
        pytest.param(declaration(as_of="2021-13-01"), ("as_of",), id="bad-as-of"),
        pytest.param(
            {k: v for k, v in declaration().items() if k != "kind"}, ("kind",), id="missing-kind"
        ),
        pytest.param(
            {k: v for k, v in declaration().items() if k != "arrival_date"},
            ("arrival_date",),
            id="missing-arrival-date",
        ),
        pytest.param(declaration(commuter="sometimes"), ("commuter",), id="not-a-boolean"),
        pytest.param(
            declaration(legs="321002"), ("legs", "non_field_errors"), id="legs-not-a-list"
        ),
    ],
)
def test_bad_input_is_refused_with_the_field_named(evaluate, regions, payload, path):
    body = post_invalid(evaluate, payload)

    error_at(body, *path)


def test_leg_errors_are_a_list_aligned_with_the_submitted_legs(evaluate, regions):
    body = post_invalid(
        evaluate,
        declaration(
            legs=[
                GOOD_LEG,
                leg("999999", "2021-08-01", "2021-08-02"),
                leg(SANHE, "2021-08-02", "2021-08-03"),
            ]
        ),
    )

    assert body["legs"][0] == {}
    assert list(body["legs"][1]) == ["region"]
    assert body["legs"][2] == {}


def test_field_and_cross_leg_errors_share_one_shape(evaluate, regions):
    # A malformed code fails in the leg's own fields, an unknown one in the cross-leg
    # checks: both land at the leg's position in a list aligned with the legs.
    malformed = post_invalid(evaluate, declaration(legs=[GOOD_LEG, leg("32", "2021-08-01", None)]))
    unknown = post_invalid(
        evaluate, declaration(legs=[GOOD_LEG, leg("999999", "2021-08-01", None)])
    )

    for body in (malformed, unknown):
        assert body["legs"][0] == {}
        assert set(body["legs"][1]) == {"region"}


def test_every_problem_is_reported_at_once(evaluate, regions):
    body = post_invalid(
        evaluate,
        declaration(
            arrival_date="2021-08-07",
            contact_status="close_contact",
            legs=[leg("110105", "2021-07-25", "2021-08-01")],
        ),
    )

    assert {"arrival_date", "last_contact_date", "legs"} <= set(body)


def test_an_overlap_of_later_legs_is_reported_with_the_first_legs_own_error(evaluate, regions):
    body = post_invalid(
        evaluate,
        declaration(
            legs=[
                leg(GUANGLING, "2021-07-20", "2021-07-18"),  # leaves before it arrives
                leg(SANHE, "2021-07-25", "2021-07-30"),
                leg("420115", "2021-07-28", "2021-08-01"),  # overlaps the one before
            ]
        ),
    )
    first, second, third = body["legs"]
    assert "end_date" in first and second == {}
    assert third == {"start_date": ["行程时间与三河市（2021年7月25日至2021年7月30日）的行程重叠。"]}


def test_an_overlap_names_the_leg_it_overlaps_when_the_legs_are_typed_out_of_order(
    evaluate, regions
):
    # In travel order the Sanhe stay comes first, though typed second: "the leg before"
    # would have sent the reader to the row above, which is not the one.
    legs = [leg(GUANGLING, "2021-07-28", "2021-08-01"), leg(SANHE, "2021-07-25", "2021-07-30")]
    body = post_invalid(evaluate, declaration(legs=legs))
    assert body["legs"][0] == {
        "start_date": ["行程时间与三河市（2021年7月25日至2021年7月30日）的行程重叠。"]
    }
    english = post_invalid(evaluate, declaration(legs=legs), language="en")
    assert english["legs"][0]["start_date"] == [
        "These dates overlap with your stay in Sanhe City (三河市) from 25 July 2021 to"
        " 30 July 2021."
    ]


def test_more_than_50_legs_are_refused(evaluate, regions):
    legs = [leg(SANHE, f"2021-07-{day:02d}", f"2021-07-{day:02d}") for day in range(1, 32)]
    legs += [leg(GUANGLING, f"2021-06-{day:02d}", f"2021-06-{day:02d}") for day in range(1, 21)]
    assert len(legs) == 51

    body = post_invalid(evaluate, declaration(legs=legs))

    error_at(body, "legs", "non_field_errors")


def test_50_same_day_legs_are_accepted(evaluate, regions):
    legs = [leg(SANHE, f"2021-07-{day:02d}", f"2021-07-{day:02d}") for day in range(1, 31)]
    legs += [leg(GUANGLING, f"2021-06-{day:02d}", f"2021-06-{day:02d}") for day in range(1, 21)]

    response = evaluate(declaration(legs=legs))

    assert response.status_code == 200, response.json()


def test_legs_sharing_a_travel_day_do_not_overlap(evaluate, regions):
    response = evaluate(
        declaration(
            legs=[leg(GUANGLING, "2021-07-25", "2021-08-01"), leg(SANHE, "2021-08-01", None)]
        )
    )

    assert response.status_code == 200, response.json()


def test_a_test_sampled_in_the_real_future_is_refused(evaluate, regions):
    later = timezone.now() + timezone.timedelta(hours=2)
    today = timezone.localdate()

    body = post_invalid(
        evaluate,
        declaration(
            as_of=(today + timezone.timedelta(days=2)).isoformat(),
            arrival_date=(today + timezone.timedelta(days=3)).isoformat(),
            nat_test={"result": "negative", "sampled_at": later.isoformat()},
        ),
    )

    error_at(body, "nat_test", "sampled_at")


def test_malformed_json_is_a_json_400(evaluate):
    response = evaluate(None, raw='{"kind": "pre_travel", "legs": [')

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


@pytest.mark.parametrize("raw", ["[1, 2]", "null", '"text"', "12"])
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "请求内容应为一个 JSON 对象。"),
        ("en", "The request body must be a JSON object."),
    ],
)
def test_a_body_that_is_not_an_object_is_refused_in_one_translated_message(
    evaluate, raw, language, message
):
    # DRF said "No data provided" to null (in English whatever the language) and named
    # Python's type ("list") for an array.
    response = evaluate(None, raw=raw, language=language)

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [message]}


def test_messages_are_chinese_by_default_and_english_on_request(evaluate):
    payload = {k: v for k, v in declaration().items() if k != "kind"}

    chinese = error_at(post_invalid(evaluate, payload), "kind")[0]
    english = error_at(post_invalid(evaluate, payload, language="en"), "kind")[0]

    assert any("\u4e00" <= char <= "\u9fff" for char in chinese)
    assert english == "Choose a declaration type."


def test_own_messages_are_chinese_by_default(evaluate, regions):
    body = post_invalid(evaluate, declaration(legs=[leg("999999", "2021-07-25", "2021-08-01")]))

    assert body["legs"][0]["region"] == ["未知的行政区划代码。"]


def test_errors_by_index_reads_the_response_shape_and_drfs_object_shape(evaluate, regions):
    body = post_invalid(
        evaluate, declaration(legs=[GOOD_LEG, leg("999999", "2021-08-01", "2021-08-02")])
    )

    items, whole = errors_by_index(body["legs"])
    assert list(items) == [1]
    assert set(items[1]) == {"region"}
    assert whole == []
    assert errors_by_index({"1": {"region": ["x"]}}) == ({1: {"region": ["x"]}}, [])
    assert errors_by_index({"non_field_errors": ["too many"]}) == ({}, ["too many"])


@pytest.mark.parametrize("as_of", ["2021/08/08", "", ["2021-08-08"], 20210808])
def test_a_malformed_as_of_is_reported_alone_not_with_a_check_against_today(
    evaluate, regions, as_of
):
    # The check ran against today in place of the date that failed.
    body = post_invalid(evaluate, declaration(as_of=as_of, arrival_date="2021-08-10"))

    assert list(body) == ["as_of"]


def test_a_valid_as_of_is_still_checked_against_the_arrival(evaluate, regions):
    body = post_invalid(evaluate, declaration(as_of="2021-08-08", arrival_date="2021-08-01"))

    assert body["arrival_date"] == ["抵京日期不能早于评估日期。"]


def test_a_leg_that_is_not_an_object_keeps_the_list_aligned(evaluate, regions):
    body = post_invalid(evaluate, declaration(legs=[None]))

    assert body["legs"] == [{"non_field_errors": ["每段行程应为一个 JSON 对象。"]}]


def test_a_leg_that_is_not_an_object_does_not_hold_back_the_next_legs_error(evaluate, regions):
    body = post_invalid(
        evaluate, declaration(legs=[None, "x", leg("999999", "2021-08-01", "2021-08-02")])
    )

    assert body["legs"] == [
        {"non_field_errors": ["每段行程应为一个 JSON 对象。"]},
        {"non_field_errors": ["每段行程应为一个 JSON 对象。"]},
        {"region": ["未知的行政区划代码。"]},
    ]


def test_a_leg_in_an_abolished_county_is_refused(evaluate, regions):
    from policies.models import Region
    from policies.regions import forget_region_table

    Region.objects.update_or_create(
        code="330103",
        defaults={
            "name": "下城区",
            "full_name": "浙江省杭州市下城区",
            "level": "county",
            "county_level": True,
            "retired": True,
        },
    )
    forget_region_table()

    body = post_invalid(evaluate, declaration(legs=[leg("330103", "2021-07-25", "2021-08-01")]))

    assert body["legs"] == [{"region": ["该区县已撤销，请选择现在所属的区县。"]}]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "110105199001011232"),
        ("health_code", "13912345678"),
        ("contact_status", {"id": "110105199001011232"}),
    ],
)
def test_a_refused_choice_does_not_repeat_what_was_sent(evaluate, field, value):
    body = post_invalid(evaluate, declaration(**{field: value}), language="en")

    [message] = error_at(body, field)
    assert message.startswith("Choose one of: ")
    assert "110105199001011232" not in str(body) and "13912345678" not in str(body)


def test_an_unknown_key_is_named_only_when_it_is_a_plain_name(evaluate, regions):
    body = post_invalid(evaluate, declaration(**{"arrival": 1, "13912345678": 1, "a" * 50: 1}))

    assert body["arrival"] == ["不接受此字段。"]
    assert body["non_field_errors"] == ["请求中含有不接受的字段。"]
    assert "13912345678" not in str(body) and "a" * 50 not in str(body)
