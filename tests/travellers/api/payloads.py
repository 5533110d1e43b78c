"""Declaration payloads and risk data for the travellers tests (forms, API, services).

Dates are relative to a given ``today`` so the same payload works for a fixed test
date and for the real clock (the API always evaluates for the real today). The
regions and the shipped policy versions come from the migrations.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta

from policies.models import RiskArea
from travellers.models import Community

LEAD_ID = "110105199001011232"  # a valid resident ID (check digit included)
COMPANION_ID = "321002198506150028"
CHILD_ID = "110105201503010045"
PHONE = "13912345678"
RESIDENCE = "110105"  # 朝阳区
HIGH_RISK_COUNTY = "321002"  # 广陵区
OTHER_COUNTY = "420115"  # 江夏区
COMMUTER_COUNTY = "131082"  # 三河市


def declaration_payload(*, today: date, **overrides) -> dict:
    """A valid pre-travel declaration: two legs, the first in ``HIGH_RISK_COUNTY``."""
    payload = {
        "kind": "pre_travel",
        "arrival_date": (today + timedelta(days=2)).isoformat(),
        "health_code": "green",
        "commuter": False,
        "home_quarantine_possible": True,
        "contact_status": "none",
        "legs": [
            {
                "region": HIGH_RISK_COUNTY,
                "start_date": (today - timedelta(days=14)).isoformat(),
                "end_date": (today - timedelta(days=7)).isoformat(),
            },
            {
                "region": OTHER_COUNTY,
                "start_date": (today - timedelta(days=7)).isoformat(),
                "end_date": (today - timedelta(days=1)).isoformat(),
            },
        ],
        "full_name": "张三丰",
        "id_type": "resident_id",
        "id_number": LEAD_ID,
        "phone": PHONE,
        "email": "traveller@example.com",
        "language": "zh-hans",
        "residence_region": RESIDENCE,
        "attestation": True,
        "companions": [],
    }
    payload.update(copy.deepcopy(overrides))
    return payload


def companion(**overrides) -> dict:
    person = {"full_name": "张小宝", "id_type": "resident_id", "id_number": CHILD_ID}
    person.update(overrides)
    return person


def high_risk_area(*, designated_on: date, county: str = HIGH_RISK_COUNTY, **fields) -> RiskArea:
    return RiskArea.objects.create(
        region_id=county,
        name=fields.pop("name", "测试小区"),
        level=fields.pop("level", "high"),
        designated_on=designated_on,
        **fields,
    )


def community(*, code: str = "CY-001", district: str = RESIDENCE) -> Community:
    return Community.objects.get_or_create(
        code=code, defaults={"name": f"社区{code}", "district_id": district}
    )[0]
