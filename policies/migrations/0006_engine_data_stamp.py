"""The engine data stamp and the triggers that change it (see ``EngineDataStamp``).

On SQLite, a later migration that rebuilds one of ``ENGINE_TABLES`` (most AddField and
AlterField operations do) drops its triggers and must create them again (as 0008 does);
``tests/policies/test_engine_data_stamp.py`` fails when one is missing.
"""

from django.db import migrations, models

ENGINE_TABLES = (
    "policies_riskarea",
    "policies_designation",
    "policies_policyversion",
    "policies_policyrule",
)

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION policies_bump_engine_data_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A random tx: a write rolled back (also to a savepoint) leaves no stamp to reuse.
    UPDATE policies_enginedatastamp
    SET version = version + 1, tx = floor(random() * 9007199254740992)::bigint WHERE id = 1;
    RETURN NULL;
END
$$;
"""


def create_triggers(apps, schema_editor):
    EngineDataStamp = apps.get_model("policies", "EngineDataStamp")
    EngineDataStamp.objects.using(schema_editor.connection.alias).get_or_create(id=1)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table in ENGINE_TABLES:
            # Per statement, TRUNCATE included: a bulk write bumps the stamp once.
            schema_editor.execute(
                f"CREATE TRIGGER {table}_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION policies_bump_engine_data_stamp()"
            )
    elif vendor == "sqlite":
        for table in ENGINE_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_stamp_{event.lower()} AFTER {event} ON {table} "
                    "BEGIN UPDATE policies_enginedatastamp "
                    "SET version = version + 1, tx = random() WHERE id = 1; END"
                )
    else:  # no trigger: the submit path then reads the tables every time
        EngineDataStamp.objects.using(schema_editor.connection.alias).filter(id=1).delete()


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in ENGINE_TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_stamp ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS policies_bump_engine_data_stamp()")
    elif vendor == "sqlite":
        for table in ENGINE_TABLES:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_stamp_{event}")


class Migration(migrations.Migration):
    dependencies = [("policies", "0005_back_office")]

    operations = [
        migrations.CreateModel(
            name="EngineDataStamp",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("version", models.BigIntegerField(default=0)),
                ("tx", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "engine data stamp"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
