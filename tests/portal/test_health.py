import pytest


@pytest.mark.django_db
def test_it_reports_ok_with_a_database_round_trip(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
