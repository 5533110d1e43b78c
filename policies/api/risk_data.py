"""Staff API for risk areas and designations.

Reads are public and filterable; writes need a staff account with the model
permission and go only through ``policies.services``, so each one records its
change row. A service ``ValidationError`` becomes a 400 with field errors.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from policies import services
from policies.api.permissions import StaffWriteOrReadOnly
from policies.models import (
    Designation,
    DesignationKind,
    Region,
    RiskArea,
    RiskLevel,
    significant_prefix,
)

REGION_CODE = re.compile(r"^\d{6}$")


class RegionNameMixin(serializers.Serializer):
    region_name = serializers.SerializerMethodField()

    def get_region_name(self, obj) -> str:
        return obj.region.full_name or obj.region.name


class RiskAreaSerializer(RegionNameMixin, serializers.ModelSerializer):
    class Meta:
        model = RiskArea
        fields = [
            "id",
            "region",
            "region_name",
            "name",
            "level",
            "designated_on",
            "lifted_on",
            "source",
        ]


class DesignationSerializer(RegionNameMixin, serializers.ModelSerializer):
    class Meta:
        model = Designation
        fields = ["id", "kind", "region", "region_name", "valid_from", "valid_until", "note"]


class RegionCodeField(serializers.CharField):
    default_error_messages = {
        "format": _("请填写六位行政区划代码。"),
        "unknown": _("没有这个行政区划代码。"),
    }

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        if not REGION_CODE.match(code):
            self.fail("format")
        if not Region.objects.filter(code=code).exists():
            self.fail("unknown")
        return code


class RiskAreaFilterSerializer(serializers.Serializer):
    active_on = serializers.DateField(required=False)
    level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    region = RegionCodeField(required=False)


class DesignationFilterSerializer(serializers.Serializer):
    active_on = serializers.DateField(required=False)
    kind = serializers.ChoiceField(choices=DesignationKind.choices, required=False)
    region = RegionCodeField(required=False)


def _service_errors(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(detail=serializers.as_serializer_error(exc))


def _actor(request):
    return request.user if request.user.is_authenticated else None


def _ancestors(code: str) -> list[str]:
    """The province, prefecture and county codes that contain ``code`` (itself included)."""
    return [code[:2] + "0000", code[:4] + "00", code]


class RiskDataViewSet(viewsets.ModelViewSet):
    permission_classes = [StaffWriteOrReadOnly]
    filter_serializer_class: type[serializers.Serializer]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action != "list":
            return queryset
        params = self.filter_serializer_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return self.apply_filters(queryset, **params.validated_data)

    def apply_filters(self, queryset, *, active_on=None, region=None, **exact):
        if active_on is not None:
            queryset = queryset.active(on=active_on)
        return queryset.filter(**exact)


@extend_schema_view(list=extend_schema(parameters=[RiskAreaFilterSerializer]))
class RiskAreaViewSet(RiskDataViewSet):
    """Sub-county risk areas. ``?region=`` lists the areas inside that region."""

    queryset = RiskArea.objects.select_related("region")
    serializer_class = RiskAreaSerializer
    filter_serializer_class = RiskAreaFilterSerializer

    def apply_filters(self, queryset, *, region=None, **params):
        if region is not None:
            queryset = queryset.filter(region__code__startswith=significant_prefix(region))
        return super().apply_filters(queryset, **params)

    def perform_create(self, serializer):
        try:
            serializer.instance = services.risk_area_create(
                **serializer.validated_data, actor=_actor(self.request)
            )
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc

    def perform_update(self, serializer):
        changes = serializer.validated_data
        try:
            if set(changes) == {"lifted_on"} and changes["lifted_on"] is not None:
                area = services.risk_area_lift(
                    risk_area=serializer.instance,
                    lifted_on=changes["lifted_on"],
                    actor=_actor(self.request),
                )
            else:
                area = services.risk_area_update(
                    risk_area=serializer.instance, **changes, actor=_actor(self.request)
                )
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc
        serializer.instance = area

    def perform_destroy(self, instance):
        services.risk_area_delete(risk_area=instance, actor=_actor(self.request))


@extend_schema_view(list=extend_schema(parameters=[DesignationFilterSerializer]))
class DesignationViewSet(RiskDataViewSet):
    """Region-wide designations. ``?region=`` lists those inside or containing that region."""

    queryset = Designation.objects.select_related("region")
    serializer_class = DesignationSerializer
    filter_serializer_class = DesignationFilterSerializer

    def apply_filters(self, queryset, *, region=None, **params):
        if region is not None:
            # A county asks "which designations cover me", a province "which lie in me".
            queryset = queryset.filter(
                Q(region__code__startswith=significant_prefix(region))
                | Q(region_id__in=_ancestors(region))
            )
        return super().apply_filters(queryset, **params)

    def perform_create(self, serializer):
        try:
            serializer.instance = services.designation_create(
                **serializer.validated_data, actor=_actor(self.request)
            )
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = services.designation_update(
                designation=serializer.instance,
                **serializer.validated_data,
                actor=_actor(self.request),
            )
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc

    def perform_destroy(self, instance):
        services.designation_delete(designation=instance, actor=_actor(self.request))
