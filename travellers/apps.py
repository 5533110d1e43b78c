from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TravellersConfig(AppConfig):
    name = "travellers"
    verbose_name = _("入境人员与申报")

    def ready(self):
        from policies.services import CHANGE_LISTENERS
        from travellers.reevaluation import enqueue_change

        # policies never imports travellers: the pipeline subscribes to its change rows.
        if enqueue_change not in CHANGE_LISTENERS:
            CHANGE_LISTENERS.append(enqueue_change)

        # policies never imports travellers: the impact preview reaches its admin
        # through this hook instead.
        from policies import hooks
        from travellers.impact import preview_designation_changes, preview_risk_changes
        from travellers.reevaluation import runs_admin_url

        hooks.IMPACT_PREVIEW = preview_risk_changes
        hooks.DESIGNATION_IMPACT_PREVIEW = preview_designation_changes
        hooks.IMPACT_TEMPLATE = "admin/travellers/impact_report.html"
        hooks.RUNS_URL = runs_admin_url

        from django.contrib.auth.signals import user_logged_in

        from travellers.views import forget_citizen_on_staff_login

        user_logged_in.connect(forget_citizen_on_staff_login, dispatch_uid="forget_citizen")
