"""Region search for pickers (by Chinese name, pinyin, pinyin initials or code prefix),
and the in-process table of every region that validation and snapshots read.

The region table only changes by migration (the admin shows it read-only), so each
process loads it once (``region_table``, one query of about 3,200 rows) instead of
asking the database on every submit. Saving or deleting a ``Region`` and running
migrations clear it in that process (``forget_region_table``, connected in
``PoliciesConfig.ready``); other processes pick a new table up when they restart,
which every deployment of a migration does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from policies.models import Region, region_label, significant_prefix

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
# One Chinese character already narrows a picker ("沙" -> 沙县, 沙河...); one latin letter or
# digit matches hundreds of rows and says nothing yet.
MIN_LATIN_LENGTH = 2

_SEPARATORS = re.compile(r"[\s'’·,，-]+")
_WORDS = re.compile(r"[\s,，]+")


def region_search(
    *,
    query: str,
    for_legs: bool = False,
    jurisdiction: str | None = None,
    limit: int = DEFAULT_LIMIT,
    retired_legs: bool = False,
) -> list[Region]:
    """Regions matching ``query``, best first, at most ``limit`` (capped at MAX_LIMIT).

    - digits: code prefix ("3210" -> Yangzhou and its districts);
    - latin letters: prefix of the pinyin ("guangling") or of its initials ("glq"),
      case-insensitive, spaces and apostrophes ignored; or words of the English full
      name ("Guangling District", "yangzhou": the city's units);
    - anything else: substring of the name or the full name ("广陵", "扬州市广陵"); words
      separated by spaces must each occur ("扬州 广陵").

    Order: exact match (code, name, full name, pinyin or initials), then names starting with
    the query (pinyin prefix for latin queries), then the rest; within each, units in force
    before retired ones, then by code.

    ``for_legs`` keeps what a leg may name: county-level units in force outside
    ``jurisdiction``. Risk areas are designated under the codes in force, so a leg in a
    retired county would never meet one and read "allowed". ``retired_legs`` adds the
    retired ones back, for a form that tells a person who typed one that it is gone.
    """
    query = (query or "").strip()
    if "\x00" in query:
        return []  # no name holds one, and PostgreSQL refuses it in a parameter
    limit = max(1, min(limit, MAX_LIMIT))
    words: list[str] = []
    compact = _SEPARATORS.sub("", query)
    if compact.isascii() and (compact.isdigit() or compact.isalpha()):
        # Latin letters are pinyin or English: "guanglingqu", "Guangling District",
        # "yangzhou" (the counties of the city, as 扬州 finds them).
        words = [word for word in _WORDS.split(query.lower()) if word]
        query = compact
        if len(query) < MIN_LATIN_LENGTH:
            return []
    elif not query:
        return []

    regions = Region.objects.all()
    if for_legs:
        regions = regions.leg_level()
        if not retired_legs:
            regions = regions.filter(retired=False)
        if jurisdiction:
            regions = regions.exclude(code__startswith=significant_prefix(jurisdiction))
    return list(_ranked(regions, query, words).order_by("rank", "retired", "code")[:limit])


def _ranked(regions: QuerySet[Region], query: str, words=()) -> QuerySet[Region]:
    if query.isascii() and query.isdigit():
        return regions.filter(code__startswith=query).annotate(
            rank=Case(
                When(code=query, then=Value(0)), default=Value(2), output_field=IntegerField()
            )
        )
    if query.isascii() and query.isalpha():
        query = query.lower()
        english = Q()
        for word in words:
            english &= Q(full_name_en__icontains=word)
        return regions.filter(
            Q(pinyin__startswith=query) | Q(initials__startswith=query) | english
        ).annotate(
            rank=Case(
                When(Q(pinyin=query) | Q(initials=query), then=Value(0)),
                When(
                    Q(pinyin__startswith=query) | Q(name_en__istartswith=" ".join(words)),
                    then=Value(1),
                ),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
    # name is the tail of full_name, so a substring test on full_name covers both.
    for word in query.split():
        regions = regions.filter(full_name__contains=word)
    return regions.annotate(
        rank=Case(
            When(Q(name=query) | Q(full_name=query), then=Value(0)),
            When(name__startswith=query, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )


class RegionFacts(NamedTuple):
    """What validation, snapshots and pages need of a region row."""

    name: str
    county_level: bool
    retired: bool
    name_en: str = ""  # "Guangling District"
    full_name_en: str = ""  # "Guangling District, Yangzhou, Jiangsu"


_table: Mapping[str, RegionFacts] | None = None


def region_table() -> Mapping[str, RegionFacts]:
    """Every region (retired ones included) by code; loaded once per process."""
    global _table
    table = _table
    if table is None:
        rows = Region.objects.order_by().values_list(
            "code", "name", "county_level", "retired", "name_en", "full_name_en"
        )
        table = MappingProxyType({row[0]: RegionFacts(*row[1:]) for row in rows})
        _table = table
    return table


def region_display_name(code: str, language: str | None, *, context: bool = True) -> str:
    """The name of region ``code`` for a reader of ``language``.

    Chinese readers get the name (广陵区), as pages always showed it; English readers the
    English name with the Chinese beside it, with its prefecture and province when
    ``context`` ("Guangling District, Yangzhou, Jiangsu (广陵区)"), else alone
    ("Guangling District (广陵区)"). An unknown code is returned as it is.
    """
    facts = region_table().get(code)
    if facts is None:
        return code
    english = facts.full_name_en if context else facts.name_en
    return region_label(facts.name, facts.name, english, language)


def forget_region_table(**kwargs) -> None:
    """Drop the loaded table: the next ``region_table()`` reads the database again.

    A signal receiver too (``Region`` saved or deleted, migrations run)."""
    global _table
    _table = None
