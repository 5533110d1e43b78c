from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from policies.api.exceptions import NoPolicyInForceError
from policies.api.parsers import LocalisedJSONParser
from policies.api.results import is_english, result_to_dict, with_english_place_names
from policies.api.serializers import EvaluateRequestSerializer, EvaluateResponseSerializer
from policies.api.throttles import ClientRateThrottle
from policies.snapshots import NoPolicyInForce, declaration_facts_from_dict, evaluate_facts

_ERROR = {"type": "object", "additionalProperties": True}


class EvaluateView(APIView):
    """What applies to a traveller on a date: stateless, nothing is stored."""

    # Public and stateless: no session, hence no CSRF token needed; throttled per IP.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    parser_classes = (LocalisedJSONParser,)
    throttle_classes = (ClientRateThrottle,)
    throttle_scope = "evaluate"

    @extend_schema(
        operation_id="evaluate",
        summary="Evaluate a declaration against the policy in force",
        request=EvaluateRequestSerializer,
        responses={
            200: EvaluateResponseSerializer,
            400: OpenApiResponse(_ERROR, description="Per-field messages; legs as a list."),
            422: OpenApiResponse(_ERROR, description="No policy version in force on as_of."),
            429: OpenApiResponse(_ERROR, description="Too many requests from this client."),
        },
        examples=[
            OpenApiExample(
                "Pre-travel, stayed in a high-risk county",
                request_only=True,
                value={
                    "kind": "pre_travel",
                    "as_of": "2021-08-08",
                    "arrival_date": "2021-08-10",
                    "health_code": "green",
                    "legs": [
                        {"region": "321002", "start_date": "2021-07-25", "end_date": "2021-08-01"}
                    ],
                },
            )
        ],
    )
    def post(self, request):
        serializer = EvaluateRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = evaluate_facts(declaration_facts_from_dict(data), as_of=data["as_of"])
        except NoPolicyInForce as exc:
            raise NoPolicyInForceError(exc.on) from exc
        language = get_language()
        body = result_to_dict(result, language)
        return Response(with_english_place_names(body) if is_english(language) else body)
