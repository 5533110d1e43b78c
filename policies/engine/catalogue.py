"""The rule catalogue: which rule kinds exist and which parameters each one takes.

Staff write policy versions in the admin as a list of ``(kind, params)``; every
write goes through :func:`validate_rule`, which checks the parameters against the
schema of the kind, fills in defaults and returns the normalised parameters (plain
JSON values, safe to store in a ``JSONField``). The evaluator compiles only
normalised parameters, so a rule that passed here cannot fail at evaluation time.

Parameter shapes shared by several kinds:

- ``days``: a positive whole number of days, counted from the day of leaving
  (rulebook section 2).
- ``measures``: the measures that follow each other from the start day, e.g.
  ``[{"kind": "central_observation", "days": 14}, {"kind": "health_monitoring",
  "days": 7}]``; kinds from ``MEASURE_KINDS``.
- ``conditions``: condition codes from ``CONDITION_CODES``.
- ``designation``: a designation kind from ``DESIGNATION_KINDS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from policies.engine.types import (
    CONDITION_CODES,
    CONTACT_STATUSES,
    DECLARATION_KINDS,
    DESIGNATION_KINDS,
    HEALTH_CODES,
    MEASURE_KINDS,
    RISK_LEVELS,
)


def _(message: str) -> str:
    # Staff read these in the admin in their language; the engine itself must also
    # run without Django configured (benchmarks, scripts), where the source string is used.
    try:
        from django.utils.translation import gettext

        return gettext(message)
    except Exception:  # ImproperlyConfigured / AppRegistryNotReady outside a Django process
        return message


class RuleParamsError(ValueError):
    """Parameters that do not fit the rule kind; ``messages`` lists every problem found."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = list(messages)


_REQUIRED = object()


class _Problems:
    """Collects messages so that staff see every problem of a rule at once."""

    __slots__ = ("messages",)

    def __init__(self):
        self.messages: list[str] = []

    def add(self, message: str, **values) -> None:
        self.messages.append(_(message) % values if values else _(message))


# -- field validators: (value, name, problems) -> normalised value -------------------------


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_days(value, name, problems):
    if not _is_int(value) or value <= 0:
        problems.add(
            "参数“%(name)s”必须是正整数（天数），当前值：%(value)s。",
            name=name,
            value=_show(value),
        )
        return None
    return value


def _hours(value, name, problems):
    if not _is_int(value) or value <= 0 or value % 24:
        problems.add(
            "参数“%(name)s”必须是 24 的正整数倍（小时），当前值：%(value)s。",
            name=name,
            value=_show(value),
        )
        return None
    return value


def _boolean(value, name, problems):
    if not isinstance(value, bool):
        problems.add(
            "参数“%(name)s”必须是 true 或 false，当前值：%(value)s。",
            name=name,
            value=_show(value),
        )
        return None
    return value


def _choice(choices: tuple[str, ...], what: str) -> Callable:
    def validate(value, name, problems):
        if not isinstance(value, str) or value not in choices:
            problems.add(
                "参数“%(name)s”：未知的%(what)s“%(value)s”，可选值：%(choices)s。",
                name=name,
                what=_(what),
                value=_show(value),
                choices=", ".join(choices),
            )
            return None
        return value

    return validate


def _choice_list(choices: tuple[str, ...], what: str, *, non_empty: bool) -> Callable:
    def validate(value, name, problems):
        if not isinstance(value, list | tuple):
            problems.add("参数“%(name)s”必须是列表。", name=name)
            return None
        unknown = [item for item in value if not isinstance(item, str) or item not in choices]
        for item in unknown:
            problems.add(
                "参数“%(name)s”：未知的%(what)s“%(value)s”，可选值：%(choices)s。",
                name=name,
                what=_(what),
                value=_show(item),
                choices=", ".join(choices),
            )
        if unknown:
            return None
        if non_empty and not value:
            problems.add("参数“%(name)s”不能为空。", name=name)
            return None
        # Canonical order and no repeats, so equal rules store equal params.
        return [choice for choice in choices if choice in value]

    return validate


_levels = _choice_list(RISK_LEVELS, "风险等级", non_empty=True)
_conditions = _choice_list(CONDITION_CODES, "条件代码", non_empty=False)
_designation = _choice(DESIGNATION_KINDS, "地区认定类别")
_declaration_kind = _choice(DECLARATION_KINDS, "申报类型")
_health_code = _choice(HEALTH_CODES, "健康码颜色")


def _measures(value, name, problems):
    if not isinstance(value, list | tuple):
        problems.add("参数“%(name)s”必须是措施列表。", name=name)
        return None
    steps = []
    ok = True
    for number, step in enumerate(value, start=1):
        if not isinstance(step, Mapping) or set(step) != {"kind", "days"}:
            problems.add(
                "参数“%(name)s”第 %(number)s 项必须形如 "
                '{"kind": "central_observation", "days": 14}。',
                name=name,
                number=number,
            )
            ok = False
            continue
        kind = step["kind"]
        if not isinstance(kind, str) or kind not in MEASURE_KINDS:
            problems.add(
                "参数“%(name)s”第 %(number)s 项：未知的措施类别“%(value)s”，可选值：%(choices)s。",
                name=name,
                number=number,
                value=_show(kind),
                choices=", ".join(MEASURE_KINDS),
            )
            ok = False
        days = _positive_days(step["days"], f"{name}[{number}].days", problems)
        if days is None:
            ok = False
        steps.append({"kind": kind, "days": days})
    return steps if ok else None


def _optional_date(value, name, problems):
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    problems.add(
        "参数“%(name)s”必须是 YYYY-MM-DD 格式的日期或 null，当前值：%(value)s。",
        name=name,
        value=_show(value),
    )
    return _INVALID


_INVALID = object()


def _contact_statuses(value, name, problems):
    if not isinstance(value, Mapping) or not value:
        problems.add(
            "参数“%(name)s”必须是非空对象，键为接触状态（%(choices)s）。",
            name=name,
            choices=", ".join(CONTACT_STATUSES[1:]),
        )
        return None
    normalised = {}
    ok = True
    for status, spec in value.items():
        if status not in CONTACT_STATUSES[1:]:
            problems.add(
                "参数“%(name)s”：未知的接触状态“%(value)s”，可选值：%(choices)s。",
                name=name,
                value=_show(status),
                choices=", ".join(CONTACT_STATUSES[1:]),
            )
            ok = False
            continue
        sub = _validate_fields(_CONTACT_STATUS_FIELDS, spec, problems, prefix=f"{name}.{status}.")
        if sub is None:
            ok = False
            continue
        total = sum(step["days"] for step in sub["measures"])
        if sub["days"] is None:
            if not total:
                problems.add(
                    "参数“%(name)s”：接触状态“%(status)s”需要至少一项措施或给出 days。",
                    name=name,
                    status=status,
                )
                ok = False
                continue
            sub["days"] = total
        normalised[status] = sub
    if not ok:
        return None
    return {status: normalised[status] for status in CONTACT_STATUSES if status in normalised}


def _optional_positive_days(value, name, problems):
    if value is None:
        return None
    result = _positive_days(value, name, problems)
    return _INVALID if result is None else result


_CONTACT_STATUS_FIELDS = {
    "measures": (_measures, []),
    "conditions": (_conditions, []),
    # Look-back from the last contact; defaults to the length of all the measures.
    "days": (_optional_positive_days, None),
}


def _fresh(default):
    # A copy of a mutable default, so a caller editing the result cannot change the schema.
    if isinstance(default, list):
        return [dict(item) if isinstance(item, dict) else item for item in default]
    return default


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- the schemas ----------------------------------------------------------------------------

# name -> (validator, default); _REQUIRED marks a parameter without default.
SCHEMAS: dict[str, dict[str, tuple[Callable, object]]] = {
    "risk_county_stay": {
        "levels": (_levels, _REQUIRED),
        "days": (_positive_days, 14),
        "applies_to": (_declaration_kind, _REQUIRED),
        "measures": (_measures, []),
        "conditions": (_conditions, []),
    },
    "designated_region_stay": {
        "designation": (_designation, _REQUIRED),
        "days": (_positive_days, 14),
        "measures": (_measures, []),
        "conditions": (_conditions, []),
    },
    "international_entry": {
        "days": (_positive_days, 21),
        "measures": (_measures, []),
        "conditions": (_conditions, ["report_to_community"]),
    },
    "health_code": {
        "required_colour": (_health_code, "green"),
        # What an arrival with another colour gets, dated from the arrival day.
        "measures": (_measures, [{"kind": "health_monitoring", "days": 7}]),
        "conditions": (_conditions, ["report_to_community"]),
    },
    "nat_test": {
        "hours": (_hours, 48),
        "exempt_commuters": (_boolean, True),
    },
    "commuter": {
        "designation": (_designation, "commuter_zone"),
        "required_colour": (_health_code, "green"),
        "conditions": (_conditions, ["temperature_check"]),
    },
    "contact_status": {
        "statuses": (_contact_statuses, _REQUIRED),
    },
    "port_city_exit": {
        "designation": (_designation, "land_border_port_city"),
        "hours": (_hours, 48),
        "valid_from": (_optional_date, None),
        "valid_until": (_optional_date, None),
    },
}

RULE_KINDS: tuple[str, ...] = tuple(SCHEMAS)


def _validate_fields(fields, params, problems, *, prefix=""):
    if not isinstance(params, Mapping):
        where = f"“{prefix[:-1]}”" if prefix else ""
        problems.add("参数%(where)s必须是对象（键值对）。", where=where)
        return None
    before = len(problems.messages)
    for name in params:
        if name not in fields:
            problems.add(
                "未知参数“%(name)s”，可用参数：%(allowed)s。",
                name=f"{prefix}{name}",
                allowed=", ".join(fields),
            )
    normalised = {}
    for name, (validate, default) in fields.items():
        if name not in params:
            if default is _REQUIRED:
                problems.add("缺少参数“%(name)s”。", name=f"{prefix}{name}")
                continue
            normalised[name] = _fresh(default)
            continue
        value = validate(params[name], f"{prefix}{name}", problems)
        if value is _INVALID:
            continue
        normalised[name] = value
    if len(problems.messages) > before:
        return None
    return normalised


def validate_rule(kind: str, params: Mapping | None) -> dict:
    """Check ``params`` for a rule of ``kind``; return them normalised, with defaults.

    Raises :class:`RuleParamsError` listing every problem: unknown kind, missing,
    unknown or wrongly typed parameters, unknown levels, measure kinds, condition
    codes or designation kinds, non-positive days, and so on.
    """
    problems = _Problems()
    if kind not in SCHEMAS:
        problems.add(
            "未知的规则类型“%(kind)s”，可选值：%(choices)s。",
            kind=_show(kind),
            choices=", ".join(RULE_KINDS),
        )
        raise RuleParamsError(problems.messages)
    normalised = _validate_fields(SCHEMAS[kind], {} if params is None else params, problems)
    if normalised is not None and kind == "port_city_exit":
        start, end = normalised["valid_from"], normalised["valid_until"]
        if start and end and start > end:
            problems.add("参数“valid_from”不能晚于“valid_until”。")
    if problems.messages:
        raise RuleParamsError(problems.messages)
    return normalised


def defaults(kind: str) -> dict:
    """The parameters a new rule of ``kind`` starts with in the admin (required ones empty)."""
    result = {}
    for name, (_validate, default) in SCHEMAS[kind].items():
        result[name] = None if default is _REQUIRED else _fresh(default)
    return result
