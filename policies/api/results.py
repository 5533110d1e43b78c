"""An engine ``Result`` as the JSON of the evaluate contract.

Plain dict building rather than a serializer: the re-evaluation pipeline builds this for
every declaration it touches. ``EvaluateResponseSerializer`` documents the same shape for
the OpenAPI schema (a test holds the two together).
"""

from __future__ import annotations

import re
from datetime import date

from policies.engine.types import Reason, Result
from policies.regions import region_display_name, region_table


def is_english(language: str | None) -> bool:
    return bool(language) and language.lower().startswith("en")


def english_place_names(text: str, reason: dict) -> str:
    """An English reason text with its region names in English.

    The engine writes the Chinese names of its risk data into both texts ("You stayed in
    广陵区 within 14 days..."), and stored results keep them, so the names are swapped here,
    for results old and new alike: the reason's region, the first time with its prefecture,
    province and Chinese name ("Guangling District, Yangzhou, Jiangsu (广陵区)"), then the
    regions containing it that a designation names ("part of a city with cases (Yangzhou
    City)"). Risk area names stay as they are, even when they start with a county's name.
    """
    code = reason.get("region")
    if not code or not text:
        return text
    table = region_table()
    english = {}
    for enclosing in (code, code[:4] + "00", code[:2] + "0000"):
        facts = table.get(enclosing)
        if facts is not None and facts.name_en:
            english.setdefault(facts.name, facts.name_en)
    own = reason.get("region_name") or ""
    if own not in english:
        return text
    areas = [area for area in reason.get("risk_areas") or () if area]
    # Longest first at each position; an area's name is matched before a region's.
    names = sorted(areas, key=len, reverse=True) + sorted(english, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(name) for name in names))
    kept = set(areas)
    named = False

    def swap(match: re.Match) -> str:
        nonlocal named
        name = match.group(0)
        if name in kept:
            return name
        if name == own and not named:
            named = True
            return region_display_name(code, "en")
        return english[name]

    return pattern.sub(swap, text)


def with_english_place_names(data: dict) -> dict:
    """An English evaluate response (``result_to_dict``) with its reasons' place names
    in English, for the API's readers: done when answering, not stored, since stored
    texts keep the Chinese names that ``english_place_names`` looks for."""
    for reason in data.get("reasons") or ():
        reason["text"] = english_place_names(reason.get("text") or "", reason)
    return data


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _reason_to_dict(reason: Reason, english: bool) -> dict:
    return {
        "rule": reason.rule,
        "region": reason.region,
        "region_name": reason.region_name,
        "text": reason.text_en if english and reason.text_en else reason.text_zh,
        "risk_areas": list(reason.risk_areas),
        "designation": reason.designation,
        "citation": reason.citation,
    }


def result_to_dict(result: Result, language: str | None) -> dict:
    """The evaluate response for ``result``; reason texts in English when ``language``
    is English (``en``, ``en-us``...), else Chinese."""
    english = is_english(language)
    return {
        "outcome": result.outcome,
        "entry_allowed_from": _iso(result.entry_allowed_from),
        "measures": [
            {
                "kind": measure.kind,
                "start": measure.start.isoformat(),
                "end": measure.end.isoformat(),
            }
            for measure in result.measures
        ],
        "conditions": [
            {"code": condition.code, "met": condition.met} for condition in result.conditions
        ],
        "reasons": [_reason_to_dict(reason, english) for reason in result.reasons],
        "policy_version": {
            "code": result.policy_code,
            "effective_from": result.policy_effective_from.isoformat(),
        },
        "next_review_on": _iso(result.next_review_on),
    }
