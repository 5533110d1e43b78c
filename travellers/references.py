"""Declaration references: short enough to read over the phone, impossible to guess.

Ten characters from an alphabet of 31 (digits and capitals without 0, 1, I, L
and O, which people confuse when reading aloud or copying) give
31**10 ~ 2**49.5 possibilities, drawn with ``secrets``. The status lookup also
asks for the last four digits of the phone and is throttled, so guessing a
reference is not a way in either.

Collisions are possible, merely rare (about 1 in 1,600 after a million
declarations): the unique constraint on ``Declaration.reference`` is the
guard, and the submit service draws a new one when it is hit.
"""

from __future__ import annotations

import math
import re
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
GROUP = 5
BITS = LENGTH * math.log2(len(ALPHABET))

_SEPARATORS = re.compile(r"[\s\-]+")
_VALID = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_reference(reference: str) -> str:
    """'ABCDE23456' -> 'ABCDE-23456', for display and reading aloud."""
    return "-".join(reference[i : i + GROUP] for i in range(0, len(reference), GROUP))


def normalise_reference(text: str) -> str:
    """Accept what a person types ('abcde 23456', 'ABCDE-23456'); refuse anything else.

    Confusable characters are refused rather than mapped (O to 0 would land on a
    character the alphabet does not have either), so a mistyped reference fails
    clearly instead of finding a different declaration.
    """
    compact = _SEPARATORS.sub("", text or "").upper()
    if not _VALID.fullmatch(compact):
        raise ValidationError(
            _("查询码应为10位，由数字2-9和字母（不含I、L、O）组成，请核对。"),
            code="invalid_reference",
        )
    return compact
