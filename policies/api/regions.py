from django.conf import settings
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from policies.models import Region
from policies.regions import DEFAULT_LIMIT, MAX_LIMIT, region_search


class RegionSearchParams(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="汉字（名称或全称的一部分）、拼音或拼音首字母前缀、或代码前缀。",
    )
    for_legs = serializers.BooleanField(
        required=False,
        default=False,
        help_text="只返回可作为行程地区的现行县级单位（不含已撤销的代码），并排除本辖区。",
    )
    # Above MAX_LIMIT is clamped rather than refused: a picker asking for more is not an error.
    limit = serializers.IntegerField(required=False, default=DEFAULT_LIMIT, min_value=1)


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "full_name",
            "level",
            "county_level",
            "retired",
            "name_en",
            "full_name_en",
        ]
        extra_kwargs = {
            "name_en": {"help_text": "由拼音生成的英文名称，如 Guangling District。"},
            "full_name_en": {
                "help_text": "英文名称加所属地市和省份，如 Guangling District, Yangzhou, Jiangsu。"
            },
        }


class RegionSearchView(APIView):
    """Public region search for pickers (the citizen form's leg fields, staff tools)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="regions_search",
        summary="Search GB/T 2260 regions (2021)",
        description=(
            "By Chinese name (substring of name or full name), pinyin or initials prefix "
            "(case-insensitive) or code prefix. Exact matches first, then name prefix, then "
            "the rest; within each, units in force before retired ones (codes changed during "
            "2021), then by code. `for_legs` leaves retired codes out: risk areas are "
            "designated under the codes in force, and a leg may only name one of those. "
            f"`limit` defaults to {DEFAULT_LIMIT} and is capped at {MAX_LIMIT}. An empty or "
            "too short query (one latin letter or digit) returns no results. `name_en` and "
            "`full_name_en` are the English names a picker shows English readers, next to "
            "the Chinese `name`."
        ),
        parameters=[RegionSearchParams],
        responses=inline_serializer(
            "RegionSearchResults", {"results": RegionSerializer(many=True)}
        ),
        examples=[
            OpenApiExample(
                "guangling",
                response_only=True,
                value={
                    "results": [
                        {
                            "code": "321002",
                            "name": "广陵区",
                            "full_name": "江苏省扬州市广陵区",
                            "level": "county",
                            "county_level": True,
                            "retired": False,
                            "name_en": "Guangling District",
                            "full_name_en": "Guangling District, Yangzhou, Jiangsu",
                        }
                    ]
                },
            )
        ],
        auth=[],
    )
    def get(self, request):
        params = RegionSearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        regions = region_search(
            query=params.validated_data["q"],
            for_legs=params.validated_data["for_legs"],
            jurisdiction=settings.PORTAL_JURISDICTION,
            limit=params.validated_data["limit"],
        )
        response = Response({"results": RegionSerializer(regions, many=True).data})
        # The table only changes with a migration, so browsers and proxies may keep answers.
        patch_cache_control(response, public=True, max_age=3600)
        return response
