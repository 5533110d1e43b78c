from django.urls import path
from rest_framework.routers import SimpleRouter

from policies.api import evaluate, policy_versions, regions, risk_data

router = SimpleRouter()
router.register("risk-areas", risk_data.RiskAreaViewSet, basename="risk-area")
router.register("designations", risk_data.DesignationViewSet, basename="designation")
router.register("policy-versions", policy_versions.PolicyVersionViewSet, basename="policy-version")

urlpatterns = [
    path("regions/", regions.RegionSearchView.as_view(), name="region-search"),
    path("evaluate/", evaluate.EvaluateView.as_view(), name="evaluate"),
    *router.urls,
]
