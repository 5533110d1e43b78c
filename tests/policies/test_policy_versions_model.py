"""Published policy versions are immutable at the model layer, and the shipped ones land."""

import importlib
import json
from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from policies.engine.catalogue import validate_rule
from policies.models import ImmutablePolicyError, PolicyRule, PolicyStatus, PolicyVersion

pytestmark = pytest.mark.django_db

SHIPPING = importlib.import_module("policies.migrations.0003_ship_policy_versions")


def make_version(code="T-1", *, status=PolicyStatus.DRAFT, effective_from=date(2030, 1, 1)):
    version = PolicyVersion.objects.create(
        code=code, title="测试版本", effective_from=effective_from, status=status
    )
    PolicyRule.objects.bulk_create(
        [
            PolicyRule(version=version, position=1, kind="health_code", params={}),
            PolicyRule(version=version, position=2, kind="nat_test", params={}),
        ]
    )
    return version


@pytest.fixture
def published():
    return make_version("T-PUB", status=PolicyStatus.PUBLISHED)


def test_a_published_version_refuses_save(published):
    published.title = "改过的标题"

    with pytest.raises(ImmutablePolicyError):
        published.save()

    assert PolicyVersion.objects.get(pk=published.pk).title == "测试版本"


def test_a_published_version_refuses_delete(published):
    with pytest.raises(ImmutablePolicyError):
        published.delete()

    assert PolicyVersion.objects.filter(pk=published.pk).exists()


def test_queryset_update_of_a_published_version_is_refused(published):
    with pytest.raises(ImmutablePolicyError):
        PolicyVersion.objects.filter(pk=published.pk).update(title="偷偷改")

    assert PolicyVersion.objects.get(pk=published.pk).title == "测试版本"


def test_queryset_delete_touching_a_published_version_is_refused(published):
    draft = make_version("T-DRAFT")

    with pytest.raises(ImmutablePolicyError):
        PolicyVersion.objects.filter(code__startswith="T-").delete()

    assert PolicyVersion.objects.filter(pk__in=[draft.pk, published.pk]).count() == 2


def test_rules_of_a_published_version_refuse_save_and_delete(published):
    rule = published.rules.get(position=1)
    rule.params = {"required_colour": "yellow"}

    with pytest.raises(ImmutablePolicyError):
        rule.save()
    with pytest.raises(ImmutablePolicyError):
        rule.delete()

    assert published.rules.get(position=1).params == {}


def test_a_published_version_refuses_new_rules(published):
    with pytest.raises(ImmutablePolicyError):
        PolicyRule.objects.create(version=published, position=3, kind="commuter", params={})

    assert published.rules.count() == 2


def test_rule_queryset_update_and_delete_are_refused(published):
    with pytest.raises(ImmutablePolicyError):
        PolicyRule.objects.filter(version=published).update(citation="改")
    with pytest.raises(ImmutablePolicyError):
        PolicyRule.objects.filter(version=published).delete()

    assert list(published.rules.values_list("citation", flat=True)) == ["", ""]


def test_a_draft_stays_editable():
    draft = make_version("T-DRAFT")
    draft.title = "新标题"
    draft.save()
    PolicyRule.objects.filter(version=draft).update(citation="依据")
    draft.rules.get(position=2).delete()

    draft.refresh_from_db()
    assert draft.title == "新标题"
    assert list(draft.rules.values_list("citation", flat=True)) == ["依据"]
    draft.delete()
    assert not PolicyVersion.objects.filter(code="T-DRAFT").exists()


# -- the shipping migration ---------------------------------------------------------------


@pytest.fixture
def historical_apps():
    # Plain historical managers, as the migration itself sees the models.
    return MigrationExecutor(connection).loader.project_state().apps


@pytest.fixture
def small_json(tmp_path):
    path = tmp_path / "versions.json"
    path.write_text(
        json.dumps(
            [
                {
                    "code": "TMP-2030-01-01",
                    "title": "临时版本",
                    "effective_from": "2030-01-01",
                    "source": "测试",
                    "rules": [
                        {"kind": "health_code", "params": {}, "citation": "甲"},
                        {"kind": "nat_test", "params": {"hours": 48}, "citation": "乙"},
                        {"kind": "commuter", "params": {}, "citation": "丙"},
                    ],
                },
                {
                    "code": "TMP-2030-02-01",
                    "title": "临时版本二",
                    "effective_from": "2030-02-01",
                    "rules": [{"kind": "health_code", "params": {}}],
                },
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def test_the_loader_publishes_each_version_with_rules_in_order(historical_apps, small_json):
    created = SHIPPING.load_policy_versions(historical_apps, small_json)

    assert created == ["TMP-2030-01-01", "TMP-2030-02-01"]
    version = PolicyVersion.objects.get(code="TMP-2030-01-01")
    assert version.status == PolicyStatus.PUBLISHED
    assert version.published_at is not None
    assert version.effective_from == date(2030, 1, 1)
    assert version.source == "测试"
    rules = list(version.rules.order_by("position").values_list("position", "kind", "citation"))
    assert rules == [(1, "health_code", "甲"), (2, "nat_test", "乙"), (3, "commuter", "丙")]
    assert PolicyVersion.objects.in_force(on=date(2030, 1, 31)).code == "TMP-2030-01-01"
    assert PolicyVersion.objects.in_force(on=date(2030, 2, 1)).code == "TMP-2030-02-01"


def test_the_loader_skips_versions_already_there(historical_apps, small_json):
    SHIPPING.load_policy_versions(historical_apps, small_json)

    assert SHIPPING.load_policy_versions(historical_apps, small_json) == []
    assert PolicyVersion.objects.filter(code__startswith="TMP-").count() == 2
    assert PolicyRule.objects.filter(version__code="TMP-2030-01-01").count() == 3


def test_the_reverse_removes_exactly_the_shipped_codes(historical_apps, small_json):
    other = make_version("T-OTHER", status=PolicyStatus.PUBLISHED)
    SHIPPING.load_policy_versions(historical_apps, small_json)

    SHIPPING.unload_policy_versions(historical_apps, small_json)

    assert not PolicyVersion.objects.filter(code__startswith="TMP-").exists()
    assert PolicyVersion.objects.filter(pk=other.pk).exists()
    assert other.rules.count() == 2


def test_a_missing_file_loads_nothing(historical_apps, tmp_path):
    assert SHIPPING.load_policy_versions(historical_apps, tmp_path / "absent.json") == []


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (date(2021, 8, 7), "BJ-2021-08-07"),
        (date(2021, 12, 12), "BJ-2021-08-07"),
        (date(2021, 12, 13), "BJ-2021-12-13"),
        (date(2022, 3, 15), "BJ-2021-12-13"),
        (date(2022, 3, 16), "BJ-2022-03-16"),
        (date(2023, 1, 1), "BJ-2022-03-16"),
    ],
)
def test_the_shipped_versions_are_in_force_from_their_dates(day, code):
    assert PolicyVersion.objects.in_force(on=day).code == code


def test_no_shipped_version_is_in_force_before_august_7_2021():
    assert PolicyVersion.objects.in_force(on=date(2021, 8, 6)) is None


def test_every_shipped_rule_passes_the_catalogue():
    shipped = PolicyVersion.objects.filter(code__startswith="BJ-")
    assert shipped.count() == 3
    for version in shipped:
        assert version.status == PolicyStatus.PUBLISHED
        rules = list(version.rules.order_by("position"))
        assert [rule.position for rule in rules] == list(range(1, len(rules) + 1))
        for rule in rules:
            validate_rule(rule.kind, rule.params)


def test_the_port_city_rule_is_only_in_the_december_version():
    def kinds(code):
        return set(PolicyRule.objects.filter(version__code=code).values_list("kind", flat=True))

    assert "port_city_exit" in kinds("BJ-2021-12-13")
    assert "port_city_exit" not in kinds("BJ-2021-08-07")
    assert "port_city_exit" not in kinds("BJ-2022-03-16")
    assert kinds("BJ-2021-12-13") - {"port_city_exit"} == kinds("BJ-2021-08-07")
