"""Admin for regions, risk data, policy versions and announcements.

The classes live in one module per area (``admin_risk``, ``admin_policy``,
``admin_announcements``); importing them registers them. This module adds the
read-only registers (regions, the change outbox).
"""

from django.contrib import admin

from policies import admin_announcements, admin_policy, admin_risk  # noqa: F401
from policies.models import Region, RiskDataChange


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Read-only: the table comes from GB/T 2260 data; here for search and autocomplete."""

    list_display = ("code", "full_name", "level", "county_level", "retired")
    list_filter = ("level", "county_level", "retired")
    search_fields = ("code", "name", "full_name", "pinyin", "initials")
    ordering = ("code",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RiskDataChange)
class RiskDataChangeAdmin(admin.ModelAdmin):
    """The record of every write to risk data, who made it and whether it was processed."""

    list_display = ("created_at", "kind", "summary", "effective_on", "actor", "processed_at")
    list_filter = ("kind", "effective_on")
    search_fields = ("summary",)
    list_select_related = ("actor",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
