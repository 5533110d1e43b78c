from django.contrib.auth.management import create_permissions
from django.db import migrations

COMMUNITY_STAFF_GROUP = "社区工作人员 Community staff"
# Made by policies 0005_back_office; this app grants the rights on its own models.
HEALTH_OFFICE_GROUP = "卫生健康部门 Health office"

# Community workers read their people's declarations and record follow-up (the
# change permission, limited to the follow-up fields by the admin and the API);
# they add, delete and reassign nothing.
PERMISSIONS = [
    "view_community",
    "view_declaration",
    "change_declaration",
    "view_leg",
    "view_evaluation",
    "view_declarationevent",
    "view_notice",
]
# The health office sees every community and manages the communities and their staff.
HEALTH_OFFICE_PERMISSIONS = [*PERMISSIONS, "add_community", "change_community"]


def create_group(apps, schema_editor):
    # Permissions are normally made after the whole migrate run; make them now so
    # the group can hold them on a fresh database.
    app_config = apps.get_app_config("travellers")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (
        (COMMUNITY_STAFF_GROUP, PERMISSIONS),
        (HEALTH_OFFICE_GROUP, HEALTH_OFFICE_PERMISSIONS),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="travellers", codename__in=codenames
            )
        )


def remove_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=COMMUNITY_STAFF_GROUP).delete()
    # The health-office group is not ours to delete: take back only our rights.
    for group in Group.objects.filter(name=HEALTH_OFFICE_GROUP):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="travellers"))


class Migration(migrations.Migration):
    """Community staff group and its permissions; the health office's rights on declarations."""

    dependencies = [
        ("travellers", "0001_initial"),
        ("policies", "0005_back_office"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
