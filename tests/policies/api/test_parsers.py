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


def test_a_lone_surrogate_escape_is_refused_as_not_json_instead_of_failing_when_echoed():
    # "x\ud800" is not a choice; repeating it in the error could not be encoded as UTF-8.
    response = post(b'{"kind": "x\\ud800", "arrival_date": "2021-08-10"}')
    assert response.status_code == 400
    assert response.json()["detail"].startswith("请求内容不是有效的 JSON")
    assert Declaration.objects.count() == 0


def test_nesting_too_deep_to_validate_is_refused_as_not_json():
    depth = 100_000
    response = post(b'{"kind": ' + b"[" * depth + b"]" * depth + b"}")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("请求内容不是有效的 JSON")


def test_a_body_in_a_declared_charset_other_than_utf8_is_read_in_that_charset():
    body = '{"kind": "pre_travel", "full_name": "é"}'.encode("latin-1")
    response = APIClient().post(
        "/api/v1/declarations/", data=body, content_type="application/json; charset=latin-1"
    )
    assert response.status_code == 400
    assert "full_name" not in response.json()  # read as text: only the missing fields


def test_a_body_larger_than_the_upload_limit_gets_a_json_answer(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(b'{"full_name": "' + b"x" * 2000 + b'"}', **{"Accept-Language": "en"})
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
    assert Declaration.objects.count() == 0
