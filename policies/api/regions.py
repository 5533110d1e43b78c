from rest_framework.views import APIView


class RegionSearchView(APIView):
    """Placeholder until the region search lands."""
