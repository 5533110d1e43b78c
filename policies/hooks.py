"""Seams through which other apps extend the policies admin without being imported by it.

``policies`` never imports ``travellers`` (see docs/architecture): the travellers
app fills these in its ``AppConfig.ready``; when a hook is ``None`` the admin
simply leaves its part out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

# IMPACT_PREVIEW(*, add: list[dict], lift: list[int], on: date) -> report
#   add: risk areas that would be created, each {"region", "name", "level",
#        "designated_on"} (region: county code; designated_on: date);
#   lift: ids of risk areas that would be lifted on ``on``.
#   The report is rendered with ``IMPACT_TEMPLATE`` as ``{{ impact }}``.
IMPACT_PREVIEW: Callable[..., object] | None = None
# DESIGNATION_IMPACT_PREVIEW(*, add: list[dict], remove: list[int], on: date) -> report
#   add: designations that would be in force, each {"kind", "region", "valid_from",
#        "valid_until"} (region: a code of any level; dates: date or None);
#   remove: ids of designations that would be gone (deleted, or replaced by an ``add``).
#   The same kind of report as IMPACT_PREVIEW's.
DESIGNATION_IMPACT_PREVIEW: Callable[..., object] | None = None
# Template that renders the report above (context variable ``impact``).
IMPACT_TEMPLATE: str | None = None
# RUNS_URL(change_id: int) -> str: the admin list of the re-evaluation runs that the
#   change row starts (empty until the run starts, after commit or on its day).
RUNS_URL: Callable[[int], str] | None = None


def impact_preview(*, add: list[dict], lift: list[int], on: date):
    """The impact report of a pending risk-data change, or None when no app provides one."""
    if IMPACT_PREVIEW is None:
        return None
    return IMPACT_PREVIEW(add=add, lift=lift, on=on)


def designation_impact_preview(*, add: list[dict], remove: list[int], on: date):
    """The impact report of a pending designation change, or None when no app provides one."""
    if DESIGNATION_IMPACT_PREVIEW is None:
        return None
    return DESIGNATION_IMPACT_PREVIEW(add=add, remove=remove, on=on)


def runs_url(change_id: int) -> str | None:
    """Where staff follow the re-evaluation of a change row, or None without the app."""
    if RUNS_URL is None:
        return None
    return RUNS_URL(change_id)
