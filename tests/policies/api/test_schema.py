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
