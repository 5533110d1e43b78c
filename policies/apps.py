from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("政策与风险数据")

    def ready(self):
        from policies.models import Region
        from policies.regions import forget_region_table

        # The in-process region table must not outlive a change to the rows it copies.
        post_save.connect(forget_region_table, sender=Region, dispatch_uid="region-table-save")
        post_delete.connect(forget_region_table, sender=Region, dispatch_uid="region-table-del")
        post_migrate.connect(forget_region_table, dispatch_uid="region-table-migrate")
