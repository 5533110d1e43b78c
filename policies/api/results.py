"""An engine ``Result`` as the JSON of the evaluate contract.

Plain dict building rather than a serializer: the re-evaluation pipeline builds this for
every declaration it touches. ``EvaluateResponseSerializer`` documents the same shape for
the OpenAPI schema (a test holds the two together).
"""

from __future__ import annotations

from datetime import date

from policies.engine.types import Reason, Result


def is_english(language: str | None) -> bool:
    return bool(language) and language.lower().startswith("en")


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
