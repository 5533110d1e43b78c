"""The home page's account of the policy in force, built from the version's rules."""

from datetime import date, timedelta

import pytest
from django.utils import timezone, translation

from policies.engine.types import PolicySnapshot, RuleSpec
from policies.models import PolicyVersion
from policies.snapshots import policy_snapshot
from tests.travellers.test_pages_form import soup
from travellers.policy_summary import policy_points

pytestmark = pytest.mark.django_db


def points(code: str, on: date, language: str = "zh-hans") -> list[str]:
    version = PolicyVersion.objects.prefetch_related("rules").get(code=code)
    with translation.override(language):
        return policy_points(policy_snapshot(version), on)


def test_the_points_say_the_county_rule_with_its_days_and_the_test_with_its_hours():
    said = " ".join(points("BJ-2021-08-07", date(2021, 8, 8)))
    # The seeds' words: those still in such a county as well as those who were there.
    assert (
        "目前尚在中高风险地区所在县（市、区、旗），或14天内有该区域旅居史的人员，暂缓进返京；"
        "自离开该县之日起满14天后可进返京。"
    ) in said
    assert "48小时内核酸检测阴性证明（环京通勤人员除外）" in said
    assert "健康码须为绿码" in said and "经其他口岸入境、入境未满21天" in said
    assert "口岸城市" not in said
    assert "暂缓进京" not in said and "有中高风险地区的县" not in said
    # After arrival, each level's measures with their days, one after the other from the
    # leaving day.
    assert (
        "高风险地区所在县（市、区、旗）的人员：集中观察14天，之后健康监测7天，"
        "均自离开该县之日起算（抵京前已过的天数计入）。"
    ) in said
    assert "居家观察14天，之后健康监测7天（不具备居家观察条件的改为集中观察）" in said


def test_the_case_city_point_names_the_city_as_the_seeds_do_with_its_days():
    said = " ".join(points("BJ-2021-08-07", date(2021, 8, 8)))
    assert (
        "14天内到过有病例发生的城市（全市范围）的人员，抵京后需进行核酸检测，"
        "并接受健康监测14天（自离开该市之日起算）。"
    ) in said
    assert "本土病例" not in said
    english = " ".join(points("BJ-2021-08-07", date(2021, 8, 8), "en"))
    assert "a city with local cases takes a nucleic acid (PCR) test after arriving" in english
    assert "health monitoring for 14 days (counted from the day they left that city)" in english


def test_the_case_city_point_follows_the_rules_own_days():
    rule = RuleSpec(
        kind="designated_region_stay",
        params={
            "designation": "case_city",
            "days": 10,
            "measures": [{"kind": "health_monitoring", "days": 12}],
            "conditions": [],
        },
        citation="",
        position=1,
    )
    policy = PolicySnapshot(code="T", effective_from=date(2021, 1, 1), rules=(rule,))
    with translation.override("zh-hans"):
        [said] = policy_points(policy, date(2021, 8, 8))
    assert said == (
        "10天内到过有病例发生的城市（全市范围）的人员，抵京后需接受健康监测12天"
        "（自离开该市之日起算）。"
    )


def test_the_port_city_rule_is_named_only_while_it_runs():
    assert any("口岸城市" in point for point in points("BJ-2021-12-13", date(2021, 12, 20)))
    assert not any("口岸城市" in point for point in points("BJ-2021-12-13", date(2022, 3, 16)))


def test_the_points_are_in_the_readers_language():
    said = " ".join(points("BJ-2021-08-07", date(2021, 8, 8), "en"))
    assert "is still in a county (city, district, banner) with a medium- or high-risk" in said
    assert "or who stayed in one within the last 14 days" in said and "48 hours" in said
    assert "commuters from the commuter belt around Beijing excepted" in said
    assert "entered mainland China from abroad at a port outside Beijing" in said


def test_the_home_page_lists_the_points_and_announces_the_next_version(client, admin_user):
    from policies import services

    page = soup(client.get("/"))
    listed = [li.get_text() for li in page.select("[data-policy-points] li")]
    assert any("暂缓进返京" in point for point in listed)
    assert not page.select("[data-upcoming-policy]")

    today = timezone.localdate()
    source = PolicyVersion.objects.published().order_by("-effective_from").first()
    draft = services.policy_version_clone(
        source=source,
        code="BJ-NEXT",
        title="下一版",
        effective_from=today + timedelta(days=5),
        actor=admin_user,
    )
    services.policy_version_publish(version=draft, actor=admin_user)
    upcoming = soup(client.get("/")).select_one("[data-upcoming-policy]").get_text()
    assert "BJ-NEXT" in upcoming
    assert f"{(today + timedelta(days=5)).day}日起将执行" in upcoming
