from datetime import date

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.views import exception_handler as drf_exception_handler


def no_policy_message(on: date) -> str:
    return gettext("%(date)s 没有生效的入境政策版本。") % {"date": on.isoformat()}


class NoPolicyInForceError(APIException):
    """The request is well formed, but no published policy version covers its date."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("该日期没有生效的入境政策版本。")
    default_code = "no_policy_in_force"

    def __init__(self, on: date | None = None):
        super().__init__(no_policy_message(on) if on else None)


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("请求内容过大。")
    default_code = "body_too_large"


NOT_FOUND = _("未找到请求的内容。")


def exception_handler(exc, context):
    """DRF's handler, which also answers a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` in
    JSON (Django would give its bare HTML 400 page), and a missing object in the
    caller's language without naming the model ("No PolicyVersion matches the given
    query."). A view's own ``NotFound`` (the lookup's deliberate answer) is kept."""
    if isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge()
    elif isinstance(exc, Http404):
        exc = NotFound(NOT_FOUND)
    return drf_exception_handler(exc, context)
