import pytest


@pytest.mark.django_db
def test_it_reports_ok_with_a_database_round_trip(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_api_root_points_to_the_endpoints_and_the_docs(client):
    body = client.get("/api/v1/").json()
    assert body["evaluate"].endswith("/api/v1/evaluate/")
    assert body["declaration_lookup"].endswith("/api/v1/declarations/lookup/")
    assert body["docs"].endswith("/api/docs/")
    for url in (body["schema"], body["regions"] + "?q=guangling"):
        assert client.get(url.replace("http://testserver", "")).status_code == 200
