"""Tools for editing policy versions in the admin: rule help per kind, rule forms, comparison.

Pure functions over rules (anything with ``kind``, ``params``, ``citation``,
``position``), so the comparison can be tested without the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from policies.engine import catalogue
from policies.engine.catalogue import RuleParamsError, validate_rule
from policies.models import PolicyRule

# What a kind is about, in words; the code stays beside it (kind_label), since the
# parameters and the help refer to rules by their code.
KIND_LABELS = {
    "risk_county_stay": _("到过风险地区所在县"),
    "designated_region_stay": _("到过认定地区"),
    "international_entry": _("从境外入境"),
    "health_code": _("健康码颜色"),
    "nat_test": _("核酸检测证明"),
    "commuter": _("环京通勤人员"),
    "contact_status": _("密切接触者及相关人员"),
    "port_city_exit": _("离开陆地边境口岸城市"),
}


def kind_label(kind: str) -> str:
    """「到过风险地区所在县（risk_county_stay）」 in the active language; the bare code for
    a kind without a label."""
    label = KIND_LABELS.get(kind)
    if label is None:
        return kind
    return gettext("%(label)s（%(kind)s）") % {"label": label, "kind": kind}


def kind_choices() -> list[tuple[str, str]]:
    # Called when a form is rendered, so the labels are in the reader's language.
    return [(kind, kind_label(kind)) for kind in catalogue.RULE_KINDS]


# What each kind does, for the staff member writing a rule (rulebook section 4).
KIND_DESCRIPTIONS = {
    "risk_county_stay": _(
        "在有效的风险区县停留且在 days 天内：出行前申报为暂缓进返京，抵京后报备按 measures "
        "自离开之日起计算措施。levels 为 high / medium，applies_to 为 pre_travel / "
        "arrival_report。"
    ),
    "designated_region_stay": _(
        "在某类认定地区（designation：case_city、land_border_port_city、commuter_zone）"
        "停留且在 days 天内：施加 measures 和 conditions。"
    ),
    "international_entry": _(
        "days 天内从其他口岸入境：出行前暂缓至入境日加 days，抵达后按 measures 和 conditions。"
    ),
    "health_code": _(
        "健康码不是 required_colour：出行前暂缓（无日期），抵达后按 measures 和 conditions。"
    ),
    "nat_test": _(
        "出行前需 hours 小时内核酸阴性证明（条件 nat_48h）；exempt_commuters 为 true 时"
        "通勤人员免除。申报阳性一律暂缓并报告社区。"
    ),
    "commuter": _(
        "通勤人员且所有行程都在 designation 地区、健康码为 required_colour：可进京，"
        "附加 conditions；不会覆盖风险地区规则。"
    ),
    "contact_status": _(
        "statuses 按接触状态（close_contact、secondary_contact、"
        "secondary_contact_cohabitant）给出 measures、conditions 和可选 days，"
        "自最后接触日起算。"
    ),
    "port_city_exit": _(
        "在陆地边境口岸城市停留、离开日在 valid_from 至 valid_until 之间："
        "需离开前 hours 小时内核酸阴性（条件 nat_48h_leaving_port_city）。"
    ),
}


def kind_help() -> list[dict]:
    """One entry per rule kind: its description and the parameters a new rule starts with."""
    return [
        {
            "kind": kind,
            "label": KIND_LABELS.get(kind, kind),
            "description": KIND_DESCRIPTIONS.get(kind, ""),
            "required": [
                name
                for name, (_v, default) in catalogue.SCHEMAS[kind].items()
                if default is catalogue._REQUIRED
            ],
            "example": json.dumps(catalogue.defaults(kind), ensure_ascii=False),
        }
        for kind in catalogue.RULE_KINDS
    ]


class PolicyRuleForm(forms.ModelForm):
    """One rule of a draft: kind from the catalogue, JSON parameters, a required citation."""

    kind = forms.ChoiceField(label=_("规则类型"), choices=kind_choices)
    params = forms.JSONField(
        label=_("参数（JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70, "class": "vLargeTextField"}),
        help_text=_("留空则使用该类型的默认参数；各类型的参数见页面下方说明。"),
    )
    citation = forms.CharField(
        label=_("依据"),
        widget=forms.Textarea(attrs={"rows": 2, "cols": 70}),
        help_text=_("该规则所依据的公告或问答条目。"),
    )

    class Meta:
        model = PolicyRule
        fields = ("position", "kind", "params", "citation")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind is None or "params" in self.errors:
            return cleaned
        params = cleaned.get("params")
        if params in (None, ""):
            params = {}
        try:
            cleaned["params"] = validate_rule(kind, params)
        except RuleParamsError as error:
            self.add_error("params", error.messages)
        return cleaned


# -- comparing two versions -----------------------------------------------------------------


@dataclass
class ParamChange:
    name: str
    old: object
    new: object


@dataclass
class RuleComparison:
    status: str  # same, changed, added, removed
    kind: str
    old: object = None  # the rule in the first version
    new: object = None  # the rule in the second version
    changes: list[ParamChange] = field(default_factory=list)
    citation_changed: bool = False


def _identity(rule) -> tuple:
    """What makes two rules 'the same rule' across versions, whatever their parameters."""
    params = rule.params or {}
    return (
        rule.kind,
        params.get("applies_to"),
        tuple(params.get("levels") or ()),
        params.get("designation"),
    )


def _show(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def compare_rules(old_rules, new_rules) -> list[RuleComparison]:
    """Rule by rule: pairs by kind and the parameters that say what a rule is about.

    Returns the rows in the order of the second version, removed rules last.
    """
    old_rules = sorted(old_rules, key=lambda rule: rule.position)
    remaining: dict[tuple, list] = {}
    for rule in old_rules:
        remaining.setdefault(_identity(rule), []).append(rule)
    rows = []
    for rule in sorted(new_rules, key=lambda rule: rule.position):
        candidates = remaining.get(_identity(rule))
        if not candidates:
            rows.append(RuleComparison("added", rule.kind, new=rule))
            continue
        old = candidates.pop(0)
        old_params, new_params = old.params or {}, rule.params or {}
        changes = [
            ParamChange(name, _show(old_params.get(name)), _show(new_params.get(name)))
            for name in sorted(set(old_params) | set(new_params))
            if old_params.get(name) != new_params.get(name)
        ]
        citation_changed = (old.citation or "") != (rule.citation or "")
        status = "changed" if changes or citation_changed else "same"
        rows.append(RuleComparison(status, rule.kind, old, rule, changes, citation_changed))
    for rule in old_rules:
        if rule in remaining.get(_identity(rule), ()):
            rows.append(RuleComparison("removed", rule.kind, old=rule))
    return rows


def compare_versions(old, new) -> list[RuleComparison]:
    return compare_rules(list(old.rules.all()), list(new.rules.all()))
