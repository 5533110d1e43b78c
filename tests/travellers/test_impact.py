from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from policies import hooks
from policies.models import Designation, PolicyVersion, RiskArea
from policies.services import policy_version_clone
from tests.travellers.backoffice import (
    community_worker,
    health_officer,
    make_community,
    make_declaration,
)
from travellers.impact import preview_policy_version, preview_risk_changes

pytestmark = pytest.mark.django_db

ON = date(2021, 8, 20)
GUANGLING, HAIDIAN, CHAOYANG = "321002", "110108", "110105"


def stay_in(county: str):
    return ((county, date(2021, 8, 10), None),)


@pytest.fixture
def guangling_area():
    return RiskArea.objects.create(
        region_id=GUANGLING, name="某街道某小区", level="high", designated_on=date(2021, 7, 28)
    )


@pytest.fixture
def travellers(guangling_area):
    """Two people still in a county with a high-risk area, one in Beijing, and one whose
    answer can no longer change (not live) although they were in the risk county."""
    return {
        "in_risk_1": make_declaration(full_name="甲乙丙", legs=stay_in(GUANGLING)),
        "in_risk_2": make_declaration(legs=stay_in(GUANGLING)),
        "at_home": make_declaration(legs=stay_in(CHAOYANG)),
        "not_live": make_declaration(legs=stay_in(GUANGLING), live_until=date(2021, 8, 19)),
    }


@pytest.fixture
def draft_without_risk_rule():
    """The August version cloned, minus the rule that postpones pre-travel declarations."""
    source = PolicyVersion.objects.get(code="BJ-2021-08-07")
    draft = policy_version_clone(
        source=source, code="DRAFT-NO-RISK", title="draft", effective_from=date(2021, 8, 21)
    )
    removed = draft.rules.filter(kind="risk_county_stay", params__applies_to="pre_travel")
    assert removed.count() == 1
    removed.delete()
    return draft


def test_a_draft_without_the_risk_rule_moves_the_postponed_to_allowed(
    travellers, draft_without_risk_rule
):
    report = preview_policy_version(draft_without_risk_rule, on=ON)
    assert report.evaluated == 3
    assert report.counts == {("postponed", "allowed"): 2, ("allowed", "allowed"): 1}
    assert report.changed == 2
    assert {item.reference for item in report.sample} == {
        travellers["in_risk_1"].reference,
        travellers["in_risk_2"].reference,
    }
    first = next(s for s in report.sample if s.reference == travellers["in_risk_1"].reference)
    shown = (first.masked_name, first.old_label, first.new_label)
    assert shown == ("甲*丙", "暂缓进返京", "可进返京")


def test_the_version_in_force_changes_nothing(travellers):
    report = preview_policy_version(PolicyVersion.objects.get(code="BJ-2021-08-07"), on=ON)
    assert report.changed == 0
    assert report.counts == {("postponed", "postponed"): 2, ("allowed", "allowed"): 1}
    assert report.sample == []


def test_the_sample_stops_at_twenty(guangling_area, draft_without_risk_rule):
    for _ in range(23):
        make_declaration(legs=stay_in(GUANGLING))
    report = preview_policy_version(draft_without_risk_rule, on=ON)
    assert report.changed == 23
    assert len(report.sample) == 20


def test_before_any_version_is_in_force_there_is_nothing_to_compare(draft_without_risk_rule):
    report = preview_policy_version(draft_without_risk_rule, on=date(2021, 1, 1))
    assert report.policy_missing
    assert report.evaluated == 0


def test_lifting_the_area_frees_only_those_who_stayed_in_its_county(travellers, guangling_area):
    report = preview_risk_changes(add=[], lift=[guangling_area.pk], on=ON)
    # Only declarations with a stay in the touched county are evaluated.
    assert report.evaluated == 2
    assert report.counts == {("postponed", "allowed"): 2}
    assert report.changed == 2


def test_a_new_area_postpones_those_who_stayed_in_its_county(travellers):
    in_haidian = make_declaration(legs=stay_in(HAIDIAN))
    report = preview_risk_changes(
        add=[{"region": HAIDIAN, "name": "某小区", "level": "medium", "designated_on": ON}],
        lift=[],
        on=ON,
    )
    assert report.evaluated == 1
    assert report.counts == {("allowed", "postponed"): 1}
    assert [item.reference for item in report.sample] == [in_haidian.reference]


def test_an_area_designated_after_the_date_changes_nothing(travellers):
    make_declaration(legs=stay_in(HAIDIAN))
    report = preview_risk_changes(
        add=[{"region": HAIDIAN, "name": "x", "level": "high", "designated_on": date(2021, 9, 1)}],
        lift=[],
        on=ON,
    )
    assert report.changed == 0


def test_the_risk_preview_is_registered_as_the_policies_hook(travellers, guangling_area):
    assert hooks.IMPACT_PREVIEW is preview_risk_changes
    report = hooks.impact_preview(add=[], lift=[guangling_area.pk], on=ON)
    assert report.changed == 2


def test_the_admin_page_shows_the_matrix_and_the_sample(
    client, travellers, draft_without_risk_rule
):
    client.force_login(health_officer())
    url = reverse("admin:travellers_impact_policy", args=[draft_without_risk_rule.pk])
    # The page previews for today; pin today to the test's date.
    with mock.patch("travellers.impact.timezone.localdate", return_value=ON):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="impact-matrix"' in page
    assert travellers["in_risk_1"].reference in page
    assert travellers["at_home"].reference not in page
    assert "甲*丙" in page and "甲乙丙" not in page
    assert response.context["report"].counts[("postponed", "allowed")] == 2


def test_community_staff_may_not_open_the_impact_preview(client, draft_without_risk_rule):
    client.force_login(community_worker("worker", make_community("110105001", "望京东园社区")))
    url = reverse("admin:travellers_impact_policy", args=[draft_without_risk_rule.pk])
    assert client.get(url).status_code == 403


def test_an_entry_date_that_moves_under_the_same_headline_is_counted_and_shown(
    guangling_area,
):
    left = make_declaration(legs=((GUANGLING, date(2021, 8, 10), date(2021, 8, 15)),))
    source = PolicyVersion.objects.get(code="BJ-2021-08-07")
    draft = policy_version_clone(
        source=source, code="DRAFT-7-DAYS", title="draft", effective_from=date(2021, 8, 21)
    )
    rule = draft.rules.get(kind="risk_county_stay", params__applies_to="pre_travel")
    rule.params = {**rule.params, "days": 7}
    rule.save()
    report = preview_policy_version(draft, on=ON)
    assert (report.changed, report.outcome_changed, report.dates_changed) == (1, 0, 1)
    [item] = report.sample
    assert item.reference == left.reference
    assert (item.old_entry, item.new_entry) == (date(2021, 8, 29), date(2021, 8, 22))


@pytest.fixture
def shorter_home_observation():
    """The August version with 7 days of home observation after a medium-risk county."""
    source = PolicyVersion.objects.get(code="BJ-2021-08-07")
    draft = policy_version_clone(
        source=source, code="DRAFT-HOME-7", title="draft", effective_from=date(2021, 8, 21)
    )
    rule = draft.rules.get(
        kind="risk_county_stay", params__applies_to="arrival_report", params__levels=["medium"]
    )
    measures = [
        {**m, "days": 7} if m["kind"] == "home_observation" else m
        for m in rule.params["measures"]
    ]
    rule.params = {**rule.params, "measures": measures}
    rule.save()
    return draft


@pytest.fixture
def arrived_from_medium_risk():
    RiskArea.objects.create(
        region_id=GUANGLING, name="某小区", level="medium", designated_on=date(2021, 7, 28)
    )
    return make_declaration(
        kind="arrival_report",
        arrival_date=date(2021, 8, 16),
        legs=((GUANGLING, date(2021, 8, 10), date(2021, 8, 15)),),
    )


def test_a_shorter_measure_under_the_same_headline_is_shown_with_its_end(
    arrived_from_medium_risk, shorter_home_observation
):
    report = preview_policy_version(shorter_home_observation, on=ON)
    assert (report.changed, report.outcome_changed) == (1, 0)
    [item] = report.sample
    assert (item.old_label, item.new_label) == ("居家观察", "居家观察")
    assert item.measures_changed
    # Counted from the leaving day, 15 August: 14 days end on the 28th, 7 on the 21st.
    assert item.old_measures_text == "居家观察至2021年8月28日；健康监测至2021年9月4日"
    assert item.new_measures_text == "居家观察至2021年8月21日；健康监测至2021年8月28日"


def test_the_admin_sample_names_the_measures_in_both_languages(
    client, arrived_from_medium_risk, shorter_home_observation
):
    client.force_login(health_officer())
    url = reverse("admin:travellers_impact_policy", args=[shorter_home_observation.pk])
    with mock.patch("travellers.impact.timezone.localdate", return_value=ON):
        page = client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
        assert "居家观察至2021年8月28日" in page
        assert "居家观察至2021年8月21日" in page
        client.cookies["django_language"] = "en"
        english = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Home observation up to and including 21 August 2021" in english
    assert "管控措施" not in english


def test_a_case_city_designation_is_previewed_for_those_who_stayed_in_the_city():
    from travellers.impact import preview_designation_changes

    in_city = make_declaration(legs=stay_in("321012"))  # a county of 扬州市
    make_declaration(legs=stay_in(CHAOYANG))
    add = [{"kind": "case_city", "region": "321000", "valid_from": ON, "valid_until": None}]
    report = preview_designation_changes(add=add, remove=[], on=ON)
    assert report.evaluated == 1
    assert report.changed == 1
    assert [item.reference for item in report.sample] == [in_city.reference]
    assert hooks.DESIGNATION_IMPACT_PREVIEW is preview_designation_changes

    # Once stored, deleting it is the change back, for the same person.
    stored = Designation.objects.create(kind="case_city", region_id="321000", valid_from=ON)
    report = preview_designation_changes(add=[], remove=[stored.pk], on=ON)
    assert (report.evaluated, report.changed) == (1, 1)
    assert [item.reference for item in report.sample] == [in_city.reference]
