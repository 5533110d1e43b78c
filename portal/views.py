from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def health(request):
    """Liveness plus a database round trip, for the load balancer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def api_root(request):
    """Where the API's endpoints are, and its documentation: ``/api/v1/`` answered 404."""
    from django.urls import reverse

    def link(name, *args):
        return request.build_absolute_uri(reverse(name, args=args))

    return JsonResponse(
        {
            "evaluate": link("evaluate"),
            "declarations": link("declaration-list"),
            "declaration_lookup": link("declaration-lookup"),
            "regions": link("region-search"),
            "risk_areas": link("risk-area-list"),
            "designations": link("designation-list"),
            "policy_versions": link("policy-version-list"),
            "schema": link("api-schema"),
            "docs": link("api-docs"),
        }
    )
