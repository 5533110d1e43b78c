from django.db import migrations


class Migration(migrations.Migration):
    """Placeholder: loads the GB/T 2260 regions from policies/data/regions.csv."""

    dependencies = [("policies", "0001_initial")]
    operations = []
