import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_the_schema_documents_the_evaluate_and_policy_version_endpoints(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    evaluate = schema["paths"]["/api/v1/evaluate/"]["post"]
    request = evaluate["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request.endswith("/EvaluateRequest")
    assert {"200", "400", "422", "429"} <= set(evaluate["responses"])
    components = schema["components"]["schemas"]
    assert {"kind", "arrival_date", "legs", "nat_test"} <= set(
        components["EvaluateRequest"]["properties"]
    )
    assert {"outcome", "measures", "reasons", "policy_version", "next_review_on"} <= set(
        components["EvaluateResponse"]["properties"]
    )
    assert "/api/v1/policy-versions/in-force/" in schema["paths"]


def test_the_docs_page_is_served(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_the_schema_builds_without_warnings_and_names_every_choice_set(capsys):
    from django.core.management import call_command

    # --fail-on-warn makes a warning (an enum named by a hash suffix among them) an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")

    assert "Warning" not in capsys.readouterr().err


def test_request_codes_and_staff_labels_are_separate_named_enums(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    components = schema["components"]["schemas"]
    declaration = components["Declaration"]["properties"]
    staff = components["StaffDeclarationDetail"]["properties"]

    assert declaration["id_type"]["$ref"].endswith("/IdTypeEnum")
    assert staff["id_type"]["allOf"][0]["$ref"].endswith("/StaffIdTypeEnum")
    assert components["IdTypeEnum"]["enum"] == components["StaffIdTypeEnum"]["enum"]
