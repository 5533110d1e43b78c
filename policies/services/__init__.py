"""Every write to the data the engine reads, as ``<entity>_<action>`` functions.

Views, serializers, admin actions and commands call these and nothing else, so
that each write records exactly one ``RiskDataChange`` in the same transaction.
Callers pass keyword arguments only; ``actor`` is the staff user (or None for
system writes such as ``seed_demo``). Validation failures raise Django's
``ValidationError`` with field errors and write nothing.
"""

from policies.services.changes import CHANGE_LISTENERS, notify_listeners
from policies.services.policy_versions import policy_version_clone, policy_version_publish
from policies.services.risk_data import (
    designation_create,
    designation_delete,
    designation_update,
    risk_area_create,
    risk_area_delete,
    risk_area_lift,
    risk_area_update,
)

__all__ = [
    "CHANGE_LISTENERS",
    "designation_create",
    "designation_delete",
    "designation_update",
    "notify_listeners",
    "policy_version_clone",
    "policy_version_publish",
    "risk_area_create",
    "risk_area_delete",
    "risk_area_lift",
    "risk_area_update",
]
