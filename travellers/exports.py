"""CSV of a staff member's (already scoped and filtered) list of declarations.

Identity numbers, phones and names leave the portal masked only; follow-up
notes stay out, since staff may write personal details in them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from travellers.follow_up import answer_changed_since_follow_up, current_measures_end
from travellers.models import Declaration

CHUNK_SIZE = 500
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _header() -> list[str]:
    return [
        _("查询码"),
        _("姓名"),
        _("证件类型"),
        _("证件号码"),
        _("手机号码"),
        _("社区代码"),
        _("所属社区"),
        _("抵京日期"),
        _("评估结果"),
        _("可进京日期"),
        _("当前措施截止"),
        _("下次复核日期"),
        _("跟进状态"),
        _("跟进时间"),
        _("结果已变，待重新跟进"),
    ]


def _row(declaration: Declaration, today) -> list[str]:
    community = declaration.community
    follow_up_at = declaration.follow_up_at
    measures_end = current_measures_end(declaration.result, on=today)
    return [
        declaration.reference,
        declaration.masked_name,
        declaration.get_id_type_display(),
        declaration.masked_id_number,
        declaration.masked_phone,
        community.code if community else "",
        community.name if community else "",
        declaration.arrival_date.isoformat(),
        declaration.get_outcome_display(),
        declaration.entry_allowed_from.isoformat() if declaration.entry_allowed_from else "",
        measures_end.isoformat() if measures_end else "",
        declaration.next_review_on.isoformat() if declaration.next_review_on else "",
        declaration.get_follow_up_status_display(),
        timezone.localtime(follow_up_at).strftime("%Y-%m-%d %H:%M") if follow_up_at else "",
        _("是") if declaration.answer_changed_on_export else _("否"),
    ]


def _safe(value: str) -> str:
    value = str(value)
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def declaration_csv_lines(declarations: QuerySet[Declaration]) -> Iterator[str]:
    """The CSV text line by line, header first; reads the rows in chunks."""
    writer = csv.writer(_Echo())
    # The byte-order mark makes spreadsheet programs read the Chinese text as UTF-8.
    yield "\ufeff" + writer.writerow(_header())
    rows = (
        declarations.select_related("community")
        .annotate(answer_changed_on_export=answer_changed_since_follow_up())
        .iterator(chunk_size=CHUNK_SIZE)
    )
    # One day for the whole file, also when it is read across midnight.
    today = timezone.localdate()
    for declaration in rows:
        yield writer.writerow([_safe(cell) for cell in _row(declaration, today)])


def declaration_csv_response(declarations: QuerySet[Declaration]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        declaration_csv_lines(declarations), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="declarations-{stamp}.csv"'
    # The list holds personal data, even masked: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response
