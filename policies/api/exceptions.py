from datetime import date

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException


def no_policy_message(on: date) -> str:
    return gettext("%(date)s 没有生效的入境政策版本。") % {"date": on.isoformat()}


class NoPolicyInForceError(APIException):
    """The request is well formed, but no published policy version covers its date."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("该日期没有生效的入境政策版本。")
    default_code = "no_policy_in_force"

    def __init__(self, on: date | None = None):
        super().__init__(no_policy_message(on) if on else None)
