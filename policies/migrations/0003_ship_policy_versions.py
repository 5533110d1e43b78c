from django.db import migrations


class Migration(migrations.Migration):
    """Placeholder: ships the policy versions of policies/data/policy_versions.json."""

    dependencies = [("policies", "0002_load_regions")]
    operations = []
