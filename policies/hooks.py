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
# Template that renders the report above (context variable ``impact``).
IMPACT_TEMPLATE: str | None = None


def impact_preview(*, add: list[dict], lift: list[int], on: date):
    """The impact report of a pending risk-data change, or None when no app provides one."""
    if IMPACT_PREVIEW is None:
        return None
    return IMPACT_PREVIEW(add=add, lift=lift, on=on)
