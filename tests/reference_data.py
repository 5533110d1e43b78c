"""Reload the data that migrations put in every database (regions, shipped policy
versions, staff groups) after a transactional test flushed it.

pytest-django restores it through ``serialized_rollback`` only while the connection
still carries its serialized copy; after some fixture orders (ordinary database
tests first, then the live server) it does not, and the next test would start with
no regions. Loading with the migrations' own functions keeps one source of truth.
"""

from importlib import import_module
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

LOADERS = (
    ("policies.migrations.0002_load_regions", "load_regions"),
    ("policies.migrations.0003_ship_policy_versions", "forwards"),
    ("policies.migrations.0007_region_english_names", "fill_english_names"),
    ("policies.migrations.0008_policy_version_title_en", "fill_english_titles"),
    ("policies.migrations.0005_back_office", "create_health_office_group"),
    ("travellers.migrations.0002_back_office", "create_group"),
    ("travellers.migrations.0009_health_office_pipeline_rights", "grant"),
)


def ensure_reference_data() -> bool:
    """Load the migration data if the regions are gone; True when it had to."""
    from policies.models import Region

    if Region.objects.exists():
        return False
    # The loaders only read ``schema_editor.connection``.
    schema_editor = SimpleNamespace(connection=connection)
    for module_name, function_name in LOADERS:
        getattr(import_module(module_name), function_name)(apps, schema_editor)
    return True
