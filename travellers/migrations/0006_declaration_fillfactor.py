"""Leave room in each page of the declarations table for the next version of its rows.

Every re-evaluated answer rewrites its declaration row. With full pages (PostgreSQL's
default), each new row version goes to a page at the end of the table; with room left
in the page it stays beside the old one, which costs fewer page writes. PostgreSQL only.
"""

from django.db import migrations

FILLFACTOR = 85


def set_fillfactor(apps, schema_editor, value=FILLFACTOR):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE travellers_declaration SET (fillfactor = {value})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE travellers_declaration RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("travellers", "0005_leaner_writes_per_answer")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False)]
