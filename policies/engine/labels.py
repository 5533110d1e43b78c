"""Words the engine puts into reasons, in Chinese and English.

Reasons carry both languages (``Reason.text_zh`` / ``text_en``) so that a stored
result can be shown in either without evaluating again.
"""

from __future__ import annotations

LEVEL_ZH = {"high": "高风险", "medium": "中风险"}
LEVEL_EN = {"high": "high", "medium": "medium"}

MEASURE_ZH = {
    "central_observation": "集中观察",
    "home_observation": "居家观察",
    "health_monitoring": "健康监测",
}
MEASURE_EN = {
    "central_observation": "observation at a designated site",
    "home_observation": "home observation",
    "health_monitoring": "health monitoring",
}

DESIGNATION_ZH = {
    "case_city": "有病例发生的城市",
    "land_border_port_city": "陆地边境口岸城市",
    "commuter_zone": "环京通勤地区",
}
DESIGNATION_EN = {
    "case_city": "a city with local cases",
    "land_border_port_city": "a land border port city",
    "commuter_zone": "the commuter belt around Beijing",
}

CONDITION_ZH = {
    "nat_48h": "登机（车）前48小时内核酸检测阴性证明",
    "green_code": "健康码绿码",
    "report_to_community": "抵京后向所在社区报到",
    "nat_on_arrival": "抵京后进行核酸检测",
    "closed_loop": "闭环管理，不参加聚集性活动",
    "temperature_check": "测温正常并做好个人防护",
    "nat_48h_leaving_port_city": "离开口岸城市时持48小时内核酸检测阴性证明",
}
CONDITION_EN = {
    "nat_48h": "a negative nucleic acid (PCR) test taken within 48 hours before boarding",
    "green_code": "a green health code",
    "report_to_community": "reporting to the residential community after arrival",
    "nat_on_arrival": "a nucleic acid (PCR) test after arrival",
    "closed_loop": "closed-loop management, no gatherings",
    "temperature_check": "a normal temperature check and personal protection",
    "nat_48h_leaving_port_city": (
        "a negative nucleic acid (PCR) test taken within 48 hours before leaving the port city"
    ),
}

COLOUR_ZH = {"green": "绿码", "yellow": "黄码", "red": "红码"}
COLOUR_EN = {"green": "green", "yellow": "yellow", "red": "red"}

CONTACT_ZH = {
    "close_contact": "密切接触者",
    "secondary_contact": "次密切接触者",
    "secondary_contact_cohabitant": "次密切接触者的共同生活或工作人员",
}
CONTACT_EN = {
    "close_contact": "a close contact",
    "secondary_contact": "a secondary close contact",
    "secondary_contact_cohabitant": "living or working with a secondary close contact",
}


def within_days_zh(days: int) -> str:
    """抵京前14天内: the days a stay counts in are counted back from the arrival day (the
    reference date; for a declaration before travel whose planned day has passed, today,
    the earliest day left to arrive), which "14天内" alone did not say."""
    return f"抵京前{days}天内"


def within_days_en(days: int) -> str:
    return f"Within the {days} days before arriving in Beijing"


def measures_zh(steps) -> str:
    """``((kind, days), ...)`` -> ``"集中观察14天，之后健康监测7天"``: one after the other
    ("、" read as at the same time), each with its days after it, as in "需居家观察14天"."""
    return "，之后".join(f"{MEASURE_ZH[kind]}{days}天" for kind, days in steps)


def measures_en(steps) -> str:
    return ", then ".join(f"{days} days of {MEASURE_EN[kind]}" for kind, days in steps)


def counted_from_zh(steps, since: str) -> str:
    """``"均自离开广陵区之日起算"``: with two measures or more, "均" says the start day is
    the first one's, the later ones following on (not each from that day again)."""
    return ("均" if len(steps) > 1 else "") + f"自{since}起算"


def counted_from_en(steps, since: str) -> str:
    both = {1: "", 2: "both "}.get(len(steps), "all ")
    return f"{both}counted from {since}"


# Measures dated from a day before arrival (leaving a county, an entry, a contact) end
# that many days sooner after it: "自离开之日起算" alone read as N full days in Beijing.
DAYS_BEFORE_COUNT_ZH = "（抵京前已过的天数计入）"


def days_before_count_en(steps) -> str:
    return " (days before your arrival count towards " + ("it)" if len(steps) == 1 else "them)")


def nat_window_zh(window: int) -> str:
    """The sampling days a test counts on: 48 hours is the arrival day or the day before."""
    if window <= 1:
        return "抵京当日"
    if window == 2:
        return "抵京当日或前一日"
    return f"抵京当日或之前{window - 1}日内"


def nat_window_en(window: int) -> str:
    if window <= 1:
        return "on your arrival day"
    if window == 2:
        return "on your arrival day or the day before"
    return f"on your arrival day or in the {window - 1} days before it"


def conditions_zh(codes) -> str:
    return "、".join(CONDITION_ZH[code] for code in codes)


def conditions_en(codes) -> str:
    return "; ".join(CONDITION_EN[code] for code in codes)


_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def day_zh(day) -> str:
    """2021年8月15日: reasons are read by people, not parsed (the dates have own fields)."""
    return f"{day.year}年{day.month}月{day.day}日"


def day_en(day) -> str:
    """15 August 2021, as the pages write dates for English readers."""
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
