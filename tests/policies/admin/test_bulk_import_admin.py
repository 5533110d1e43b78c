"""Bulk import through the admin: paste or upload, preview, confirm in one transaction."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from policies import hooks
from policies.models import ChangeKind, RiskArea, RiskDataChange
from tests.policies.admin.conftest import make_area
from tests.policies.admin.notice import EXPECTED, NOTICE, NOTICE_DATE

pytestmark = pytest.mark.django_db

URL = reverse("admin:policies_riskarea_bulk_import")


@pytest.fixture
def existing():
    """Today's list before the notice: one it repeats, one it re-levels, one it drops."""
    return {
        "unchanged": make_area("321002", "文昌花园", "high", date(2021, 8, 1)),
        "relevel": make_area("410103", "长江路街道兴华小区", "medium", date(2021, 8, 2)),
        "dropped": make_area("430802", "西溪坪街道天门社区", "high", date(2021, 7, 31)),
        "lifted_before": make_area(
            "430802", "早已解除小区", "medium", date(2021, 7, 1), date(2021, 7, 20)
        ),
    }


def _preview(client, text=NOTICE, on=NOTICE_DATE, **extra):
    data = {"text": text, "designated_on": on.isoformat(), "source": "演示通报", **extra}
    response = client.post(URL, data)
    assert response.status_code == 200
    return response


def test_the_changelist_links_to_the_bulk_import(officer_client):
    response = officer_client.get(reverse("admin:policies_riskarea_changelist"))
    assert URL in response.content.decode()


def test_the_preview_of_a_thirty_area_notice_is_exact_and_writes_nothing(officer_client, existing):
    changes_before = RiskDataChange.objects.count()
    response = _preview(officer_client)
    preview = response.context["preview"]

    new = [(r["line"], r["region_code"], r["name"], r["level"]) for r in preview["new"]]
    assert new == [row for row in EXPECTED if row[0] not in (6, 8)]
    assert all(r["designated_on"] == "2021-08-10" for r in preview["new"])
    assert [(r["line"], r["area_id"]) for r in preview["unchanged"]] == [
        (6, existing["unchanged"].pk)
    ]
    assert [
        (r["line"], r["area_id"], r["old_level"], r["level"]) for r in preview["level_changes"]
    ] == [(8, existing["relevel"].pk, "medium", "high")]
    assert [(r["area_id"], r["liftable"]) for r in preview["not_named"]] == [
        (existing["dropped"].pk, True)
    ]
    assert preview["errors"] == []
    assert response.context["counts"] == {
        "new": 28,
        "unchanged": 1,
        "level_changes": 1,
        "not_named": 1,
        "errors": 0,
    }
    page = response.content.decode()
    assert "新增 28 个，未变 1 个，等级变化 1 个，通报未再列出 1 个，无法识别 0 行" in page
    # Lifting is opt-in: the checkbox is offered unchecked.
    assert f'name="lift" value="{existing["dropped"].pk}"' in page
    assert "checked" not in page.split('id="preview-not-named"')[1].split("</table>")[0]
    # The estimate says it leaves out what will be ticked for lifting.
    assert "data-impact-excludes-lifts" in page
    assert RiskArea.objects.count() == 4
    assert RiskDataChange.objects.count() == changes_before


def test_confirming_applies_exactly_the_preview_in_one_go(officer_client, officer, existing):
    response = _preview(officer_client)
    token = response.context["token"]
    response = officer_client.post(
        URL, {"step": "confirm", "token": token, "lift": [existing["dropped"].pk]}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?active_on=2021-08-10")

    active = RiskArea.objects.active(on=NOTICE_DATE)
    assert sorted((a.region_id, a.name, a.level) for a in active) == sorted(
        (code, name, level) for _line, code, name, level in EXPECTED
    )
    new_areas = RiskArea.objects.filter(source="演示通报")
    assert new_areas.count() == 29  # 28 new + the re-levelled one designated again
    assert {a.designated_on for a in new_areas} == {NOTICE_DATE}
    existing["relevel"].refresh_from_db()
    assert existing["relevel"].lifted_on == NOTICE_DATE
    existing["dropped"].refresh_from_db()
    assert existing["dropped"].lifted_on == NOTICE_DATE
    existing["unchanged"].refresh_from_db()
    assert existing["unchanged"].lifted_on is None

    # One change row for the whole import: one re-evaluation run, held as a whole.
    (change,) = RiskDataChange.objects.filter(actor=officer)
    assert change.kind == ChangeKind.RISK_AREAS_IMPORTED
    kinds = [part["kind"] for part in change.after["parts"]]
    assert kinds.count(ChangeKind.RISK_AREA_CREATED) == 29
    assert kinds.count(ChangeKind.RISK_AREA_LIFTED) == 2
    assert set(change.region_codes) == {code for _line, code, _name, _level in EXPECTED} | {
        existing["dropped"].region_id
    }
    assert change.summary == "批量导入风险地区：新增 28 个，调整等级 1 个，解除 1 个"
    # The same preview cannot be applied twice.
    again = officer_client.post(URL, {"step": "confirm", "token": token})
    assert again.status_code == 302 and again["Location"] == URL
    assert RiskArea.objects.count() == 4 + 29


def test_areas_not_ticked_stay_on_the_list(officer_client, existing):
    token = _preview(officer_client).context["token"]
    officer_client.post(URL, {"step": "confirm", "token": token})
    existing["dropped"].refresh_from_db()
    assert existing["dropped"].lifted_on is None


def test_a_lift_id_that_was_not_offered_is_ignored(officer_client, existing):
    token = _preview(officer_client).context["token"]
    officer_client.post(
        URL, {"step": "confirm", "token": token, "lift": [existing["unchanged"].pk]}
    )
    existing["unchanged"].refresh_from_db()
    assert existing["unchanged"].lifted_on is None


def test_if_the_data_changed_after_the_preview_nothing_is_written(officer_client, existing):
    token = _preview(officer_client).context["token"]
    # Someone else adds one of the notice's areas in between.
    make_area("420115", "纸坊街道金港社区", "high", date(2021, 8, 9))
    response = officer_client.post(URL, {"step": "confirm", "token": token}, follow=True)
    assert "预览之后风险数据已有变化" in response.content.decode()
    assert not RiskArea.objects.filter(source="演示通报").exists()
    existing["relevel"].refresh_from_db()
    assert existing["relevel"].lifted_on is None


def test_per_line_errors_are_listed_and_the_rest_imports(officer_client):
    text = (
        "高风险地区（4个）\n"
        "1. 朝阳区某某小区\n"
        "2. 北京市朝阳区某某小区\n"
        "3. 火星市某某区某小区\n"
        "4. 湖北省武汉市江夏区 某某村\n"
    )
    response = _preview(officer_client, text=text)
    preview = response.context["preview"]
    assert [(e["line"], e["code"]) for e in preview["errors"]] == [
        (2, "ambiguous"),
        (3, "jurisdiction"),
        (4, "no_county"),
    ]
    page = response.content.decode()
    assert "火星市某某区某小区" in page and "没有找到对应的区县" in page
    token = response.context["token"]
    officer_client.post(URL, {"step": "confirm", "token": token})
    assert list(RiskArea.objects.values_list("region_id", "name")) == [("420115", "某某村")]


def test_text_without_any_heading_is_refused_on_the_form(officer_client):
    response = officer_client.post(
        URL, {"text": "江苏省扬州市广陵区某小区", "designated_on": "2021-08-10"}
    )
    assert response.status_code == 200
    assert "没有读到任何地区" in response.content.decode()
    assert "preview" not in response.context


def test_a_csv_upload_previews_and_imports(officer_client):
    upload = SimpleUploadedFile(
        "areas.csv",
        "level,province,city,county,area,designated_on\n"
        "high,江苏省,扬州市,广陵区,甲小区,2021-08-09\n"
        "medium,,,瑞丽市,乙村,\n".encode(),
        content_type="text/csv",
    )
    response = officer_client.post(
        URL, {"upload": upload, "designated_on": "2021-08-10", "source": "csv"}
    )
    preview = response.context["preview"]
    rows = [(r["region_code"], r["name"], r["level"], r["designated_on"]) for r in preview["new"]]
    assert rows == [
        ("321002", "甲小区", "high", "2021-08-09"),
        ("533102", "乙村", "medium", "2021-08-10"),
    ]
    officer_client.post(URL, {"step": "confirm", "token": response.context["token"]})
    assert RiskArea.objects.filter(source="csv").count() == 2


def test_the_impact_hook_is_shown_when_an_app_provides_it(officer_client, monkeypatch):
    calls = []

    def fake_impact(*, add, lift, on):
        calls.append((add, lift, on))
        return "3 份申报将由“可进返京”变为“暂缓进返京”"

    monkeypatch.setattr(hooks, "IMPACT_PREVIEW", fake_impact)
    monkeypatch.setattr(hooks, "IMPACT_TEMPLATE", None)
    response = _preview(officer_client, text="高风险地区\n湖北省武汉市江夏区某村\n")
    assert "3 份申报将由" in response.content.decode()
    ((add, lift, on),) = calls
    assert add == [
        {"region": "420115", "name": "某村", "level": "high", "designated_on": NOTICE_DATE}
    ]
    assert (lift, on) == ([], NOTICE_DATE)


def test_staff_without_risk_area_permissions_cannot_import(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="x" * 14, is_staff=True)
    client.force_login(user)
    assert client.get(URL).status_code == 403
