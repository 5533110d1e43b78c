"""django-axes under a name staff read in their language.

Its own module: a second AppConfig in ``portal.apps`` would leave Django unable to pick
the portal's own (and its ``ready``) for the plain ``"portal"`` entry.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class LoginProtectionConfig(AxesAppConfig):
    verbose_name = _("登录保护")  # its own is "Axes"
