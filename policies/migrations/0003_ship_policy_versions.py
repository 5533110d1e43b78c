"""Ships the policy versions of policies/data/policy_versions.json as published data.

Self-contained on purpose: it uses the historical models and plain JSON, so a later
change to the services or the rule catalogue cannot change what this migration did.
The test suite checks separately that every shipped rule passes the catalogue.
"""

import json
from datetime import date
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data" / "policy_versions.json"


def read_versions(path):
    path = Path(path)
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))


def load_policy_versions(apps, path=DATA):
    """Create each version of ``path`` that is not there yet, published, rules in order."""
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    PolicyRule = apps.get_model("policies", "PolicyRule")
    now = timezone.now()
    created = []
    for entry in read_versions(path):
        if PolicyVersion.objects.filter(code=entry["code"]).exists():
            continue
        version = PolicyVersion.objects.create(
            code=entry["code"],
            title=entry["title"],
            effective_from=date.fromisoformat(entry["effective_from"]),
            source=entry.get("source", ""),
            status="published",
            published_at=now,
        )
        PolicyRule.objects.bulk_create(
            PolicyRule(
                version=version,
                position=position,
                kind=rule["kind"],
                params=rule.get("params", {}),
                citation=rule.get("citation", ""),
            )
            for position, rule in enumerate(entry["rules"], start=1)
        )
        created.append(version.code)
    return created


def unload_policy_versions(apps, path=DATA):
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    PolicyRule = apps.get_model("policies", "PolicyRule")
    codes = [entry["code"] for entry in read_versions(path)]
    PolicyRule.objects.filter(version__code__in=codes).delete()
    PolicyVersion.objects.filter(code__in=codes).delete()


def forwards(apps, schema_editor):
    load_policy_versions(apps)


def backwards(apps, schema_editor):
    unload_policy_versions(apps)


class Migration(migrations.Migration):
    dependencies = [("policies", "0002_load_regions")]
    operations = [migrations.RunPython(forwards, backwards)]
