import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from policies.management.commands import seed_demo
from policies.models import Announcement, Designation, Region, RiskArea, RiskDataChange
from tests.policies.services.regions import ensure_regions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _regions(monkeypatch):
    ensure_regions()
    monkeypatch.delenv("DEMO_STAFF_PASSWORD", raising=False)


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def run() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return (
        RiskArea.objects.count(),
        Designation.objects.count(),
        Announcement.objects.count(),
        RiskDataChange.objects.count(),
        get_user_model().objects.count(),
    )


def test_first_run_loads_the_demo_set_through_the_services(debug):
    output = run()

    assert RiskArea.objects.count() == len(seed_demo.RISK_AREAS)
    assert Designation.objects.count() == len(seed_demo.DESIGNATIONS)
    assert Announcement.objects.public().count() == len(seed_demo.ANNOUNCEMENTS)
    # One change row per risk-data write, so re-evaluation sees the demo data too.
    assert RiskDataChange.objects.count() == len(seed_demo.RISK_AREAS) + len(seed_demo.DESIGNATIONS)
    assert f"{len(seed_demo.RISK_AREAS)} risk areas" in output


def test_the_demo_data_matches_august_2021(debug):
    run()
    day = date(2021, 8, 8)

    active = RiskArea.objects.active(on=day)
    assert active.filter(region_id="321002", level="high").exists()
    assert active.filter(region__code__startswith="4101").count() >= 2
    assert active.filter(region_id="430802").exists()
    commuter = Designation.objects.active(on=day).filter(kind="commuter_zone")
    assert set(commuter.values_list("region_id", flat=True)) >= {"131082", "131028", "131024"}
    assert not commuter.exclude(valid_until=None).exists()
    case_city = Designation.objects.get(kind="case_city")
    assert (case_city.region_id, case_city.valid_from) == ("321000", date(2021, 7, 28))
    for announcement in Announcement.objects.all():
        assert "演示" in announcement.title_zh
        assert "Demo" in announcement.title_en
        assert announcement.body_en


def test_running_twice_changes_nothing(debug):
    run()
    before = counts()
    user = get_user_model().objects.get(username="demo-staff")

    output = run()

    assert counts() == before
    assert "0 risk areas, 0 designations and 0 announcements added" in output
    again = get_user_model().objects.get(username="demo-staff")
    assert again.password == user.password


def test_staff_edits_survive_a_second_run(debug):
    run()
    area = RiskArea.objects.get(name="汤汪乡（示例）")
    RiskArea.objects.filter(pk=area.pk).update(source="工作人员修改")

    run()

    area.refresh_from_db()
    assert area.source == "工作人员修改"


def test_it_prints_the_demo_staff_credentials_that_work(debug, client):
    output = run()

    assert "demo-staff" in output
    assert seed_demo.DEMO_STAFF_DEFAULT_PASSWORD in output
    user = get_user_model().objects.get(username="demo-staff")
    assert user.is_staff and user.is_superuser
    assert client.login(username="demo-staff", password=seed_demo.DEMO_STAFF_DEFAULT_PASSWORD)


def test_the_password_comes_from_the_environment_and_is_not_printed(monkeypatch):
    monkeypatch.setenv("DEMO_STAFF_PASSWORD", "a-local-secret-value")

    output = run()

    assert "a-local-secret-value" not in output
    assert "DEMO_STAFF_PASSWORD" in output
    assert (
        get_user_model().objects.get(username="demo-staff").check_password("a-local-secret-value")
    )


def test_without_debug_or_a_password_no_staff_account_is_made():
    output = run()

    assert not get_user_model().objects.filter(username="demo-staff").exists()
    assert seed_demo.DEMO_STAFF_DEFAULT_PASSWORD not in output
    assert RiskArea.objects.count() == len(seed_demo.RISK_AREAS)


def test_it_refuses_to_run_without_the_regions(debug):
    Region.objects.filter(code="131022").delete()

    with pytest.raises(CommandError, match="131022"):
        run()

    assert not RiskArea.objects.exists()
    assert not RiskDataChange.objects.exists()


def test_only_an_announcement_of_the_version_in_force_today_is_pinned(debug):
    from django.utils import timezone

    from policies.models import PolicyVersion

    run()

    in_force = PolicyVersion.objects.in_force(on=timezone.localdate())
    pinned = Announcement.objects.filter(pinned=True)
    assert pinned.exists()
    assert {item.policy_version_id for item in pinned} == {in_force.pk}


def test_the_demo_announcements_use_the_official_terms():
    bodies = " ".join(item["body_zh"] for item in seed_demo.ANNOUNCEMENTS)
    for unofficial in ("绿色健康码", "出发前48小时", "推迟来京", "健康码为绿色"):
        assert unofficial not in bodies
    assert "登机（车）前48小时内" in bodies and "暂缓进返京" in bodies and "“绿码”" in bodies
