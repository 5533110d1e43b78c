"""Celery tasks of the travellers app (autodiscovered as `travellers.tasks`).

Tasks take ids, load, call a service and own only their retry policy.
"""

from travellers.tasks.notices import *  # noqa: F403
from travellers.tasks.reevaluation import *  # noqa: F403
