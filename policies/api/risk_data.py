from rest_framework import viewsets

from policies.models import Designation, RiskArea


class RiskAreaViewSet(viewsets.GenericViewSet):
    queryset = RiskArea.objects.none()


class DesignationViewSet(viewsets.GenericViewSet):
    queryset = Designation.objects.none()
