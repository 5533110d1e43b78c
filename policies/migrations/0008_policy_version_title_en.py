"""An English title for policy versions, filled for the shipped ones from the data file."""

import json
from pathlib import Path

from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data" / "policy_versions.json"


def fill_english_titles(apps, schema_editor):
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    # The base manager: the default one refuses any change to a published version, and
    # this adds a translation, not a change of what the version says.
    versions = PolicyVersion._base_manager.using(schema_editor.connection.alias)
    for entry in json.loads(DATA.read_text(encoding="utf-8")):
        if entry.get("title_en"):
            versions.filter(code=entry["code"], title_en="").update(title_en=entry["title_en"])


def restore_sqlite_stamp_triggers(apps, schema_editor):
    """SQLite adds this column by rebuilding the table, which drops the triggers that
    change the engine data stamp (0006): create them again. PostgreSQL keeps them."""
    if schema_editor.connection.vendor != "sqlite":
        return
    table = "policies_policyversion"
    for event in ("INSERT", "UPDATE", "DELETE"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_stamp_{event.lower()}")
        schema_editor.execute(
            f"CREATE TRIGGER {table}_stamp_{event.lower()} AFTER {event} ON {table} "
            "BEGIN UPDATE policies_enginedatastamp "
            "SET version = version + 1, tx = random() WHERE id = 1; END"
        )


class Migration(migrations.Migration):
    dependencies = [("policies", "0007_region_english_names")]
    operations = [
        migrations.AddField(
            model_name="policyversion",
            name="title_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="英文标题"),
        ),
        migrations.AddField(
            model_name="historicalpolicyversion",
            name="title_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="英文标题"),
        ),
        migrations.RunPython(restore_sqlite_stamp_triggers, migrations.RunPython.noop),
        migrations.RunPython(fill_english_titles, migrations.RunPython.noop),
    ]
