from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from policies import services
from policies.models import ChangeKind, PolicyRule, PolicyStatus, PolicyVersion, RiskDataChange

pytestmark = pytest.mark.django_db

TODAY = date(2030, 6, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def make_version(code, *, rules, status=PolicyStatus.DRAFT, effective_from=date(2030, 7, 1)):
    version = PolicyVersion.objects.create(
        code=code, title=f"版本 {code}", effective_from=effective_from, status=status
    )
    PolicyRule.objects.bulk_create(
        PolicyRule(version=version, position=n, kind=kind, params=params, citation=f"依据{n}")
        for n, (kind, params) in enumerate(rules, start=1)
    )
    return version


GOOD_RULES = [
    ("risk_county_stay", {"levels": ["high", "medium"], "applies_to": "pre_travel"}),
    ("health_code", {}),
    ("nat_test", {"hours": 48}),
]


@pytest.fixture
def source():
    return make_version(
        "SRC", rules=GOOD_RULES, status=PolicyStatus.PUBLISHED, effective_from=date(2030, 1, 1)
    )


def test_clone_copies_the_rules_into_a_draft(source):
    draft = services.policy_version_clone(
        source=source, code="NEW", title="新版本", effective_from=date(2030, 7, 1)
    )

    assert draft.status == PolicyStatus.DRAFT
    assert draft.cloned_from == source
    assert draft.published_at is None
    copied = list(draft.rules.order_by("position").values_list("position", "kind", "params"))
    original = list(source.rules.order_by("position").values_list("position", "kind", "params"))
    assert copied == original
    assert list(draft.rules.values_list("citation", flat=True)) == ["依据1", "依据2", "依据3"]
    # A draft is invisible to evaluations: nothing to re-evaluate yet.
    assert not RiskDataChange.objects.exists()


def test_a_clone_takes_the_english_title_it_is_given(source):
    draft = services.policy_version_clone(
        source=source,
        code="NEW",
        title="新版本",
        title_en="A new version",
        effective_from=date(2030, 7, 1),
    )
    assert PolicyVersion.objects.get(pk=draft.pk).title_en == "A new version"


def test_the_clone_is_editable_while_the_source_stays_frozen(source):
    draft = services.policy_version_clone(
        source=source, code="NEW", title="新版本", effective_from=date(2030, 7, 1)
    )

    draft.rules.filter(kind="nat_test").delete()

    assert draft.rules.count() == 2
    assert source.rules.count() == 3


def test_clone_refuses_a_code_already_used(source):
    with pytest.raises(ValidationError) as exc:
        services.policy_version_clone(
            source=source, code="SRC", title="重复", effective_from=date(2030, 7, 1)
        )

    assert "code" in exc.value.message_dict
    assert not PolicyVersion.objects.filter(title="重复").exists()


def test_publish_freezes_the_draft_and_records_a_change_for_all_regions():
    staff = get_user_model().objects.create_user("staff", is_staff=True)
    draft = make_version("NEW", rules=GOOD_RULES)

    published = services.policy_version_publish(version=draft, actor=staff)

    assert published.status == PolicyStatus.PUBLISHED
    assert published.published_at is not None
    draft.refresh_from_db()
    assert draft.is_published
    change = RiskDataChange.objects.get()
    assert change.kind == ChangeKind.POLICY_PUBLISHED
    assert change.all_regions is True
    assert change.region_codes == []
    assert change.object_id == draft.pk
    assert change.effective_on == date(2030, 7, 1)
    assert change.actor == staff
    assert "NEW" in change.summary
    assert PolicyVersion.objects.in_force(on=date(2030, 7, 1)).code == "NEW"


def test_publish_can_set_the_effective_date():
    draft = make_version("NEW", rules=GOOD_RULES)

    services.policy_version_publish(version=draft, effective_from=date(2030, 8, 15))

    draft.refresh_from_db()
    assert draft.effective_from == date(2030, 8, 15)
    assert RiskDataChange.objects.get().effective_on == date(2030, 8, 15)


def test_publishing_a_past_date_is_effective_today():
    draft = make_version("OLD", rules=GOOD_RULES, effective_from=date(2030, 1, 15))

    services.policy_version_publish(version=draft)

    assert RiskDataChange.objects.get().effective_on == TODAY


def test_publish_stores_the_normalised_parameters():
    draft = make_version("NEW", rules=GOOD_RULES)

    services.policy_version_publish(version=draft)

    params = draft.rules.get(kind="nat_test").params
    assert params == {"hours": 48, "exempt_commuters": True}


def test_publish_lists_every_invalid_rule_and_changes_nothing():
    draft = make_version(
        "BAD",
        rules=[
            ("health_code", {}),
            ("risk_county_stay", {"levels": ["extreme"], "applies_to": "pre_travel"}),
            ("teleport", {}),
        ],
    )

    with pytest.raises(ValidationError) as exc:
        services.policy_version_publish(version=draft)

    messages = exc.value.message_dict["rules"]
    assert any(message.startswith("第 2 条") and "extreme" in message for message in messages)
    assert any(message.startswith("第 3 条") and "teleport" in message for message in messages)
    assert not any(message.startswith("第 1 条") for message in messages)
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT
    assert draft.rules.get(position=1).params == {}
    assert not RiskDataChange.objects.exists()


def test_publish_refuses_an_empty_version():
    draft = make_version("EMPTY", rules=[])

    with pytest.raises(ValidationError) as exc:
        services.policy_version_publish(version=draft)

    assert "rules" in exc.value.message_dict
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT


def test_publish_refuses_the_effective_date_of_another_published_version(source):
    draft = make_version("SAME-DAY", rules=GOOD_RULES, effective_from=source.effective_from)

    with pytest.raises(ValidationError) as exc:
        services.policy_version_publish(version=draft)

    assert "SRC" in exc.value.message_dict["effective_from"][0]
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT
    assert not RiskDataChange.objects.exists()


def test_two_drafts_may_share_a_date_until_one_is_published():
    first = make_version("A", rules=GOOD_RULES)
    second = make_version("B", rules=GOOD_RULES)

    services.policy_version_publish(version=first)

    with pytest.raises(ValidationError):
        services.policy_version_publish(version=second)


def test_publish_refuses_an_already_published_version(source):
    with pytest.raises(ValidationError) as exc:
        services.policy_version_publish(version=source)

    assert "status" in exc.value.message_dict
    assert not RiskDataChange.objects.exists()
