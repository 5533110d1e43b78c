import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from rest_framework.test import APIClient

from policies import services
from policies.models import ChangeKind, Designation, RiskArea, RiskDataChange
from tests.policies.services.regions import ensure_regions

pytestmark = pytest.mark.django_db

AREAS = "/api/v1/risk-areas/"
DESIGNATIONS = "/api/v1/designations/"


@pytest.fixture(autouse=True)
def _regions():
    ensure_regions()


@pytest.fixture
def anonymous():
    return APIClient()


def make_user(username, *, is_staff, perms=()):
    user = get_user_model().objects.create_user(username, is_staff=is_staff)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def editor():
    return make_user(
        "editor",
        is_staff=True,
        perms=["add_riskarea", "change_riskarea", "delete_riskarea", "add_designation"],
    )


@pytest.fixture
def staff_client(editor):
    client = APIClient()
    client.force_authenticate(editor)
    return client


def area_payload(**overrides):
    payload = {
        "region": "321002",
        "name": "某街道某小区",
        "level": "high",
        "designated_on": "2021-07-28",
        "source": "示例来源",
    }
    payload.update(overrides)
    return payload


def make_area(region="321002", name="某小区", level="high", designated_on=date(2021, 7, 28), **kw):
    return services.risk_area_create(
        region=region, name=name, level=level, designated_on=designated_on, **kw
    )


# -- writes -------------------------------------------------------------------------


def test_staff_creates_an_area_and_a_change_row(staff_client, editor):
    response = staff_client.post(AREAS, area_payload(), format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    area = RiskArea.objects.get(pk=body["id"])
    assert body == {
        "id": area.pk,
        "region": "321002",
        "region_name": "江苏省扬州市广陵区",
        "name": "某街道某小区",
        "level": "high",
        "designated_on": "2021-07-28",
        "lifted_on": None,
        "source": "示例来源",
    }
    change = RiskDataChange.objects.get()
    assert change.kind == ChangeKind.RISK_AREA_CREATED
    assert change.region_codes == ["321002"]
    assert change.actor == editor
    assert change.object_id == area.pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "999999"}, "region"),
        ({"region": "321000"}, "region"),  # a prefecture, not a county
        ({"region": "330103"}, "region"),  # retired code
        ({"level": "low"}, "level"),
        ({"designated_on": "2021-13-01"}, "designated_on"),
        ({"lifted_on": "2021-07-28"}, "lifted_on"),  # not after designated_on
        ({"lifted_on": "2021-07-01"}, "lifted_on"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_area_is_refused_with_a_field_message(staff_client, overrides, field):
    response = staff_client.post(AREAS, area_payload(**overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert response.json()[field]
    assert not RiskArea.objects.exists()
    assert not RiskDataChange.objects.exists()


def test_patch_with_only_a_lifting_date_lifts_the_area(staff_client, monkeypatch):
    area = make_area()
    calls = []
    real_lift = services.risk_area_lift

    def spy(**kwargs):
        calls.append(kwargs)
        return real_lift(**kwargs)

    monkeypatch.setattr(services, "risk_area_lift", spy)

    response = staff_client.patch(f"{AREAS}{area.pk}/", {"lifted_on": "2021-08-09"}, format="json")

    assert response.status_code == 200, response.data
    assert response.json()["lifted_on"] == "2021-08-09"
    assert len(calls) == 1
    assert calls[0]["lifted_on"] == date(2021, 8, 9)
    area.refresh_from_db()
    assert area.lifted_on == date(2021, 8, 9)
    change = RiskDataChange.objects.order_by("id").last()
    assert change.kind == ChangeKind.RISK_AREA_LIFTED
    assert change.after["lifted_on"] == "2021-08-09"


def test_patch_moving_an_area_records_both_counties(staff_client):
    area = make_area()

    response = staff_client.patch(f"{AREAS}{area.pk}/", {"region": "410103"}, format="json")

    assert response.status_code == 200, response.data
    assert response.json()["region_name"] == "河南省郑州市二七区"
    change = RiskDataChange.objects.order_by("id").last()
    assert change.region_codes == ["321002", "410103"]


def test_patch_lifting_before_designation_is_a_400_without_change_row(staff_client):
    area = make_area()

    response = staff_client.patch(f"{AREAS}{area.pk}/", {"lifted_on": "2021-07-01"}, format="json")

    assert response.status_code == 400
    assert "lifted_on" in response.json()
    assert RiskDataChange.objects.count() == 1
    area.refresh_from_db()
    assert area.lifted_on is None


def test_delete_goes_through_the_service(staff_client):
    area = make_area()

    response = staff_client.delete(f"{AREAS}{area.pk}/")

    assert response.status_code == 204
    assert not RiskArea.objects.exists()
    assert RiskDataChange.objects.order_by("id").last().kind == ChangeKind.RISK_AREA_DELETED


@pytest.mark.parametrize("method", ["post", "patch", "delete"], ids=["create", "update", "delete"])
def test_anonymous_cannot_write(anonymous, method):
    area = make_area()
    url = AREAS if method == "post" else f"{AREAS}{area.pk}/"

    response = getattr(anonymous, method)(url, area_payload(), format="json")

    assert response.status_code in (401, 403)
    assert RiskDataChange.objects.count() == 1
    assert RiskArea.objects.count() == 1


def test_staff_without_the_model_permission_cannot_write():
    client = APIClient()
    client.force_authenticate(make_user("reader", is_staff=True))

    response = client.post(AREAS, area_payload(), format="json")

    assert response.status_code == 403
    assert not RiskArea.objects.exists()


def test_a_non_staff_user_with_the_permission_cannot_write():
    client = APIClient()
    client.force_authenticate(make_user("citizen", is_staff=False, perms=["add_riskarea"]))

    response = client.post(AREAS, area_payload(), format="json")

    assert response.status_code == 403
    assert not RiskArea.objects.exists()


def test_delete_needs_the_delete_permission():
    area = make_area()
    client = APIClient()
    client.force_authenticate(make_user("adder", is_staff=True, perms=["add_riskarea"]))

    response = client.delete(f"{AREAS}{area.pk}/")

    assert response.status_code == 403
    assert RiskArea.objects.filter(pk=area.pk).exists()


def test_a_token_from_drf_create_token_authenticates_staff(editor):
    out = io.StringIO()
    call_command("drf_create_token", editor.username, stdout=out)
    key = out.getvalue().split()[2]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = client.post(AREAS, area_payload(), format="json")

    assert response.status_code == 201, response.data
    assert RiskDataChange.objects.get().actor == editor


def test_a_wrong_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.post(AREAS, area_payload(), format="json")

    # 403 rather than 401: session authentication comes first and sends no challenge.
    assert response.status_code in (401, 403)
    assert not RiskArea.objects.exists()


def test_a_session_login_works_for_staff(editor):
    client = APIClient()
    client.force_login(editor)

    response = client.post(AREAS, area_payload(), format="json")

    assert response.status_code == 201


# -- reads --------------------------------------------------------------------------


def listed(response):
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["results"])


@pytest.fixture
def areas():
    make_area(name="广陵甲", designated_on=date(2021, 7, 28), lifted_on=date(2021, 8, 10))
    make_area(name="广陵乙", level="medium", designated_on=date(2021, 8, 5))
    make_area(region="410103", name="二七甲", designated_on=date(2021, 8, 1))
    make_area(region="410105", name="金水甲", level="medium", designated_on=date(2021, 8, 2))
    make_area(region="430802", name="永定甲", designated_on=date(2021, 8, 3))


def test_anyone_can_list_and_read_areas(anonymous, areas):
    assert listed(anonymous.get(AREAS)) == ["二七甲", "广陵乙", "广陵甲", "永定甲", "金水甲"]
    area = RiskArea.objects.get(name="永定甲")

    response = anonymous.get(f"{AREAS}{area.pk}/")

    assert response.status_code == 200
    assert response.json()["region_name"] == "湖南省张家界市永定区"


def test_areas_filter_by_active_day(anonymous, areas):
    assert listed(anonymous.get(AREAS, {"active_on": "2021-08-01"})) == ["二七甲", "广陵甲"]
    assert listed(anonymous.get(AREAS, {"active_on": "2021-08-10"})) == [
        "二七甲",
        "广陵乙",
        "永定甲",
        "金水甲",
    ]


def test_areas_filter_by_level(anonymous, areas):
    assert listed(anonymous.get(AREAS, {"level": "medium"})) == ["广陵乙", "金水甲"]


@pytest.mark.parametrize(
    ("code", "names"),
    [
        ("410000", ["二七甲", "金水甲"]),
        ("410100", ["二七甲", "金水甲"]),
        ("410103", ["二七甲"]),
        ("430000", ["永定甲"]),
        ("130000", []),
    ],
)
def test_areas_filter_by_containing_region(anonymous, areas, code, names):
    assert listed(anonymous.get(AREAS, {"region": code})) == names


def test_area_filters_combine(anonymous, areas):
    response = anonymous.get(
        AREAS, {"region": "321000", "level": "high", "active_on": "2021-08-09"}
    )

    assert listed(response) == ["广陵甲"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"active_on": "yesterday"}, "active_on"),
        ({"level": "low"}, "level"),
        ({"region": "32"}, "region"),
        ({"region": "999999"}, "region"),
    ],
)
def test_bad_area_filters_are_a_400_naming_the_field(anonymous, areas, params, field):
    response = anonymous.get(AREAS, params)

    assert response.status_code == 400
    assert response.json()[field]


# -- designations -------------------------------------------------------------------


def designation_payload(**overrides):
    payload = {"kind": "commuter_zone", "region": "131082", "valid_from": "2021-01-01"}
    payload.update(overrides)
    return payload


def test_staff_creates_a_designation_and_a_change_row(staff_client):
    response = staff_client.post(DESIGNATIONS, designation_payload(note="示例"), format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    assert body == {
        "id": Designation.objects.get().pk,
        "kind": "commuter_zone",
        "region": "131082",
        "region_name": "河北省廊坊市三河市",
        "valid_from": "2021-01-01",
        "valid_until": None,
        "note": "示例",
    }
    change = RiskDataChange.objects.get()
    assert change.kind == ChangeKind.DESIGNATION_CREATED
    assert change.region_codes == ["131082"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "ski_resort"}, "kind"),
        ({"region": "999999"}, "region"),
        ({"valid_until": "2020-12-31"}, "valid_until"),
        ({"valid_from": "soon"}, "valid_from"),
    ],
)
def test_invalid_designation_is_refused(staff_client, overrides, field):
    response = staff_client.post(DESIGNATIONS, designation_payload(**overrides), format="json")

    assert response.status_code == 400
    assert response.json()[field]
    assert not Designation.objects.exists()
    assert not RiskDataChange.objects.exists()


def test_designation_writes_need_their_own_permission(editor):
    designation = services.designation_create(
        kind="case_city", region="321000", valid_from=date(2021, 7, 28)
    )
    client = APIClient()
    client.force_authenticate(editor)  # may add designations, not change them

    response = client.patch(
        f"{DESIGNATIONS}{designation.pk}/", {"valid_until": "2021-08-31"}, format="json"
    )

    assert response.status_code == 403
    designation.refresh_from_db()
    assert designation.valid_until is None


def test_superuser_updates_and_deletes_a_designation():
    designation = services.designation_create(
        kind="case_city", region="321000", valid_from=date(2021, 7, 28)
    )
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_superuser("root"))

    response = client.patch(
        f"{DESIGNATIONS}{designation.pk}/", {"valid_until": "2021-08-31"}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.json()["valid_until"] == "2021-08-31"

    response = client.delete(f"{DESIGNATIONS}{designation.pk}/")
    assert response.status_code == 204
    kinds = list(RiskDataChange.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [
        ChangeKind.DESIGNATION_CREATED,
        ChangeKind.DESIGNATION_UPDATED,
        ChangeKind.DESIGNATION_DELETED,
    ]


def test_anonymous_cannot_create_a_designation(anonymous):
    response = anonymous.post(DESIGNATIONS, designation_payload(), format="json")

    assert response.status_code in (401, 403)
    assert not Designation.objects.exists()


@pytest.fixture
def designations():
    for code in ("131082", "131028", "130681"):
        services.designation_create(kind="commuter_zone", region=code, valid_from=date(2021, 1, 1))
    services.designation_create(
        kind="case_city",
        region="321000",
        valid_from=date(2021, 7, 28),
        valid_until=date(2021, 8, 31),
    )
    services.designation_create(kind="case_city", region="410100", valid_from=date(2021, 7, 31))


def regions_listed(response):
    assert response.status_code == 200, response.content
    return sorted(item["region"] for item in response.json()["results"])


def test_designations_filter_by_kind(anonymous, designations):
    assert regions_listed(anonymous.get(DESIGNATIONS, {"kind": "case_city"})) == [
        "321000",
        "410100",
    ]


def test_designations_filter_by_active_day(anonymous, designations):
    response = anonymous.get(DESIGNATIONS, {"kind": "case_city", "active_on": "2021-09-01"})

    assert regions_listed(response) == ["410100"]
    response = anonymous.get(DESIGNATIONS, {"kind": "case_city", "active_on": "2021-07-30"})
    assert regions_listed(response) == ["321000"]


@pytest.mark.parametrize(
    ("code", "regions"),
    [
        ("130000", ["130681", "131028", "131082"]),  # inside the province
        ("131000", ["131028", "131082"]),
        ("321002", ["321000"]),  # the city that covers the county
        ("320000", ["321000"]),
        ("430802", []),
    ],
)
def test_designations_filter_by_region_inside_or_covering(anonymous, designations, code, regions):
    assert regions_listed(anonymous.get(DESIGNATIONS, {"region": code})) == regions


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "nope"}, "kind"),
        ({"active_on": "2021-02-30"}, "active_on"),
        ({"region": "x"}, "region"),
    ],
)
def test_bad_designation_filters_are_a_400(anonymous, designations, params, field):
    response = anonymous.get(DESIGNATIONS, params)

    assert response.status_code == 400
    assert response.json()[field]
