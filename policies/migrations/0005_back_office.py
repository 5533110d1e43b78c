from django.contrib.auth.management import create_permissions
from django.db import migrations

HEALTH_OFFICE = "卫生健康部门 Health office"


def create_health_office_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now so
    # that the group gets them on a fresh database too.
    app_config = apps.get_app_config("policies")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=HEALTH_OFFICE)
    # Every permission of the policies app: risk areas, designations, policy versions and
    # rules, announcements, and viewing regions, the change log and the history tables.
    group.permissions.add(*Permission.objects.filter(content_type__app_label="policies"))


def remove_health_office_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=HEALTH_OFFICE).delete()


class Migration(migrations.Migration):
    """The health-office staff group with all permissions on the policies app."""

    dependencies = [
        ("policies", "0004_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_health_office_group, remove_health_office_group)]
