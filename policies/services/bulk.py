"""A bulk import of risk areas as one transaction: all of it is written, or none of it.

Each write still goes through the single-area services, so every area created,
re-levelled or lifted is validated and keeps its history entry exactly as a hand
edit would; their change rows are recorded as one (``recorded_as_one``), so the
import is one re-evaluation run, held as a whole when it would change more answers
than the threshold, and a traveller touched by several of its areas gets one email.
The import re-checks what its preview saw: if the data changed in between (someone
lifted an area, added the same one), it refuses as a whole and the staff member
previews again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from policies.models import ChangeKind, RiskArea
from policies.services.changes import recorded_as_one
from policies.services.risk_data import risk_area_create, risk_area_lift, risk_area_update


@dataclass(frozen=True)
class ImportResult:
    created: int
    relevelled: int
    lifted: int


def _stale(message: str, **values) -> ValidationError:
    return ValidationError(
        _("预览之后风险数据已有变化，请重新预览。")
        + " "
        + (message % values if values else message)
    )


@transaction.atomic
def risk_areas_import(
    *,
    create: list[dict],
    relevel: list[dict],
    lift: list[int],
    on: date,
    source: str = "",
    actor=None,
) -> ImportResult:
    """Create ``create``, change the level of ``relevel``, lift ``lift`` on ``on``.

    ``create`` rows: region, name, level, designated_on. ``relevel`` rows add
    ``area_id`` and ``old_level``: an area designated before ``on`` is lifted on ``on``
    and a new one with the new level designated on ``on``, so the history keeps
    which level applied on which day; an area designated on ``on`` itself just
    changes level. Raises ``ValidationError`` (nothing written) on any failure.
    """
    # Stored, so in the site language like every change summary.
    summary = (
        f"批量导入风险地区：新增 {len(create)} 个，调整等级 {len(relevel)} 个，解除 {len(lift)} 个"
    )
    with recorded_as_one(kind=ChangeKind.RISK_AREAS_IMPORTED, summary=summary, actor=actor):
        active = RiskArea.objects.active(on=on)
        for row in create:
            if active.filter(region_id=row["region"], name=row["name"]).exists():
                raise _stale(_("“%(name)s”已经在风险地区名单上。"), name=row["name"])
            risk_area_create(
                region=row["region"],
                name=row["name"],
                level=row["level"],
                designated_on=row["designated_on"],
                source=source,
                actor=actor,
            )
        for row in relevel:
            area = (
                active.select_for_update().filter(pk=row["area_id"], level=row["old_level"]).first()
            )
            if area is None:
                raise _stale(_("“%(name)s”的风险等级或状态已被修改。"), name=row["name"])
            if area.designated_on < on:
                risk_area_lift(risk_area=area, lifted_on=on, actor=actor)
                risk_area_create(
                    region=area.region_id,
                    name=area.name,
                    level=row["level"],
                    designated_on=on,
                    source=source,
                    actor=actor,
                )
            else:
                risk_area_update(risk_area=area, level=row["level"], actor=actor)
        for area_id in lift:
            area = active.select_for_update().filter(pk=area_id).first()
            if area is None:
                raise _stale(_("第 %(id)s 号风险地区已不在名单上。"), id=area_id)
            risk_area_lift(risk_area=area, lifted_on=on, actor=actor)
    return ImportResult(created=len(create), relevelled=len(relevel), lifted=len(lift))
