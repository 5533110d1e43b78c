"""A body that is not JSON gets a 400 that says where, in the reader's language."""

import pytest
from rest_framework.test import APIClient

from travellers.models import Declaration

pytestmark = pytest.mark.django_db


def post(body: bytes, **headers):
    return APIClient().post(
        "/api/v1/declarations/", data=body, content_type="application/json", headers=headers
    )


def test_a_broken_body_is_refused_in_chinese_by_default_and_nothing_is_saved():
    response = post(b'{"kind": "pre_travel",\n "legs": [}')
    assert response.status_code == 400
    assert response.json() == {"detail": "请求内容不是有效的 JSON（第 2 行第 11 列）。"}
    assert Declaration.objects.count() == 0


def test_the_same_message_in_english():
    response = post(b"{bad", **{"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON (line 1, column 2)."}


def test_a_body_that_is_not_utf8_is_named_as_such():
    response = post(b"\xff\xfe{}", **{"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON, or not UTF-8."}


def test_the_evaluate_endpoint_parses_the_same_way():
    response = APIClient().post("/api/v1/evaluate/", data=b"[1,", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("请求内容不是有效的 JSON")
