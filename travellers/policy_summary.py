"""The policy in force in a few plain sentences, for the home page.

Built from the version's own rules and their parameters, so that the page says what the
engine applies (14 days, 48 hours, the port-city rule while it runs) and changes with
each published version, rather than a fixed text that the next version would belie.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from policies.engine.types import PolicySnapshot, RuleSpec
from travellers.presentation import measure_label


def _levels(levels) -> str:
    chosen = set(levels or ())
    if chosen == {"high"}:
        return _("高风险地区")
    if chosen == {"medium"}:
        return _("中风险地区")
    return _("中高风险地区")


def _measures(measures) -> str:
    """ "集中观察14天，之后健康监测7天" from a rule's measure list."""
    parts = [
        _("%(measure)s%(days)d天")
        % {"measure": _in_sentence(measure_label(m["kind"])), "days": m["days"]}
        for m in measures or ()
    ]
    return _("，之后").join(parts)


def _in_sentence(label: str) -> str:
    # English labels are capitalised as headings; inside a sentence they are not.
    return label[:1].lower() + label[1:] if label[:1].isascii() else label


def _risk_county(params) -> str:
    # The seeds' term, 中高风险地区所在县（市、区、旗）, and the people still there as well
    # as those who have left: the engine postpones both.
    values = {"days": params.get("days", 14), "levels": _levels(params.get("levels"))}
    if params.get("applies_to") == "arrival_report":
        measures = params.get("measures") or ()
        values["measures"] = _measures(measures)
        if len(measures) > 1:
            values["counted"] = _("均自离开该县之日起算（抵京前已过的天数计入）")
        else:
            values["counted"] = _("自离开该县之日起算（抵京前已过的天数计入）")
        if any(m["kind"] == "home_observation" for m in measures):
            return (
                _(
                    "已经抵京、%(days)d天内到过%(levels)s所在县（市、区、旗）的人员："
                    "%(measures)s（不具备居家观察条件的改为集中观察），%(counted)s。"
                )
                % values
            )
        return (
            _(
                "已经抵京、%(days)d天内到过%(levels)s所在县（市、区、旗）的人员：%(measures)s，"
                "%(counted)s。"
            )
            % values
        )
    return (
        _(
            "目前尚在%(levels)s所在县（市、区、旗），或%(days)d天内有该区域旅居史的人员，"
            "暂缓进返京；自离开该县之日起满%(days)d天后可进返京。"
        )
        % values
    )


def _designated(params) -> str:
    if params.get("designation") != "case_city":
        return ""
    measures = params.get("measures") or ()
    values = {"days": params.get("days", 14), "measures": _measures(measures)}
    tested = "nat_on_arrival" in (params.get("conditions") or ())
    if tested and measures:
        return (
            _(
                "%(days)d天内到过有病例发生的城市（全市范围）的人员，抵京后需进行核酸检测，"
                "并接受%(measures)s（自离开该市之日起算）。"
            )
            % values
        )
    if measures:
        return (
            _(
                "%(days)d天内到过有病例发生的城市（全市范围）的人员，抵京后需接受"
                "%(measures)s（自离开该市之日起算）。"
            )
            % values
        )
    if tested:
        return (
            _("%(days)d天内到过有病例发生的城市（全市范围）的人员，抵京后需进行核酸检测。") % values
        )
    return ""


def _international(params) -> str:
    return _(
        "经其他口岸入境、入境未满%(days)d天的人员暂缓进返京；已经抵京的，需向所在社区报到，"
        "并接受健康监测至入境满%(days)d天。"
    ) % {"days": params.get("days", 21)}


def _health_code(params) -> str:
    return _("健康码须为绿码，非绿码人员暂缓进返京。")


def _nat_test(params) -> str:
    if params.get("exempt_commuters"):
        return _("进京须持%(hours)d小时内核酸检测阴性证明（环京通勤人员除外）。") % {
            "hours": params.get("hours", 48)
        }
    return _("进京须持%(hours)d小时内核酸检测阴性证明。") % {"hours": params.get("hours", 48)}


def _commuter(params) -> str:
    return _("环京通勤人员须为绿码，进京时配合测量体温。")


def _contact(params) -> str:
    return _("密切接触者、次密切接触者等人员暂缓进返京；已经抵京的，按规定接受集中观察或健康监测。")


def _port_city(params) -> str:
    return _("离开陆地边境口岸城市的人员，须持%(hours)d小时内核酸检测阴性证明。") % {
        "hours": params.get("hours", 48)
    }


_SENTENCES = {
    "risk_county_stay": _risk_county,
    "designated_region_stay": _designated,
    "international_entry": _international,
    "health_code": _health_code,
    "nat_test": _nat_test,
    "commuter": _commuter,
    "contact_status": _contact,
    "port_city_exit": _port_city,
}


def _in_window(rule: RuleSpec, on: date) -> bool:
    # A rule with its own window (the port-city rule) is news only while it runs.
    start, end = rule.params.get("valid_from"), rule.params.get("valid_until")
    if start and on < date.fromisoformat(str(start)):
        return False
    return not (end and on > date.fromisoformat(str(end)))


def policy_points(policy: PolicySnapshot, on: date) -> list[str]:
    """What ``policy`` asks of travellers on ``on``, one sentence a rule, in its order
    (the current language), the same sentence once."""
    points: list[str] = []
    for rule in sorted(policy.rules, key=lambda rule: rule.position):
        build = _SENTENCES.get(rule.kind)
        if build is None or not _in_window(rule, on):
            continue
        sentence = build(rule.params)
        if sentence and sentence not in points:
            points.append(sentence)
    return points
