"""English names of the regions (name_en, full_name_en), from policies/data/regions.csv.

The CSV gained the two columns (scripts/build_regions.py derives them from the pinyin);
0002 loads the other columns and ignores these, so this fills them on every database,
new or already loaded. Rows the CSV does not have keep an empty English name (pages then
show the Chinese one).
"""

import csv
from pathlib import Path

from django.db import migrations, models

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "regions.csv"


def fill_english_names(apps, schema_editor):
    Region = apps.get_model("policies", "Region")
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        english = {
            row["code"]: (row["name_en"], row["full_name_en"]) for row in csv.DictReader(handle)
        }
    regions = list(Region.objects.using(schema_editor.connection.alias).only("code"))
    for region in regions:
        region.name_en, region.full_name_en = english.get(region.code, ("", ""))
    Region.objects.using(schema_editor.connection.alias).bulk_update(
        regions, ["name_en", "full_name_en"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [("policies", "0006_engine_data_stamp")]
    operations = [
        migrations.AddField(
            model_name="region",
            name="name_en",
            field=models.CharField(blank=True, max_length=128, verbose_name="英文名称"),
        ),
        migrations.AddField(
            model_name="region",
            name="full_name_en",
            field=models.CharField(blank=True, max_length=255, verbose_name="英文全称"),
        ),
        migrations.RunPython(fill_english_names, migrations.RunPython.noop),
    ]
