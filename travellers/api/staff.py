"""Staff endpoints: list, read and follow up declarations, scoped to the staff member's
communities (``travellers.scoping``). Personal data leaves masked only."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from travellers import scoping
from travellers.evaluation import api_result
from travellers.follow_up import NOTE_MAX_LENGTH, declaration_follow_up
from travellers.models import (
    Community,
    Declaration,
    DeclarationEvent,
    DeclarationKind,
    Evaluation,
    EventKind,
    FollowUpNote,
    FollowUpStatus,
    Leg,
    Outcome,
)

STAFF_ACTIONS = frozenset({"list", "retrieve", "partial_update"})


class DeclarationStaffPermission(permissions.BasePermission):
    """Staff who may see declarations at all; follow-up also needs the change permission."""

    def has_permission(self, request, view):
        user = request.user
        if not (scoping.sees_all(user) or scoping.is_community_staff(user)):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return user.has_perm("travellers.change_declaration")


def _inline_enum(values):
    """A read-only string documented with its values; for choice fields whose name
    (``outcome``, an event's ``kind``) other enums of the API use for other value sets."""

    @extend_schema_field({"type": "string", "enum": list(values)})
    class InlineEnumField(serializers.CharField):
        pass

    return InlineEnumField(read_only=True)


class CommunityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ("code", "name")


class StaffLegSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.full_name", read_only=True)

    class Meta:
        model = Leg
        fields = ("position", "region", "region_name", "start_date", "end_date")


class HistoryEntrySerializer(serializers.ModelSerializer):
    policy_version = serializers.CharField(source="policy_version.code", read_only=True)
    outcome = _inline_enum(Outcome.values)

    class Meta:
        model = Evaluation
        fields = (
            "created_at",
            "trigger",
            "outcome",
            "entry_allowed_from",
            "next_review_on",
            "policy_version",
        )


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.get_username", read_only=True, default=None)
    kind = _inline_enum(EventKind.values)

    class Meta:
        model = DeclarationEvent
        fields = ("created_at", "kind", "actor", "data")


class FollowUpNoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", read_only=True, default=None)

    class Meta:
        model = FollowUpNote
        fields = ("created_at", "author", "status", "text")


class StaffDeclarationListSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="masked_name", read_only=True)
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    community = CommunityRefSerializer(read_only=True)
    # A plain string in the schema: an enum would clash with the evaluate request's ``kind``.
    kind = serializers.CharField(read_only=True, help_text=" | ".join(DeclarationKind.values))
    # Empty only for a declaration not evaluated yet.
    outcome = _inline_enum(["", *Outcome.values])

    class Meta:
        model = Declaration
        fields = (
            "reference",
            "kind",
            "name",
            "id_type",
            "id_number",
            "arrival_date",
            "community",
            "outcome",
            "entry_allowed_from",
            "next_review_on",
            "follow_up_status",
            "follow_up_at",
        )
        read_only_fields = fields


class StaffDeclarationDetailSerializer(StaffDeclarationListSerializer):
    phone = serializers.CharField(source="masked_phone", read_only=True)
    residence_region = serializers.CharField(source="residence_region_id", read_only=True)
    policy_version = serializers.CharField(source="policy_version.code", read_only=True)
    legs = StaffLegSerializer(many=True, read_only=True)
    history = HistoryEntrySerializer(source="evaluations", many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    follow_up_notes = FollowUpNoteSerializer(many=True, read_only=True)
    follow_up_by = serializers.CharField(
        source="follow_up_by.get_username", read_only=True, default=None
    )
    result = serializers.SerializerMethodField()

    class Meta(StaffDeclarationListSerializer.Meta):
        fields = (
            *StaffDeclarationListSerializer.Meta.fields,
            "phone",
            "residence_region",
            "health_code",
            "commuter",
            "contact_status",
            "legs",
            "policy_version",
            "evaluated_at",
            "result",
            "history",
            "events",
            "follow_up_note",
            "follow_up_notes",
            "follow_up_by",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_result(self, declaration) -> dict | None:
        """The evaluate response of the current answer, as the citizen was given it."""
        return api_result(declaration.result) if declaration.result else None


class FollowUpSerializer(serializers.Serializer):
    follow_up_status = serializers.ChoiceField(choices=FollowUpStatus.choices, required=False)
    follow_up_note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="A note to add to the declaration's follow-up notes (earlier notes stay).",
    )

    def to_internal_value(self, data):
        if not hasattr(data, "keys"):
            raise ValidationError({"non_field_errors": [_("请求体须为 JSON 对象。")]})
        unknown = sorted(set(data.keys()) - set(self.fields))
        if unknown:
            # Citizen data is read-only for staff: say so instead of silently ignoring it.
            raise ValidationError({name: [_("只能修改跟进状态和跟进备注。")] for name in unknown})
        if not data:
            raise ValidationError({"non_field_errors": [_("没有要修改的字段。")]})
        return super().to_internal_value(data)


class ScopedCommunityField(serializers.SlugRelatedField):
    """A community code among those the requesting user may see.

    Looked up in the user's communities only, so that a code that exists elsewhere is
    answered like one that does not exist at all: the filter must not tell a community
    worker which other communities there are.
    """

    default_error_messages = {
        "does_not_exist": _("您可查看的社区中没有代码为“{value}”的社区。"),
        "invalid": _("社区代码无效。"),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return scoping.communities_for(self.context["request"].user)


class StaffListQuerySerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    community = ScopedCommunityField(required=False)
    arrival_from = serializers.DateField(required=False)
    arrival_to = serializers.DateField(required=False)

    def validate(self, attrs):
        start, end = attrs.get("arrival_from"), attrs.get("arrival_to")
        if start and end and start > end:
            raise ValidationError({"arrival_to": [_("结束日期不能早于开始日期。")]})
        return attrs


LIST_PARAMETERS = [
    OpenApiParameter("outcome", OpenApiTypes.STR, enum=Outcome.values),
    OpenApiParameter("community", OpenApiTypes.STR, description="community code"),
    OpenApiParameter("arrival_from", OpenApiTypes.DATE),
    OpenApiParameter("arrival_to", OpenApiTypes.DATE),
]


class StaffDeclarationMixin:
    """Provides `list`, `retrieve` and `partial_update` (follow-up fields only).

    Each hook answers for the staff actions and defers to the next class for the
    others, so the citizen side composes with it in one viewset.
    """

    def get_permissions(self):
        if self.action in STAFF_ACTIONS:
            return [DeclarationStaffPermission()]
        return super().get_permissions()

    def get_throttles(self):
        if self.action in STAFF_ACTIONS:
            # Authenticated staff only; the citizen scopes do not apply.
            return []
        return super().get_throttles()

    def get_queryset(self):
        if self.action not in STAFF_ACTIONS:
            return super().get_queryset()
        declarations = scoping.declarations_for(self.request.user).select_related("community")
        if self.action == "list":
            return declarations
        return declarations.select_related("policy_version", "follow_up_by").prefetch_related(
            "legs__region",
            "evaluations__policy_version",
            "events__actor",
            "follow_up_notes__author",
        )

    def get_serializer_class(self):
        if self.action == "list":
            return StaffDeclarationListSerializer
        if self.action in ("retrieve", "partial_update"):
            return StaffDeclarationDetailSerializer
        return super().get_serializer_class()

    @extend_schema(
        summary="Declarations of the staff member's communities",
        parameters=LIST_PARAMETERS,
        responses=StaffDeclarationListSerializer(many=True),
    )
    def list(self, request, *args, **kwargs):
        query = StaffListQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        declarations = self.get_queryset()
        filters = query.validated_data
        if "outcome" in filters:
            declarations = declarations.filter(outcome=filters["outcome"])
        if "community" in filters:
            declarations = declarations.filter(community=filters["community"])
        if "arrival_from" in filters:
            declarations = declarations.filter(arrival_date__gte=filters["arrival_from"])
        if "arrival_to" in filters:
            declarations = declarations.filter(arrival_date__lte=filters["arrival_to"])
        page = self.paginate_queryset(declarations)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        summary="One declaration: masked personal data, current result, history",
        responses=StaffDeclarationDetailSerializer,
    )
    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Record follow-up (status and note only)",
        request=FollowUpSerializer,
        responses=StaffDeclarationDetailSerializer,
    )
    def partial_update(self, request, *args, **kwargs):
        declaration = self.get_object()
        follow_up = FollowUpSerializer(data=request.data)
        follow_up.is_valid(raise_exception=True)
        data = follow_up.validated_data
        try:
            declaration_follow_up(
                declaration=declaration,
                status=data.get("follow_up_status"),
                note=data.get("follow_up_note", ""),
                actor=request.user,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        # Read again through the scoped queryset, with the new event in the history.
        return Response(self.get_serializer(self.get_object()).data)
