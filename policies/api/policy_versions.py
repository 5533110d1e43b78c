from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from policies.api.exceptions import no_policy_message
from policies.models import PolicyRule, PolicyVersion


class PolicyRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyRule
        fields = ("position", "kind", "params", "citation")


class PolicyVersionSerializer(serializers.ModelSerializer):
    rules = PolicyRuleSerializer(many=True, read_only=True)

    class Meta:
        model = PolicyVersion
        fields = (
            "code",
            "title",
            "title_en",
            "effective_from",
            "status",
            "published_at",
            "source",
            "rules",
        )


class InForceQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, default=None)


class PolicyVersionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Policy versions with their ordered rules: published ones for everyone, drafts for staff
    who may view them in the admin."""

    serializer_class = PolicyVersionSerializer
    lookup_field = "code"

    def get_queryset(self):
        versions = PolicyVersion.objects.prefetch_related("rules").order_by(
            "-effective_from", "code"
        )
        # The admin's right, not the staff flag: community workers are staff too, and
        # unpublished versions are the health office's.
        if self.request.user.has_perm("policies.view_policyversion"):
            return versions
        return versions.published()

    @extend_schema(
        summary="The published policy version in force on a date",
        parameters=[
            OpenApiParameter("on", OpenApiTypes.DATE, description="default: today in Asia/Shanghai")
        ],
        responses={
            200: PolicyVersionSerializer,
            400: OpenApiResponse(description="Malformed date."),
            404: OpenApiResponse(description="No published version in force on that date."),
        },
    )
    @action(detail=False, url_path="in-force", pagination_class=None)
    def in_force(self, request):
        query = InForceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data["on"] or timezone.localdate()
        version = PolicyVersion.objects.in_force(on=on)
        if version is None:
            raise NotFound(no_policy_message(on))
        return Response(PolicyVersionSerializer(version).data)
