from rest_framework import viewsets

from policies.models import PolicyVersion


class PolicyVersionViewSet(viewsets.GenericViewSet):
    queryset = PolicyVersion.objects.none()
