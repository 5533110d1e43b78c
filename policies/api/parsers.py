"""A JSON parser whose error says where the body stops being JSON, in the reader's language.

DRF's own message is untranslated English with Python's wording appended. The body is
read by orjson, which refuses what would otherwise fail later as a server error: a
lone surrogate escape (``"\\ud800"``, text that cannot be written back as UTF-8 when a
message repeats it) and nesting deeper than 1024 levels (a ``RecursionError`` in the
standard library's parser and in validation).
"""

from __future__ import annotations

import codecs

import orjson
from django.conf import settings
from django.utils.translation import gettext
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

_UTF8 = codecs.lookup("utf-8").name


class LocalisedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        raw = stream.read()
        try:
            if codecs.lookup(encoding).name != _UTF8:
                raw = raw.decode(encoding)
            return orjson.loads(raw)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ParseError(_not_text(), code="parse_error") from exc
        except orjson.JSONDecodeError as exc:
            if isinstance(raw, bytes) and not _is_utf8(raw):
                raise ParseError(_not_text(), code="parse_error") from exc
            message = gettext("请求内容不是有效的 JSON（第 %(line)d 行第 %(column)d 列）。") % {
                "line": exc.lineno,
                "column": exc.colno,
            }
            raise ParseError(message, code="parse_error") from exc


def _not_text() -> str:
    return gettext("请求内容不是有效的 JSON，或不是 UTF-8 编码。")


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
