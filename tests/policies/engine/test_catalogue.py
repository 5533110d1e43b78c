import pytest

from policies.engine.catalogue import RULE_KINDS, SCHEMAS, RuleParamsError, defaults, validate_rule
from policies.engine.rules import RULES


def messages(kind, params) -> list[str]:
    with pytest.raises(RuleParamsError) as caught:
        validate_rule(kind, params)
    return caught.value.messages


def test_every_catalogue_kind_has_exactly_one_rule_module():
    assert tuple(rule.kind for rule in RULES) == RULE_KINDS
    assert set(RULE_KINDS) == {
        "risk_county_stay",
        "designated_region_stay",
        "international_entry",
        "health_code",
        "nat_test",
        "commuter",
        "contact_status",
        "port_city_exit",
    }


def test_defaults_are_filled_in():
    assert validate_rule("nat_test", {}) == {"hours": 48, "exempt_commuters": True}
    assert validate_rule("international_entry", {}) == {
        "days": 21,
        "measures": [],
        "conditions": ["report_to_community"],
    }
    normalised = validate_rule("risk_county_stay", {"levels": ["high"], "applies_to": "pre_travel"})
    assert normalised["days"] == 14
    assert normalised["measures"] == []


def test_normalising_is_idempotent_and_canonical():
    first = validate_rule(
        "risk_county_stay",
        {"levels": ["medium", "high", "medium"], "applies_to": "pre_travel"},
    )
    assert first["levels"] == ["high", "medium"]
    assert validate_rule("risk_county_stay", first) == first


def test_an_unknown_kind_is_refused_with_the_choices():
    (message,) = messages("quarantine_everyone", {})
    assert "quarantine_everyone" in message
    assert "risk_county_stay" in message


def test_missing_and_unknown_parameters_are_all_reported():
    found = messages("risk_county_stay", {"dayz": 14})
    assert any("dayz" in m for m in found)
    assert any("levels" in m for m in found)
    assert any("applies_to" in m for m in found)
    assert len(found) == 3


@pytest.mark.parametrize("days", [0, -3, 1.5, "14", True, None])
def test_days_must_be_a_positive_whole_number(days):
    found = messages("designated_region_stay", {"designation": "case_city", "days": days})
    assert len(found) == 1 and "days" in found[0]


def test_unknown_levels_measure_kinds_conditions_and_designations_are_refused():
    found = messages(
        "designated_region_stay",
        {
            "designation": "war_zone",
            "measures": [{"kind": "hotel_quarantine", "days": 14}],
            "conditions": ["vaccinated"],
        },
    )
    assert any("war_zone" in m for m in found)
    assert any("hotel_quarantine" in m for m in found)
    assert any("vaccinated" in m for m in found)
    found = messages("risk_county_stay", {"levels": ["low"], "applies_to": "pre_travel"})
    assert any("low" in m for m in found)
    found = messages("risk_county_stay", {"levels": [], "applies_to": "pre_travel"})
    assert any("levels" in m for m in found)


def test_measures_must_be_kind_and_days_objects():
    assert messages("international_entry", {"measures": [["health_monitoring", 21]]})
    assert messages("international_entry", {"measures": [{"kind": "health_monitoring"}]})
    assert messages("international_entry", {"measures": [{"kind": "health_monitoring", "days": 0}]})
    assert messages("international_entry", {"measures": "health_monitoring"})


def test_hours_must_be_whole_days():
    assert messages("nat_test", {"hours": 36})
    assert messages("nat_test", {"hours": 0})
    assert validate_rule("nat_test", {"hours": 72})["hours"] == 72


def test_booleans_must_be_booleans():
    assert messages("nat_test", {"exempt_commuters": "yes"})


def test_contact_statuses_are_checked_and_their_look_back_defaults_to_the_measures():
    normalised = validate_rule(
        "contact_status",
        {
            "statuses": {
                "secondary_contact_cohabitant": {
                    "measures": [{"kind": "health_monitoring", "days": 7}],
                    "conditions": ["closed_loop"],
                },
                "close_contact": {
                    "measures": [
                        {"kind": "central_observation", "days": 14},
                        {"kind": "health_monitoring", "days": 7},
                    ]
                },
            }
        },
    )
    assert list(normalised["statuses"]) == ["close_contact", "secondary_contact_cohabitant"]
    assert normalised["statuses"]["close_contact"]["days"] == 21
    assert normalised["statuses"]["secondary_contact_cohabitant"]["days"] == 7
    assert messages("contact_status", {"statuses": {"friend": {}}})
    assert messages("contact_status", {"statuses": {"close_contact": {}}})
    assert messages("contact_status", {"statuses": {}})
    assert messages("contact_status", {})


def test_port_city_dates_are_iso_dates_in_order():
    assert validate_rule("port_city_exit", {"valid_until": "2022-03-15"})["valid_until"] == (
        "2022-03-15"
    )
    assert messages("port_city_exit", {"valid_until": "15/03/2022"})
    assert messages("port_city_exit", {"valid_from": "2022-03-16", "valid_until": "2022-03-15"})


def test_params_must_be_an_object():
    assert messages("nat_test", ["hours", 48])


def test_every_kind_has_admin_defaults_for_its_parameters():
    for kind in RULE_KINDS:
        assert set(defaults(kind)) == set(SCHEMAS[kind])


def test_a_normalised_result_can_be_edited_without_changing_the_defaults():
    first = validate_rule("health_code", {})
    first["measures"][0]["days"] = 99
    assert validate_rule("health_code", {})["measures"][0]["days"] == 7
