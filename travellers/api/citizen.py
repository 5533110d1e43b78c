"""Citizen endpoints: submit a declaration, look one up. (Filled in by the declarations work.)"""


class CitizenDeclarationMixin:
    """Provides `create` (POST /api/v1/declarations/) and the `lookup` action."""
