"""Adding, editing or deleting one risk area or designation: shown first, applied on confirmation.

Each of these writes re-evaluates saved declarations and emails the people whose
answer changes, so the admin shows what will happen and saves nothing until the
confirmation page posts back.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from policies import hooks
from policies.admin_common import CONFIRM_FIELD
from policies.models import ChangeKind, Designation, RiskArea, RiskDataChange
from tests.policies.admin.conftest import make_area
from tests.travellers.backoffice import admin_form_data, make_declaration
from travellers.models import ReevaluationRun

pytestmark = pytest.mark.django_db

ADD = reverse("admin:policies_riskarea_add")
DESIGNATION_ADD = reverse("admin:policies_designation_add")
GUANGLING, HANJIANG = "321002", "321003"


def _area_form(**overrides):
    today = timezone.localdate()
    return {
        "region": HANJIANG,
        "name": "新划定小区",
        "level": "high",
        "designated_on": today.isoformat(),
        "lifted_on": "",
        "source": "演示",
        **overrides,
    }


def _confirmation(page: str) -> dict:
    """What the confirmation page posts back: its hidden fields, the flag among them."""
    data = admin_form_data(page)
    assert data.pop(CONFIRM_FIELD) == "1"
    return data


@pytest.fixture
def recorded_previews(monkeypatch):
    calls = []

    def fake_impact(*, add, lift, on):
        calls.append({"add": add, "lift": lift, "on": on})
        return "预估：7 份申报的结论会改变"

    monkeypatch.setattr(hooks, "IMPACT_PREVIEW", fake_impact)
    monkeypatch.setattr(hooks, "IMPACT_TEMPLATE", None)
    return calls


def test_adding_an_area_shows_the_consequence_and_saves_nothing_until_confirmed(
    officer_client, recorded_previews, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = officer_client.post(ADD, _area_form())
    page = response.content.decode()
    assert response.status_code == 200
    assert "确认并应用" in page
    assert "系统将重新评估到过江苏省扬州市邗江区的申报，并给结果改变的人发送通知邮件。" in page
    assert "预估：7 份申报的结论会改变" in page
    assert not RiskArea.objects.exists()
    assert not RiskDataChange.objects.exists()
    assert callbacks == [] and mailoutbox == []
    today = timezone.localdate()
    assert recorded_previews == [
        {
            "add": [
                {
                    "region": HANJIANG,
                    "name": "新划定小区",
                    "level": "high",
                    "designated_on": today,
                    "lifted_on": None,
                }
            ],
            "lift": [],
            "on": today,
        }
    ]


def test_confirming_applies_exactly_the_submitted_values_and_links_the_run(
    officer_client, officer, mailoutbox, django_capture_on_commit_callbacks
):
    declaration = make_declaration(legs=((HANJIANG, date(2021, 8, 10), None),))
    submitted = _area_form(name="某街道某小区", level="medium", source="扬州市通报")
    page = officer_client.post(ADD, submitted).content.decode()
    assert "对 1 份到过受影响县区" in page  # the real estimate, on this declaration
    posted_back = _confirmation(page)
    assert posted_back == submitted

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(ADD, {**posted_back, CONFIRM_FIELD: "1"}, follow=True)
    area = RiskArea.objects.get()
    stored = {
        "region": area.region_id,
        "name": area.name,
        "level": area.level,
        "designated_on": area.designated_on.isoformat(),
        "lifted_on": "",
        "source": area.source,
    }
    assert stored == submitted
    change = RiskDataChange.objects.get()
    assert (change.kind, change.actor) == (ChangeKind.RISK_AREA_CREATED, officer)
    runs = f"{reverse('admin:travellers_reevaluationrun_changelist')}?change__id__exact={change.pk}"
    page = response.content.decode()
    assert "系统正在重新评估相关申报" in page
    assert f'href="{runs}"' in page
    run = ReevaluationRun.objects.get(change=change)
    listed = officer_client.get(runs)
    assert [item.pk for item in listed.context["cl"].result_list] == [run.pk]
    # The answer changed, so the traveller hears of it, once.
    assert [message.to for message in mailoutbox] == [[declaration.email]]


def test_cancelling_changes_nothing(officer_client, recorded_previews):
    page = officer_client.post(ADD, _area_form()).content.decode()
    cancel = reverse("admin:policies_riskarea_changelist")
    assert f'href="{cancel}" class="button cancel-link" id="cancel-write"' in page
    officer_client.get(cancel)
    assert not RiskArea.objects.exists() and not RiskDataChange.objects.exists()


def test_an_edit_of_the_level_is_confirmed_with_old_and_new_values(
    officer_client, recorded_previews, mailoutbox
):
    area = make_area(GUANGLING, "文昌花园", "high", date(2021, 7, 28))
    url = reverse("admin:policies_riskarea_change", args=[area.pk])
    submitted = _area_form(region=GUANGLING, name="文昌花园", level="medium")
    submitted["designated_on"] = "2021-07-28"
    page = officer_client.post(url, submitted).content.decode()
    assert "高风险" in page and "中风险" in page and "确认并应用" in page
    area.refresh_from_db()
    assert area.level == "high" and area.source == ""
    assert not RiskDataChange.objects.exists()
    ((call),) = recorded_previews
    # The stored area gone, the edited one in force, on the day the change row will say.
    assert call["lift"] == [area.pk]
    assert call["add"][0]["level"] == "medium"
    assert call["on"] == timezone.localdate()

    response = officer_client.post(url, {**_confirmation(page), CONFIRM_FIELD: "1"})
    assert response.status_code == 302
    area.refresh_from_db()
    assert (area.level, area.source) == ("medium", "演示")
    assert RiskDataChange.objects.get().kind == ChangeKind.RISK_AREA_UPDATED
    assert mailoutbox == []  # nothing was committed in this test's transaction


def test_an_edit_of_the_source_only_is_saved_at_once(officer_client, recorded_previews):
    area = make_area(GUANGLING, "文昌花园", "high", date(2021, 7, 28))
    url = reverse("admin:policies_riskarea_change", args=[area.pk])
    data = _area_form(region=GUANGLING, name="文昌花园", designated_on="2021-07-28", source="更正")
    response = officer_client.post(url, data)
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.source == "更正"
    assert recorded_previews == []


def test_a_future_area_says_the_day_its_reevaluation_runs(officer_client, recorded_previews):
    later = timezone.localdate() + timedelta(days=3)
    page = officer_client.post(ADD, _area_form(designated_on=later.isoformat())).content.decode()
    assert f"重新评估在 {later.isoformat()}" in page
    assert recorded_previews[0]["on"] == later

    response = officer_client.post(ADD, {**_confirmation(page), CONFIRM_FIELD: "1"}, follow=True)
    assert f"系统将于 {later.isoformat()} 重新评估相关申报" in response.content.decode()
    assert RiskDataChange.objects.get().effective_on == later


def test_deleting_several_areas_from_the_list_says_citizens_are_emailed(officer_client):
    area = make_area(GUANGLING, "文昌花园", "high", date(2021, 7, 28))
    page = officer_client.post(
        reverse("admin:policies_riskarea_changelist"),
        {"action": "delete_selected", "_selected_action": [area.pk]},
    ).content.decode()
    assert "删除后，系统重新评估到过这些地区的申报" in page
    assert RiskArea.objects.filter(pk=area.pk).exists()


def test_an_invalid_form_shows_its_errors_not_the_confirmation(officer_client, recorded_previews):
    response = officer_client.post(ADD, _area_form(level=""))
    page = response.content.decode()
    assert "确认并应用" not in page and "errornote" in page
    assert recorded_previews == []


def test_deleting_an_area_is_confirmed_on_the_delete_page(officer_client, recorded_previews):
    area = make_area(GUANGLING, "文昌花园", "high", date(2021, 7, 28))
    url = reverse("admin:policies_riskarea_delete", args=[area.pk])
    page = officer_client.get(url).content.decode()
    assert "系统将重新评估到过江苏省扬州市广陵区的申报" in page
    assert "预估：7 份申报的结论会改变" in page and "确认并应用" in page
    assert recorded_previews[0]["lift"] == [area.pk] and recorded_previews[0]["add"] == []
    assert RiskArea.objects.filter(pk=area.pk).exists()  # the estimate deleted nothing

    # The admin's own one-step POST no longer deletes: it shows the page again.
    response = officer_client.post(url, {"post": "yes"})
    assert response.status_code == 200 and "确认并应用" in response.content.decode()
    assert RiskArea.objects.filter(pk=area.pk).exists()
    assert not RiskDataChange.objects.exists()

    response = officer_client.post(url, {"post": "yes", CONFIRM_FIELD: "1"})
    assert response.status_code == 302
    assert not RiskArea.objects.filter(pk=area.pk).exists()
    assert RiskDataChange.objects.get().kind == ChangeKind.RISK_AREA_DELETED


def test_adding_a_designation_shows_the_estimate_of_its_region(officer_client):
    make_declaration(legs=(("131082", date(2021, 8, 10), None),))
    make_declaration(legs=(("110105", date(2021, 8, 10), None),))
    data = {
        "kind": "commuter_zone",
        "region": "131082",
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": "",
        "note": "演示",
    }
    page = officer_client.post(DESIGNATION_ADD, data).content.decode()
    assert "系统将重新评估到过河北省廊坊市三河市的申报" in page
    # Only the declaration with a leg in the designated region is evaluated.
    assert "对 1 份到过受影响县区" in page
    assert not Designation.objects.exists() and not RiskDataChange.objects.exists()

    response = officer_client.post(DESIGNATION_ADD, {**_confirmation(page), CONFIRM_FIELD: "1"})
    assert response.status_code == 302
    designation = Designation.objects.get()
    assert (designation.kind, designation.region_id, designation.note) == (
        "commuter_zone",
        "131082",
        "演示",
    )


def test_the_designation_preview_gets_the_replaced_and_the_new_designation(
    officer_client, monkeypatch
):
    calls = []
    monkeypatch.setattr(
        hooks, "DESIGNATION_IMPACT_PREVIEW", lambda **kwargs: calls.append(kwargs) or None
    )
    designation = Designation.objects.create(
        kind="commuter_zone", region_id="131082", valid_from=date(2021, 8, 1)
    )
    until = timezone.localdate() + timedelta(days=5)
    url = reverse("admin:policies_designation_change", args=[designation.pk])
    data = {
        "kind": "commuter_zone",
        "region": "131082",
        "valid_from": "2021-08-01",
        "valid_until": until.isoformat(),
        "note": "",
    }
    page = officer_client.post(url, data).content.decode()
    # No figures without an estimate, and the page says so.
    assert "影响预估暂不可用" in page and "确认并应用" in page
    assert calls == [
        {
            "add": [
                {
                    "kind": "commuter_zone",
                    "region": "131082",
                    "valid_from": date(2021, 8, 1),
                    "valid_until": until,
                }
            ],
            "remove": [designation.pk],
            # valid_until is inclusive: the change matters from the day after.
            "on": until + timedelta(days=1),
        }
    ]
    designation.refresh_from_db()
    assert designation.valid_until is None

    delete = reverse("admin:policies_designation_delete", args=[designation.pk])
    assert "确认并应用" in officer_client.get(delete).content.decode()
    officer_client.post(delete, {"post": "yes"})
    assert Designation.objects.filter(pk=designation.pk).exists()
    officer_client.post(delete, {"post": "yes", CONFIRM_FIELD: "1"})
    assert not Designation.objects.filter(pk=designation.pk).exists()


def test_a_note_only_edit_of_a_designation_needs_no_confirmation(officer_client):
    designation = Designation.objects.create(
        kind="commuter_zone", region_id="131082", valid_from=date(2021, 8, 1)
    )
    url = reverse("admin:policies_designation_change", args=[designation.pk])
    data = {"kind": "commuter_zone", "region": "131082", "valid_from": "2021-08-01", "note": "x"}
    assert officer_client.post(url, data).status_code == 302
    designation.refresh_from_db()
    assert designation.note == "x"
