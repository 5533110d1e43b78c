"""Policy versions in the admin: read-only when published, clone, edit rules, compare, publish."""

import json
from datetime import date

import pytest
from django.urls import reverse

from policies.models import ChangeKind, PolicyRule, PolicyStatus, PolicyVersion, RiskDataChange
from policies.policy_tools import compare_versions

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped():
    return PolicyVersion.objects.get(code="BJ-2021-08-07")


@pytest.fixture
def draft(shipped, officer_client):
    officer_client.post(
        reverse("admin:policies_policyversion_clone", args=[shipped.pk]),
        {"code": "BJ-DRAFT", "title": "草稿", "effective_from": "2030-07-01"},
    )
    return PolicyVersion.objects.get(code="BJ-DRAFT")


def _change_url(version):
    return reverse("admin:policies_policyversion_change", args=[version.pk])


def _form_data(version, rules):
    """The change form's POST: version fields and the rules inline formset."""
    data = {
        "code": version.code,
        "title": version.title,
        "effective_from": version.effective_from.isoformat(),
        "source": version.source,
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": str(sum(1 for rule in rules if rule.get("id"))),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for index, rule in enumerate(rules):
        prefix = f"rules-{index}-"
        data.update(
            {
                prefix + "id": rule.get("id", ""),
                prefix + "version": str(version.pk),
                prefix + "position": str(rule["position"]),
                prefix + "kind": rule["kind"],
                prefix + "params": json.dumps(rule["params"], ensure_ascii=False),
                prefix + "citation": rule["citation"],
            }
        )
        if rule.get("DELETE"):
            data[prefix + "DELETE"] = "on"
    return data


def _rules_of(version):
    return [
        {
            "id": str(rule.pk),
            "position": rule.position,
            "kind": rule.kind,
            "params": rule.params,
            "citation": rule.citation,
        }
        for rule in version.rules.order_by("position")
    ]


def test_a_published_version_is_read_only_in_the_admin(officer_client, shipped):
    page = officer_client.get(_change_url(shipped))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    assert officer_client.post(_change_url(shipped), _form_data(shipped, [])).status_code == 403
    delete = reverse("admin:policies_policyversion_delete", args=[shipped.pk])
    assert officer_client.post(delete, {"post": "yes"}).status_code == 403
    assert PolicyVersion.objects.get(pk=shipped.pk).rules.count() == 9
    # No publish button on a published version; clone and compare are offered.
    assert "publish_url" not in page.context
    assert page.context["clone_url"].endswith(f"/{shipped.pk}/clone/")


def test_clone_makes_a_draft_with_the_same_rules(officer_client, officer, shipped, draft):
    assert draft.status == PolicyStatus.DRAFT
    assert draft.cloned_from == shipped
    assert [(r.kind, r.params) for r in draft.rules.order_by("position")] == [
        (r.kind, r.params) for r in shipped.rules.order_by("position")
    ]


def test_clone_reports_a_used_code_on_the_form(officer_client, shipped):
    response = officer_client.post(
        reverse("admin:policies_policyversion_clone", args=[shipped.pk]),
        {"code": "BJ-2021-12-13", "title": "x", "effective_from": "2030-07-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert PolicyVersion.objects.filter(code="BJ-2021-12-13").count() == 1


def test_draft_rules_are_validated_per_kind_and_need_a_citation(officer_client, draft):
    rules = _rules_of(draft)
    rules[0]["params"] = {"levels": ["severe"], "days": 0, "applies_to": "pre_travel"}
    rules[1]["citation"] = ""
    response = officer_client.post(_change_url(draft), _form_data(draft, rules))
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert any("未知的风险等级“'severe'”" in message for message in errors[0]["params"])
    assert any("days" in message for message in errors[0]["params"])
    assert "citation" in errors[1]
    assert draft.rules.get(position=1).params["levels"] == ["high", "medium"]


def test_a_valid_rule_edit_is_stored_normalised(officer_client, officer, draft):
    rules = _rules_of(draft)
    rules[0]["params"] = {"levels": ["medium", "high", "high"], "applies_to": "pre_travel"}
    rules[-1]["DELETE"] = True
    response = officer_client.post(_change_url(draft), _form_data(draft, rules))
    assert response.status_code == 302
    first = draft.rules.get(position=1)
    # Defaults filled in, levels in canonical order without repeats.
    assert first.params == {
        "levels": ["high", "medium"],
        "days": 14,
        "applies_to": "pre_travel",
        "measures": [],
        "conditions": [],
    }
    assert draft.rules.count() == 8
    assert first.history.first().history_user == officer


def test_the_rule_help_lists_every_kind(officer_client, draft):
    page = officer_client.get(_change_url(draft)).content.decode()
    assert 'id="rule-kinds-help"' in page
    for kind in ("risk_county_stay", "contact_status", "port_city_exit"):
        assert f"<code>{kind}</code>" in page


def test_compare_shows_the_port_city_rule_added_in_december(officer_client):
    august = PolicyVersion.objects.get(code="BJ-2021-08-07")
    december = PolicyVersion.objects.get(code="BJ-2021-12-13")
    rows = compare_versions(august, december)
    assert [row.kind for row in rows if row.status == "added"] == ["port_city_exit"]
    assert {row.status for row in rows} == {"same", "added"}

    url = reverse("admin:policies_policyversion_compare", args=[december.pk])
    page = officer_client.get(f"{url}?other={august.pk}")
    assert page.status_code == 200
    assert [(r.kind, r.status) for r in page.context["rows"]] == [(r.kind, r.status) for r in rows]
    assert 'class="compare-added"' in page.content.decode()


def test_compare_shows_changed_and_removed_rules(draft, shipped):
    rule = draft.rules.get(kind="international_entry")
    rule.params = {**rule.params, "days": 14}
    rule.save()
    draft.rules.filter(kind="commuter").delete()
    rows = {(row.kind, row.status): row for row in compare_versions(shipped, draft)}
    changed = rows[("international_entry", "changed")]
    assert [(c.name, c.old, c.new) for c in changed.changes] == [("days", "21", "14")]
    assert ("commuter", "removed") in rows


def test_publish_needs_confirmation_then_freezes_the_draft(officer_client, officer, draft):
    url = reverse("admin:policies_policyversion_publish", args=[draft.pk])
    page = officer_client.get(url)
    assert page.status_code == 200
    assert 'name="confirm"' in page.content.decode()

    unconfirmed = officer_client.post(url, {"effective_from": "2030-07-02"})
    assert unconfirmed.status_code == 200
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT

    response = officer_client.post(url, {"effective_from": "2030-07-02", "confirm": "on"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.effective_from) == (PolicyStatus.PUBLISHED, date(2030, 7, 2))
    change = RiskDataChange.objects.get(kind=ChangeKind.POLICY_PUBLISHED, object_id=draft.pk)
    assert change.actor == officer
    assert officer_client.get(url).status_code == 403


def test_publish_errors_from_the_service_show_on_the_page(officer_client, draft, shipped):
    from policies import services

    # Another published version already takes effect on that date.
    other = services.policy_version_clone(
        source=shipped, code="BJ-OTHER", title="另一版本", effective_from=date(2031, 1, 1)
    )
    services.policy_version_publish(version=other)
    url = reverse("admin:policies_policyversion_publish", args=[draft.pk])
    response = officer_client.post(url, {"effective_from": "2031-01-01", "confirm": "on"})
    assert response.status_code == 200
    assert "BJ-OTHER" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT


def test_published_rules_cannot_be_reached_for_change(officer_client, shipped):
    rule = PolicyRule.objects.filter(version=shipped).first()
    assert rule is not None
    page = officer_client.get(_change_url(shipped))
    formset = page.context["inline_admin_formsets"][0]
    assert formset.has_change_permission is False
    assert formset.has_add_permission is False


def test_the_publish_page_links_to_the_impact_preview_when_travellers_provides_it(
    officer_client, draft, monkeypatch
):
    from policies import admin_policy

    url = reverse("admin:policies_policyversion_publish", args=[draft.pk])
    monkeypatch.setattr(admin_policy, "IMPACT_URL_NAME", "admin:policies_policyversion_change")
    page = officer_client.get(url)
    assert page.context["impact_url"] == _change_url(draft)
    assert f'href="{_change_url(draft)}" id="impact-link"' in page.content.decode()

    monkeypatch.setattr(admin_policy, "IMPACT_URL_NAME", "admin:no_such_view")
    page = officer_client.get(url)
    assert page.context["impact_url"] is None
    assert "影响预估暂不可用" in page.content.decode()


def test_date_pickers_carry_iso_dates_in_the_chinese_admin(officer_client, draft):
    # The zh-hans input format (2030/07/01) would leave the browser's picker empty.
    page = officer_client.get(
        reverse("admin:policies_policyversion_publish", args=[draft.pk]),
        headers={"Accept-Language": "zh-hans"},
    ).content.decode()
    assert 'type="date"' in page and 'value="2030-07-01"' in page


def test_a_clone_does_not_carry_over_the_english_title(officer_client, shipped):
    assert shipped.title_en
    form = officer_client.get(
        reverse("admin:policies_policyversion_clone", args=[shipped.pk])
    ).context["form"]
    assert form["title"].value() == shipped.title
    assert not form["title_en"].value()


def test_publishing_refuses_an_effective_date_before_today(officer_client, draft):
    url = reverse("admin:policies_policyversion_publish", args=[draft.pk])
    response = officer_client.post(url, {"effective_from": "2021-01-01", "confirm": "on"})
    assert response.status_code == 200
    assert "生效日期不能早于今天" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT


def test_the_rule_kind_choices_are_named_in_words_with_the_code(officer_client, draft):
    chinese = officer_client.get(_change_url(draft)).content.decode()
    assert ">到过风险地区所在县（risk_county_stay）</option>" in chinese
    assert ">离开陆地边境口岸城市（port_city_exit）</option>" in chinese
    english = officer_client.get(_change_url(draft), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Stay in a county with a risk area (risk_county_stay)</option>" in english
    # Every kind of the catalogue has its words: no option reads as a bare code.
    from policies.engine.catalogue import RULE_KINDS

    for kind in RULE_KINDS:
        assert f">{kind}</option>" not in chinese and f"（{kind}）</option>" in chinese


def test_the_publish_page_says_every_tracked_declaration_is_reevaluated_and_emailed(
    officer_client, draft
):
    page = officer_client.get(
        reverse("admin:policies_policyversion_publish", args=[draft.pk])
    ).content.decode()
    assert "重新评估所有仍在跟踪的申报，并给结果因此改变的人发送通知邮件" in page
    # The estimate linked from the page is for the version's effective date.
    assert "按 2030-07-01 计算" in page


def test_the_impact_preview_is_computed_for_the_effective_date(officer_client, draft, shipped):
    from django.utils import timezone

    from policies.services import policy_version_clone

    url = reverse("admin:travellers_impact_policy", args=[draft.pk])
    assert officer_client.get(url).context["report"].on == date(2030, 7, 1)
    # A draft dated in the past would be re-evaluated today, so it is previewed today.
    old = policy_version_clone(
        source=shipped, code="BJ-OLD-DRAFT", title="旧草稿", effective_from=date(2021, 8, 20)
    )
    url = reverse("admin:travellers_impact_policy", args=[old.pk])
    assert officer_client.get(url).context["report"].on == timezone.localdate()
