from django.db import migrations


class Migration(migrations.Migration):
    """Slot for the re-evaluation pipeline."""

    dependencies = [("travellers", "0002_back_office")]
    operations = []
