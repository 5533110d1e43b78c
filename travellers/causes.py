"""Why an answer changed, in the reader's words: the cause and the places it concerns,
for the change emails and the status page's history (one wording for both)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from policies.models import ChangeKind
from policies.regions import region_display_name
from travellers.models import Evaluation, EvaluationTrigger


def _amended_by_lead(evaluation, declaration) -> bool:
    """Whether a companion's amended answer came with its lead's amendment: the lead's
    amendment evaluates the whole family at one moment (``declaration_amend``)."""
    return Evaluation.objects.filter(
        declaration_id=declaration.lead_id,
        trigger=EvaluationTrigger.AMENDED,
        created_at=evaluation.created_at,
    ).exists()


def change_cause(evaluation, declaration) -> str:
    change = evaluation.change
    if change is None:
        if evaluation.trigger == EvaluationTrigger.AMENDED:
            if declaration.lead_id is not None:
                # A companion's mail reaches the lead, who changed nothing of the
                # companion's own when amending the shared trip.
                if _amended_by_lead(evaluation, declaration):
                    return _("申报人修改了共同的行程或抵京日期。")
                return _("已用同行人的查询码修改了申报内容。")
            return _("您修改了申报内容。")
        if evaluation.trigger == EvaluationTrigger.REEVALUATED:
            # The daily review: a date of the answer itself came (a measure ended).
            return _("管控期限等日期已到，系统按今天的情况重新评估了您的申报。")
        return ""
    if change.kind == ChangeKind.DATES_PASSED:
        return _("风险地区或地区认定按其日期开始或结束。")
    return str(change.get_kind_display())


_RISK_AREA_KINDS = frozenset(
    {
        ChangeKind.RISK_AREA_CREATED,
        ChangeKind.RISK_AREA_UPDATED,
        ChangeKind.RISK_AREA_LIFTED,
        ChangeKind.RISK_AREA_DELETED,
    }
)
_DESIGNATION_KINDS = frozenset(
    {
        ChangeKind.DESIGNATION_CREATED,
        ChangeKind.DESIGNATION_UPDATED,
        ChangeKind.DESIGNATION_DELETED,
    }
)


def change_places(change, old, shown, language: str) -> tuple[list[str], list[str]]:
    """(counties, risk areas) the change concerns, for a reader of ``language``.

    Named from the change itself where it says (a lifted area is gone from the new
    answer's reasons, yet it is what changed), else from the old and new answers'
    reasons; none for a change that is not about places (an amendment, a new policy
    version, a measure's end)."""
    if change is None:
        return [], []
    if change.kind in _RISK_AREA_KINDS or change.kind in _DESIGNATION_KINDS:
        rows = [row for row in (change.before, change.after) if row]
        counties = [region_display_name(row["region"], language, context=False) for row in rows]
        areas = [row["name"] for row in rows if change.kind in _RISK_AREA_KINDS]
        return list(dict.fromkeys(counties)), list(dict.fromkeys(areas))
    if change.kind == ChangeKind.RISK_AREAS_IMPORTED:
        # Of an import's many areas, those this traveller's answers name (a lifted one
        # is in the old answer's reasons, a new one in the new answer's).
        # By county and name: a common area name ("幸福小区") is in many counties.
        named = {
            (reason.region, area)
            for answer in (old, shown)
            if answer
            for reason in answer.reasons
            for area in reason.risk_areas
        }
        rows = [
            row
            for part in (change.after or {}).get("parts", ())
            for row in (part["before"], part["after"])
            if row and (row["region"], row["name"]) in named
        ]
        counties = [region_display_name(row["region"], language, context=False) for row in rows]
        return list(dict.fromkeys(counties)), list(dict.fromkeys(row["name"] for row in rows))
    if change.kind == ChangeKind.DATES_PASSED:
        answers = [answer for answer in (old, shown) if answer]
        counties = [name for answer in answers for name in answer.counties]
        areas = [area for answer in answers for area in answer.risk_areas]
        return list(dict.fromkeys(counties)), list(dict.fromkeys(areas))
    return [], []
