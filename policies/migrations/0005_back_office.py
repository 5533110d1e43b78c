from django.db import migrations


class Migration(migrations.Migration):
    """Slot for the back office (health-office staff groups and permissions)."""

    dependencies = [("policies", "0004_history")]
    operations = []
