from policies.engine.index import contains, risk_index, significant_prefix
from tests.policies.engine.builders import GUANGLING, area, d, designation, risk


def test_significant_prefix_follows_gb_t_2260_levels():
    assert significant_prefix("320000") == "32"
    assert significant_prefix("321000") == "3210"
    assert significant_prefix("321002") == "321002"


def test_containment_goes_from_province_to_prefecture_to_county():
    assert contains("320000", "321000") and contains("321000", "321002")
    assert contains("320000", "321002") and contains("321002", "321002")
    assert not contains("321002", "321000")
    assert not contains("321000", "320000")
    assert not contains("321000", "322001")


def test_the_risk_county_level_is_the_highest_active_level_on_the_day():
    snapshot = risk(
        [
            area(GUANGLING, "medium", "2021-07-20", id=1),
            area(GUANGLING, "high", "2021-07-28", "2021-08-05", id=2),
        ]
    )
    assert risk_index(snapshot, d("2021-07-19")).info(GUANGLING).level is None
    assert risk_index(snapshot, d("2021-07-27")).info(GUANGLING).level == "medium"
    assert risk_index(snapshot, d("2021-07-28")).info(GUANGLING).level == "high"
    assert risk_index(snapshot, d("2021-08-05")).info(GUANGLING).level == "medium"


def test_designations_are_found_by_prefix_and_active_by_date():
    snapshot = risk(designations=[designation("case_city", "410100", "2021-08-01", "2021-08-10")])
    info = risk_index(snapshot, d("2021-08-05")).info("410103")
    assert "case_city" in info.active
    assert risk_index(snapshot, d("2021-08-11")).info("410103").active == {}
    assert risk_index(snapshot, d("2021-08-11")).info("410103").designations
    assert risk_index(snapshot, d("2021-08-05")).info("410203").designations == ()


def test_the_index_is_reused_for_the_same_snapshot_and_day_only():
    snapshot = risk([area(GUANGLING)])
    assert risk_index(snapshot, d("2021-08-05")) is risk_index(snapshot, d("2021-08-05"))
    assert risk_index(snapshot, d("2021-08-05")) is not risk_index(snapshot, d("2021-08-06"))
    assert risk_index(snapshot, d("2021-08-05")) is not risk_index(
        risk([area(GUANGLING)]), d("2021-08-05")
    )
