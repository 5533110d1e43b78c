"""A JSON parser whose error says where the body stops being JSON, in the reader's language.

DRF's own message is untranslated English with Python's wording appended.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class LocalisedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, json.JSONDecodeError):
                message = gettext("请求内容不是有效的 JSON（第 %(line)d 行第 %(column)d 列）。") % {
                    "line": cause.lineno,
                    "column": cause.colno,
                }
            else:
                message = gettext("请求内容不是有效的 JSON，或不是 UTF-8 编码。")
            raise ParseError(message, code="parse_error") from exc
