"""The health office reviews re-evaluation runs (approves or discards held ones) and
retries failed notices: the models arrived after 0002 gave the group its rights."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

HEALTH_OFFICE_GROUP = "卫生健康部门 Health office"
PERMISSIONS = ["view_reevaluationrun", "change_reevaluationrun", "change_notice"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("travellers")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    rights = Permission.objects.filter(
        content_type__app_label="travellers", codename__in=PERMISSIONS
    )
    for group in Group.objects.filter(name=HEALTH_OFFICE_GROUP):
        group.permissions.add(*rights)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=HEALTH_OFFICE_GROUP):
        group.permissions.remove(
            *group.permissions.filter(
                content_type__app_label="travellers", codename__in=PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("travellers", "0008_declaration_idempotency_fingerprint")]
    operations = [migrations.RunPython(grant, revoke)]
