"""Admin registrations of the travellers app, one module per area."""

from travellers import admin_declarations, admin_pipeline  # noqa: F401
