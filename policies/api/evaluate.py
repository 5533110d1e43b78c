from rest_framework.views import APIView


class EvaluateView(APIView):
    """Placeholder until the evaluate endpoint lands."""
