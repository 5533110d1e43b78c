"""Chinese text on a page of any language, marked so a screen reader switches voice."""

from __future__ import annotations

import re

from django.utils.html import format_html

# CJK ideographs, their extensions and compatibility forms: what a Chinese name is
# written in (a passport holder's name in Latin letters is not marked).
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def chinese(text: str):
    return format_html('<span lang="zh-Hans">{}</span>', text)


def person_name(name: str):
    """A name as written: marked Chinese when it holds Chinese characters."""
    return chinese(name) if _HAN.search(name or "") else name
