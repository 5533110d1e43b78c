from django import template
from django.utils import timezone

from portal.dashboard import dashboard

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_dashboard(context):
    """The dashboard for staff who may see risk data; None for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("policies.view_riskarea"):
        return None
    return dashboard(on=timezone.localdate())
