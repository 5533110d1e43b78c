"""Fixtures for the HTTP tests of the evaluate and policy-version APIs.

Regions are ensured with ``update_or_create`` so the tests hold whether or not the
regions migration has loaded the full table; the BJ-2021-08-07 version is created from
``policies/data/policy_versions.json`` unless a migration shipped it already.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from policies.models import (
    Designation,
    PolicyRule,
    PolicyStatus,
    PolicyVersion,
    Region,
    RiskArea,
)

POLICY_VERSIONS_JSON = Path(settings.BASE_DIR) / "policies" / "data" / "policy_versions.json"

# code, name, level, parent, county_level
REGIONS = [
    ("110000", "北京市", "province", None, False),
    ("110105", "朝阳区", "county", "110000", True),
    ("310000", "上海市", "province", None, False),
    ("310115", "浦东新区", "county", "310000", True),
    ("320000", "江苏省", "province", None, False),
    ("321000", "扬州市", "prefecture", "320000", False),
    ("321002", "广陵区", "county", "321000", True),
    ("321003", "邗江区", "county", "321000", True),
    ("130000", "河北省", "province", None, False),
    ("131000", "廊坊市", "prefecture", "130000", False),
    ("131082", "三河市", "county", "131000", True),
    ("131028", "大厂回族自治县", "county", "131000", True),
    ("410000", "河南省", "province", None, False),
    ("410100", "郑州市", "prefecture", "410000", False),
    ("410103", "二七区", "county", "410100", True),
    ("420000", "湖北省", "province", None, False),
    ("420100", "武汉市", "prefecture", "420000", False),
    ("420115", "江夏区", "county", "420100", True),
    ("430000", "湖南省", "province", None, False),
    ("430800", "张家界市", "prefecture", "430000", False),
    ("430802", "永定区", "county", "430800", True),
    ("440000", "广东省", "province", None, False),
    ("441900", "东莞市", "prefecture", "440000", True),
]

GUANGLING = "321002"
SANHE = "131082"


def ensure_regions() -> None:
    for code, name, level, parent, county_level in REGIONS:
        parent_name = next((r[1] for r in REGIONS if r[0] == parent), "")
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "full_name": f"{parent_name}{name}" if parent_name else name,
                "level": level,
                "parent_id": parent,
                "county_level": county_level,
            },
        )


def ensure_policy_version(code: str) -> PolicyVersion:
    """The shipped version ``code``, as the shipping migration would load it."""
    existing = PolicyVersion.objects.filter(code=code).first()
    if existing is not None:
        return existing
    from policies.engine.catalogue import validate_rule

    entries = json.loads(POLICY_VERSIONS_JSON.read_text(encoding="utf-8"))
    entry = next(item for item in entries if item["code"] == code)
    version = PolicyVersion.objects.create(
        code=entry["code"],
        title=entry["title"],
        effective_from=date.fromisoformat(entry["effective_from"]),
        source=entry.get("source", ""),
    )
    PolicyRule.objects.bulk_create(
        PolicyRule(
            version=version,
            position=position,
            kind=rule["kind"],
            params=validate_rule(rule["kind"], rule["params"]),
            citation=rule.get("citation", ""),
        )
        for position, rule in enumerate(entry["rules"], start=1)
    )
    PolicyVersion.objects.filter(pk=version.pk).update(
        status=PolicyStatus.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


@pytest.fixture(autouse=True)
def _fresh_throttle_history():
    # Throttle counters live in the process-wide cache: start every test from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def regions(db):
    ensure_regions()


@pytest.fixture
def policy(db, regions):
    return ensure_policy_version("BJ-2021-08-07")


@pytest.fixture
def guangling_high(db, regions):
    """The rulebook's example area: high risk in Guangling since 2021-07-28, not lifted."""
    return RiskArea.objects.create(
        region_id=GUANGLING,
        name="广陵区汶河街道（示例）",
        level="high",
        designated_on=date(2021, 7, 28),
    )


@pytest.fixture
def commuter_zone(db, regions):
    return Designation.objects.create(
        kind="commuter_zone", region_id=SANHE, valid_from=date(2021, 1, 1)
    )


@pytest.fixture
def api():
    return APIClient()


def leg(region: str, start: str, end: str | None) -> dict:
    return {"region": region, "start_date": start, "end_date": end}


def declaration(**fields) -> dict:
    """A complete evaluate request: a green, contact-free pre-travel declaration by default."""
    payload = {
        "kind": "pre_travel",
        "as_of": "2021-08-08",
        "arrival_date": "2021-08-10",
        "health_code": "green",
        "commuter": False,
        "home_quarantine_possible": True,
        "contact_status": "none",
        "last_contact_date": None,
        "international_entry_date": None,
        "nat_test": None,
        "legs": [],
    }
    payload.update(fields)
    return payload


WRITES = ("insert", "update", "delete", "replace")


@pytest.fixture
def evaluate(api, policy):
    """POST a payload to the evaluate endpoint, asserting it wrote nothing to the database
    (the endpoint is stateless, whether it answers 200, 400 or 422)."""

    def post(payload, *, language: str | None = None, raw: str | None = None):
        headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
        with CaptureQueriesContext(connection) as queries:
            if raw is not None:
                response = api.post(
                    "/api/v1/evaluate/", raw, content_type="application/json", **headers
                )
            else:
                response = api.post("/api/v1/evaluate/", payload, format="json", **headers)
        writes = [q["sql"] for q in queries if q["sql"].lstrip().lower().startswith(WRITES)]
        assert writes == []
        return response

    return post
