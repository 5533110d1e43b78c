from datetime import date

import pytest
from django.contrib.auth.models import Permission

from policies.models import PolicyRule, PolicyVersion

URL = "/api/v1/policy-versions/"


@pytest.fixture
def draft(db):
    version = PolicyVersion.objects.create(
        code="BJ-DRAFT-TEST", title="草稿", effective_from=date(2030, 1, 1)
    )
    PolicyRule.objects.create(version=version, position=1, kind="health_code", params={})
    return version


@pytest.fixture
def staff_api(api, django_user_model):
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_policyversion"))
    api.force_login(staff)
    return api


def listed(response):
    assert response.status_code == 200
    return {version["code"]: version for version in response.json()["results"]}


def test_the_public_list_shows_published_versions_with_ordered_rules(api, policy, draft):
    versions = listed(api.get(URL))

    assert "BJ-DRAFT-TEST" not in versions
    shipped = versions["BJ-2021-08-07"]
    assert shipped["effective_from"] == "2021-08-07"
    assert shipped["status"] == "published"
    assert shipped["title"]
    assert set(shipped) >= {"code", "title", "effective_from", "status", "source", "rules"}
    positions = [rule["position"] for rule in shipped["rules"]]
    assert positions == sorted(positions)
    assert len(positions) == policy.rules.count()
    assert {"risk_county_stay", "health_code", "nat_test"} <= {
        rule["kind"] for rule in shipped["rules"]
    }
    assert set(shipped["rules"][0]) == {"position", "kind", "params", "citation"}


def test_staff_also_see_drafts(staff_api, policy, draft):
    versions = listed(staff_api.get(URL))

    assert versions["BJ-DRAFT-TEST"]["status"] == "draft"
    assert "BJ-2021-08-07" in versions


def test_staff_without_the_right_to_view_policy_versions_see_no_drafts(
    api, django_user_model, policy, draft
):
    # A community worker is staff (for the admin) and is refused the versions there.
    api.force_login(django_user_model.objects.create_user("worker", is_staff=True))
    versions = listed(api.get(URL))

    assert "BJ-DRAFT-TEST" not in versions
    assert api.get(f"{URL}BJ-DRAFT-TEST/").status_code == 404


def test_one_version_is_read_by_its_code(api, policy, draft):
    response = api.get(f"{URL}BJ-2021-08-07/")

    assert response.status_code == 200
    assert response.json()["code"] == "BJ-2021-08-07"
    assert api.get(f"{URL}BJ-DRAFT-TEST/").status_code == 404


def test_the_version_in_force_on_a_date(api, policy, draft):
    response = api.get(f"{URL}in-force/", {"on": "2021-08-08"})

    assert response.status_code == 200
    assert response.json()["code"] == "BJ-2021-08-07"
    assert response.json()["rules"]


def test_the_version_in_force_defaults_to_today_and_ignores_drafts(api, policy, draft):
    response = api.get(f"{URL}in-force/")

    assert response.status_code == 200
    expected = PolicyVersion.objects.in_force(on=date.today())
    assert response.json()["code"] == expected.code != "BJ-DRAFT-TEST"


def test_no_version_in_force_is_a_404_with_a_message(api, policy):
    response = api.get(f"{URL}in-force/", {"on": "2021-08-06"})

    assert response.status_code == 404
    assert "2021-08-06" in response.json()["detail"]


def test_a_malformed_date_is_a_400_naming_the_parameter(api, policy):
    response = api.get(f"{URL}in-force/", {"on": "8/8/2021"})

    assert response.status_code == 400
    assert response.json()["on"]


def test_the_list_is_read_only(api, staff_api, policy):
    assert api.post(URL, {"code": "X"}, format="json").status_code in {403, 405}
    assert staff_api.delete(f"{URL}BJ-2021-08-07/").status_code == 405
    assert PolicyVersion.objects.filter(code="BJ-2021-08-07").exists()


@pytest.mark.parametrize(
    ("language", "detail"),
    [("zh-hans", "未找到请求的内容。"), ("en", "The requested item was not found.")],
)
def test_an_unknown_code_is_a_404_in_the_callers_language_naming_no_model(
    api, policy, language, detail
):
    response = api.get(f"{URL}abc/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert response.json() == {"detail": detail}
