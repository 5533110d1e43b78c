"""Risk areas and designations in the admin: filters, lift actions, writes through services."""

from datetime import date, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from policies.admin_common import CONFIRM_FIELD
from policies.models import ChangeKind, Designation, RiskArea, RiskDataChange
from tests.policies.admin.conftest import make_area

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:policies_riskarea_changelist")
ADD = reverse("admin:policies_riskarea_add")


@pytest.fixture
def areas():
    today = timezone.localdate()
    return {
        "yangzhou": make_area("321002", "文昌花园", "high", date(2021, 7, 28)),
        "zhengzhou": make_area("410103", "某某小区", "medium", date(2021, 7, 30)),
        "old": make_area("430802", "旧小区", "medium", date(2021, 7, 1), date(2021, 7, 20)),
        "future": make_area("420115", "明天小区", "high", today + timedelta(days=1)),
    }


def _listed(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def test_the_list_shows_county_full_name_and_whether_active_today(officer_client, areas):
    response = officer_client.get(CHANGELIST)
    page = response.content.decode()
    assert "江苏省扬州市广陵区" in page and "文昌花园" in page
    assert _listed(response) == {area.pk for area in areas.values()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=high", {"yangzhou", "future"}),
        ("active_on=today", {"yangzhou", "zhengzhou"}),
        ("active_on=not_today", {"old", "future"}),
        ("active_on=2021-07-10", {"old"}),
        ("province=410000", {"zhengzhou"}),
        ("level=medium&active_on=2021-07-31", {"zhengzhou"}),
        ("q=广陵", {"yangzhou"}),
        ("q=410103", {"zhengzhou"}),
        ("q=明天", {"future"}),
    ],
)
def test_filters_and_search(officer_client, areas, query, expected):
    response = officer_client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    assert _listed(response) == {areas[name].pk for name in expected}


def test_the_date_filter_keeps_the_other_filters_in_its_form(officer_client, areas):
    page = officer_client.get(f"{CHANGELIST}?level=high").content.decode()
    assert '<input type="hidden" name="level" value="high">' in page
    assert 'type="date" id="active-on-date" name="active_on"' in page


def test_adding_an_area_goes_through_the_service_and_is_audited(officer_client, officer):
    response = officer_client.post(
        ADD,
        {
            "region": "321003",
            "name": "新划定小区",
            "level": "high",
            "designated_on": "2021-08-09",
            "lifted_on": "",
            "source": "演示",
            CONFIRM_FIELD: "1",
        },
    )
    assert response.status_code == 302
    area = RiskArea.objects.get(name="新划定小区")
    change = RiskDataChange.objects.get(object_id=area.pk)
    assert (change.kind, change.actor) == (ChangeKind.RISK_AREA_CREATED, officer)
    assert area.history.get().history_user == officer
    assert LogEntry.objects.filter(object_id=str(area.pk), user=officer).exists()


def test_an_admin_edit_shows_in_the_history_with_the_user_and_the_change(
    officer_client, officer, areas
):
    area = areas["yangzhou"]
    url = reverse("admin:policies_riskarea_change", args=[area.pk])
    response = officer_client.post(
        url,
        {
            "region": area.region_id,
            "name": area.name,
            "level": "medium",
            "designated_on": "2021-07-28",
            "lifted_on": "",
            "source": "",
            CONFIRM_FIELD: "1",
        },
    )
    assert response.status_code == 302
    latest = area.history.first()
    assert (latest.history_user, latest.level, latest.history_type) == (officer, "medium", "~")
    assert RiskDataChange.objects.get(object_id=area.pk).before["level"] == "high"
    history = officer_client.get(reverse("admin:policies_riskarea_history", args=[area.pk]))
    page = history.content.decode()
    assert officer.username in page
    # Reverting from the history would bypass the services: not offered, refused on POST.
    revert = reverse("admin:policies_riskarea_simple_history", args=[area.pk, latest.pk])
    assert officer_client.post(revert, {}).status_code == 403


def test_a_service_refusal_is_a_form_error_not_a_server_error(officer_client):
    # 330103 is a retired code: the model accepts it, the service refuses new areas there.
    response = officer_client.post(
        ADD,
        {
            "region": "330103",
            "name": "某小区",
            "level": "high",
            "designated_on": "2021-08-09",
            "lifted_on": "",
            "source": "",
        },
    )
    assert response.status_code == 200
    assert "该行政区划代码已撤销" in response.content.decode()
    assert not RiskArea.objects.filter(name="某小区").exists()
    assert not RiskDataChange.objects.exists()


def test_lift_today_lifts_the_active_selected_areas(officer_client, officer, areas):
    today = timezone.localdate()
    chosen = {
        "action": "lift_today",
        "_selected_action": [areas["yangzhou"].pk, areas["old"].pk],
    }
    # First a page that says what will be lifted, that citizens will be emailed, and
    # that the area lifted already is left alone; nothing is written yet.
    page = officer_client.post(CHANGELIST, chosen).content.decode()
    assert "data-confirm-action" in page and areas["yangzhou"].name in page
    assert "通知邮件" in page and "另外 1 项不适用" in page
    areas["yangzhou"].refresh_from_db()
    assert areas["yangzhou"].lifted_on is None and not RiskDataChange.objects.exists()

    response = officer_client.post(
        CHANGELIST,
        {**chosen, "_selected_action": [areas["yangzhou"].pk], "apply": "1"},
        follow=True,
    )
    assert "已解除 1 个风险地区" in response.content.decode()
    areas["yangzhou"].refresh_from_db()
    areas["old"].refresh_from_db()
    assert areas["yangzhou"].lifted_on == today
    assert areas["old"].lifted_on == date(2021, 7, 20)
    change = RiskDataChange.objects.get(object_id=areas["yangzhou"].pk)
    assert change.actor == officer


def test_lift_on_a_date_asks_for_the_date_first(officer_client, areas):
    selected = [areas["yangzhou"].pk, areas["zhengzhou"].pk]
    page = officer_client.post(CHANGELIST, {"action": "lift_on_date", "_selected_action": selected})
    assert page.status_code == 200
    assert 'name="day"' in page.content.decode()
    assert RiskArea.objects.filter(lifted_on__isnull=True).count() == 3

    officer_client.post(
        CHANGELIST,
        {
            "action": "lift_on_date",
            "_selected_action": selected,
            "apply": "1",
            "day": "2021-08-12",
            "confirm_past": "on",
        },
    )
    assert set(RiskArea.objects.filter(pk__in=selected).values_list("lifted_on", flat=True)) == {
        date(2021, 8, 12)
    }


def test_a_lift_date_before_designation_is_reported_per_area(officer_client, areas):
    response = officer_client.post(
        CHANGELIST,
        {
            "action": "lift_on_date",
            "_selected_action": [areas["yangzhou"].pk, areas["zhengzhou"].pk],
            "apply": "1",
            "day": "2021-07-29",
            "confirm_past": "on",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "解除日期必须晚于划定日期" in page  # the Zhengzhou area, designated 07-30
    assert "已设置 1 个风险地区的解除日期" in page
    areas["zhengzhou"].refresh_from_db()
    assert areas["zhengzhou"].lifted_on is None


def test_deleting_goes_through_the_service(officer_client, areas):
    area = areas["old"]
    response = officer_client.post(
        reverse("admin:policies_riskarea_delete", args=[area.pk]),
        {"post": "yes", CONFIRM_FIELD: "1"},
    )
    assert response.status_code == 302
    assert not RiskArea.objects.filter(pk=area.pk).exists()
    assert RiskDataChange.objects.get(object_id=area.pk).kind == ChangeKind.RISK_AREA_DELETED


def test_designations_are_added_filtered_and_ended_through_the_services(officer_client, officer):
    response = officer_client.post(
        reverse("admin:policies_designation_add"),
        {
            "kind": "commuter_zone",
            "region": "131082",
            "valid_from": "2021-08-01",
            "note": "演示",
            CONFIRM_FIELD: "1",
        },
    )
    assert response.status_code == 302
    designation = Designation.objects.get(region_id="131082")
    assert RiskDataChange.objects.get(object_id=designation.pk).actor == officer

    changelist = reverse("admin:policies_designation_changelist")
    listed = officer_client.get(f"{changelist}?kind=commuter_zone&province=130000")
    assert [d.pk for d in listed.context["cl"].result_list] == [designation.pk]
    officer_client.post(
        changelist,
        {
            "action": "end_on_date",
            "_selected_action": [designation.pk],
            "apply": "1",
            "day": "2021-08-31",
            "confirm_past": "on",
        },
    )
    designation.refresh_from_db()
    assert designation.valid_until == date(2021, 8, 31)
    assert designation.history.first().history_user == officer


def test_ending_a_designation_today_asks_first(officer_client):
    designation = Designation.objects.create(
        kind="commuter_zone", region_id="131082", valid_from=date(2021, 8, 1)
    )
    changelist = reverse("admin:policies_designation_changelist")
    chosen = {"action": "end_today", "_selected_action": [designation.pk]}
    page = officer_client.post(changelist, chosen).content.decode()
    assert "data-confirm-action" in page and "三河市" in page
    designation.refresh_from_db()
    assert designation.valid_until is None
    officer_client.post(changelist, {**chosen, "apply": "1"})
    designation.refresh_from_db()
    assert designation.valid_until == timezone.localdate() - timedelta(days=1)


def test_lift_today_leaves_out_an_area_designated_today_and_says_why(officer_client, areas):
    today = timezone.localdate()
    new = make_area("410102", "今天小区", "medium", today)
    chosen = {"action": "lift_today", "_selected_action": [areas["yangzhou"].pk, new.pk]}
    page = officer_client.post(CHANGELIST, chosen).content.decode()
    assert "data-confirm-action" in page and "data-skipped" in page
    # Listed as skipped with the reason and the way out, not among the areas to lift.
    assert "今天小区：今天划定，不能在同一天解除" in page and "请删除" in page
    assert f'name="_selected_action" value="{new.pk}"' not in page

    # Confirming with the whole selection still lifts only what can be lifted.
    response = officer_client.post(CHANGELIST, {**chosen, "apply": "1"}, follow=True)
    text = response.content.decode()
    assert "已解除 1 个风险地区" in text and "解除日期必须晚于划定日期" not in text
    new.refresh_from_db()
    areas["yangzhou"].refresh_from_db()
    assert new.lifted_on is None and areas["yangzhou"].lifted_on == today


def test_lift_today_of_areas_designated_today_only_explains_instead_of_confirming(
    officer_client,
):
    new = make_area("410102", "今天小区", "medium", timezone.localdate())
    response = officer_client.post(
        CHANGELIST, {"action": "lift_today", "_selected_action": [new.pk]}, follow=True
    )
    text = response.content.decode()
    assert "data-confirm-action" not in text
    assert "今天小区：今天划定" in text and "无需解除" not in text
    assert not RiskDataChange.objects.exists()


def test_ending_today_a_designation_that_starts_today_is_left_out(officer_client):
    today = timezone.localdate()
    started = Designation.objects.create(kind="case_city", region_id="410100", valid_from=today)
    older = Designation.objects.create(
        kind="commuter_zone", region_id="131082", valid_from=date(2021, 8, 1)
    )
    changelist = reverse("admin:policies_designation_changelist")
    chosen = {"action": "end_today", "_selected_action": [started.pk, older.pk]}
    page = officer_client.post(changelist, chosen).content.decode()
    assert "今天起始，截止到昨天会早于起始日期" in page
    officer_client.post(changelist, {**chosen, "apply": "1"})
    started.refresh_from_db()
    older.refresh_from_db()
    assert started.valid_until is None
    assert older.valid_until == today - timedelta(days=1)


def test_the_date_pages_say_what_the_date_means_and_that_citizens_are_emailed(
    officer_client, areas
):
    lift = officer_client.post(
        CHANGELIST, {"action": "lift_on_date", "_selected_action": [areas["yangzhou"].pk]}
    ).content.decode()
    assert "解除日期是不再有风险的第一天" in lift
    assert "data-reevaluation-note" in lift and "通知邮件" in lift

    designation = Designation.objects.create(
        kind="commuter_zone", region_id="131082", valid_from=date(2021, 8, 1)
    )
    end = officer_client.post(
        reverse("admin:policies_designation_changelist"),
        {"action": "end_on_date", "_selected_action": [designation.pk]},
    ).content.decode()
    assert "截止日期是仍然有效的最后一天（含当天）" in end and "通知邮件" in end


def test_a_past_date_needs_an_explicit_confirmation(officer_client, areas):
    area = areas["yangzhou"]
    chosen = {
        "action": "lift_on_date",
        "_selected_action": [area.pk],
        "apply": "1",
        "day": "2025-01-01",
    }
    page = officer_client.post(CHANGELIST, chosen)
    assert page.status_code == 200
    form = page.context["form"]
    assert "2025-01-01 早于今天" in " ".join(form.errors["confirm_past"])
    assert "errornote" in page.content.decode()
    area.refresh_from_db()
    assert area.lifted_on is None and not RiskDataChange.objects.exists()

    officer_client.post(CHANGELIST, {**chosen, "confirm_past": "on"})
    area.refresh_from_db()
    assert area.lifted_on == date(2025, 1, 1)


def test_today_and_later_need_no_confirmation(officer_client, areas):
    tomorrow = timezone.localdate() + timedelta(days=1)
    area = areas["zhengzhou"]
    officer_client.post(
        CHANGELIST,
        {
            "action": "lift_on_date",
            "_selected_action": [area.pk],
            "apply": "1",
            "day": tomorrow.isoformat(),
        },
    )
    area.refresh_from_db()
    assert area.lifted_on == tomorrow
