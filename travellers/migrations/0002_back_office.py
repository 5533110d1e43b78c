from django.db import migrations


class Migration(migrations.Migration):
    """Slot for the back office (community staff groups and permissions)."""

    dependencies = [("travellers", "0001_initial")]
    operations = []
