"""Staff endpoints: list, read and follow up declarations, scoped to the staff member's
communities. (Filled in by the back-office work.)"""


class StaffDeclarationMixin:
    """Provides `list`, `retrieve` and `partial_update` (follow-up fields only)."""
