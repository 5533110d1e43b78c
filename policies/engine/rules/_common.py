"""Helpers several rule kinds share: compiled measure steps and reason building."""

from __future__ import annotations

from collections.abc import Mapping

from policies.engine.findings import condition
from policies.engine.types import Reason


def steps_of(measures) -> tuple[tuple[str, int], ...]:
    """Normalised ``[{"kind", "days"}]`` params -> ``((kind, days), ...)``."""
    return tuple((step["kind"], step["days"]) for step in measures)


def home_to_central(steps):
    return tuple(
        ("central_observation" if kind == "home_observation" else kind, days)
        for kind, days in steps
    )


def unmet_conditions(codes) -> tuple:
    """Conditions the engine cannot check itself (the community does): met unknown."""
    return tuple(condition(code, None) for code in codes)


def reason(
    rule,
    *,
    zh: str,
    en: str,
    region: str | None = None,
    region_name: str | None = None,
    risk_areas: tuple[str, ...] = (),
    designation: str | None = None,
) -> Reason:
    return Reason(
        rule=rule.kind,
        text_zh=zh,
        text_en=en,
        region=region,
        region_name=region_name,
        risk_areas=risk_areas,
        designation=designation,
        citation=rule.citation,
    )


class CompiledRule:
    """Base of every compiled rule: its kind, its citation and its normalised params."""

    __slots__ = ("citation", "kind", "params")

    def __init__(self, kind: str, params: Mapping, citation: str):
        self.kind = kind
        self.params = params
        self.citation = citation
