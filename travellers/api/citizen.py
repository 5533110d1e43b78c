"""Citizen endpoints: submit a declaration, look one up.

``POST /api/v1/declarations/`` validates with ``DeclarationSerializer`` (the same
validation as the HTML form) and saves through ``declaration_submit``; an optional
``Idempotency-Key`` header (a UUID) makes a repeated request return the first
declaration instead of a second one. ``POST /api/v1/declarations/lookup/`` takes the
reference and the phone's last four digits in the body, never in the URL, and
answers a wrong pair exactly as an unknown reference.
"""

from __future__ import annotations

import uuid

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from policies.api.exceptions import NoPolicyInForceError
from policies.api.serializers import EvaluateResponseSerializer
from travellers import lookup_attempts
from travellers.api.throttles import LookupReferenceThrottle, LookupThrottle, SubmitThrottle
from travellers.evaluation import api_result
from travellers.notices import status_url
from travellers.serializers import DeclarationSerializer, LookupRequestSerializer
from travellers.services import (
    IdempotencyKeyReused,
    NoPolicyInForce,
    declaration_lookup,
    declaration_submit,
)

CITIZEN_ACTIONS = frozenset({"create", "lookup"})
_ERROR = {"type": "object", "additionalProperties": True}


class CompanionResultSerializer(serializers.Serializer):
    reference = serializers.CharField()
    result = EvaluateResponseSerializer()


class SubmitResponseSerializer(serializers.Serializer):
    reference = serializers.CharField()
    result = EvaluateResponseSerializer()
    companions = CompanionResultSerializer(many=True)
    status_url = serializers.URLField()


class HistoryItemSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    trigger = serializers.CharField()
    outcome = serializers.CharField()
    entry_allowed_from = serializers.DateField(allow_null=True)
    policy_version = serializers.CharField()


class LookupResponseSerializer(serializers.Serializer):
    reference = serializers.CharField()
    result = EvaluateResponseSerializer()
    history = HistoryItemSerializer(many=True)


class DeclarationNotFound(NotFound):
    default_detail = _("查询码或手机号后四位不正确。")
    default_code = "not_found"


def _idempotency_key(request) -> uuid.UUID:
    raw = request.headers.get("Idempotency-Key", "").strip()
    if not raw:
        return uuid.uuid4()
    try:
        key = uuid.UUID(raw)
    except ValueError as exc:
        raise ValidationError({"idempotency_key": [_("Idempotency-Key 请求头应为UUID。")]}) from exc
    if key.int == 0:
        # Every client that copies the nil UUID from an example would share one key, and
        # the second of them get the first one's declaration or a refusal.
        message = _("Idempotency-Key 不能是全零的UUID，请每份申报生成一个随机UUID。")
        raise ValidationError({"idempotency_key": [message]})
    return key


class CitizenDeclarationMixin:
    """Provides `create` (POST /api/v1/declarations/) and the `lookup` action.

    Each hook answers for the citizen actions and defers to the next class for the
    staff ones.
    """

    def get_permissions(self):
        if self.action in CITIZEN_ACTIONS:
            return [AllowAny()]
        return super().get_permissions()

    def get_serializer_class(self):
        # Also read by OPTIONS and the browsable API, which failed without one. OPTIONS
        # runs as the "metadata" action: the route's POST action says which body it is.
        action = self.action
        if action == "metadata":
            action = self.action_map.get(self.request.method.lower(), action)
        if action == "create":
            return DeclarationSerializer
        if action == "lookup":
            return LookupRequestSerializer
        return super().get_serializer_class()

    def get_throttles(self):
        if self.action == "create":
            return [SubmitThrottle()]
        if self.action == "lookup":
            return [LookupThrottle(), LookupReferenceThrottle()]
        return super().get_throttles()

    @extend_schema(
        operation_id="declarations_create",
        summary="Submit a declaration (and up to four companions)",
        request=DeclarationSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="UUID; the same key again returns the first declaration",
            )
        ],
        responses={
            201: SubmitResponseSerializer,
            200: OpenApiResponse(SubmitResponseSerializer, description="Repeated key."),
            400: OpenApiResponse(_ERROR, description="Per-field messages."),
            422: OpenApiResponse(_ERROR, description="No policy version in force today."),
            429: OpenApiResponse(_ERROR, description="Too many submissions from this client."),
        },
    )
    def create(self, request, *args, **kwargs):
        key = _idempotency_key(request)
        serializer = DeclarationSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            lead = declaration_submit(data=serializer.validated_data, idempotency_key=key)
        except NoPolicyInForce as exc:
            raise NoPolicyInForceError(exc.on) from exc
        except IdempotencyKeyReused as exc:
            raise ValidationError(
                {"idempotency_key": [_("该 Idempotency-Key 已用于另一份申报，请换一个。")]}
            ) from exc
        companions = lead.saved_companions
        body = {
            "reference": lead.reference,
            "result": api_result(lead.result, lead.language),
            "companions": [
                {
                    "reference": person.reference,
                    "result": api_result(person.result, person.language),
                }
                for person in companions
            ],
            "status_url": status_url(),
        }
        replayed = getattr(lead, "replayed", False)
        return Response(body, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="declarations_lookup",
        summary="The current answer and its history, by reference and phone digits",
        request=LookupRequestSerializer,
        responses={
            200: LookupResponseSerializer,
            400: OpenApiResponse(_ERROR, description="Missing or malformed fields."),
            404: OpenApiResponse(_ERROR, description="Wrong pair or unknown reference."),
            429: OpenApiResponse(_ERROR, description="Too many lookups."),
        },
    )
    @action(detail=False, methods=["post"])
    def lookup(self, request, *args, **kwargs):
        serializer = LookupRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declaration = declaration_lookup(
            reference=serializer.validated_data["reference"],
            phone_last4=serializer.validated_data["phone_last4"],
        )
        if declaration is None:
            raise DeclarationNotFound()
        lookup_attempts.release(declaration.reference)
        history = declaration.evaluations.select_related("policy_version").order_by(
            "created_at", "id"
        )
        return Response(
            {
                "reference": declaration.reference,
                "result": api_result(declaration.result, declaration.language),
                "history": [
                    {
                        # In Beijing time, as the API's other times.
                        "at": timezone.localtime(evaluation.created_at).isoformat(),
                        "trigger": evaluation.trigger,
                        "outcome": evaluation.outcome,
                        "entry_allowed_from": evaluation.entry_allowed_from
                        and evaluation.entry_allowed_from.isoformat(),
                        "policy_version": evaluation.policy_version.code,
                    }
                    for evaluation in history
                ],
            }
        )
