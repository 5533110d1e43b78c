import csv
import io

import pytest
from django.urls import reverse

from tests.travellers.backoffice import (
    HAIDIAN,
    community_worker,
    health_officer,
    make_community,
    make_declaration,
)

pytestmark = pytest.mark.django_db

EXPORT = "admin:travellers_declaration_export"


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def east():
    return make_community("110105001", "望京东园社区")


@pytest.fixture
def west():
    return make_community("110108001", "中关村南社区", HAIDIAN)


def test_the_csv_has_a_header_and_masked_identity_numbers_and_phones(client, east):
    declaration = make_declaration(
        community=east,
        full_name="钱学森",
        id_number="110105199001011234",
        phone="13912345678",
        outcome="postponed",
        follow_up_note="住址：某小区3号楼",
    )
    client.force_login(health_officer())
    response = client.get(reverse(EXPORT))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="declarations-')
    header, *rows = read_csv(response)
    assert header[:5] == ["查询码", "姓名", "证件类型", "证件号码", "手机号码"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["查询码"] == declaration.reference
    assert row["姓名"] == "钱*森"
    assert row["证件号码"] == "1101**********1234"
    assert row["手机号码"] == "139****5678"
    assert row["所属社区"] == "望京东园社区"
    assert row["评估结果"] == "暂缓进返京"
    whole = ",".join(header + rows[0])
    for secret in ("110105199001011234", "13912345678", "钱学森", "某小区"):
        assert secret not in whole


def test_the_csv_follows_the_changelist_filters(client, east):
    postponed = make_declaration(community=east, outcome="postponed")
    allowed = make_declaration(community=east, outcome="allowed")
    client.force_login(health_officer())
    response = client.get(reverse(EXPORT), {"outcome__exact": "postponed"})
    references = [row[0] for row in read_csv(response)[1:]]
    assert references == [postponed.reference]
    assert allowed.reference not in references


def test_the_csv_respects_the_workers_scope(client, east, west):
    mine = make_declaration(community=east)
    theirs = make_declaration(community=west)
    client.force_login(community_worker("east-worker", east))
    references = [row[0] for row in read_csv(client.get(reverse(EXPORT)))[1:]]
    assert references == [mine.reference]
    # Asking for the other community by filter still yields nothing of theirs.
    response = client.get(reverse(EXPORT), {"community": str(west.pk)})
    assert theirs.reference not in [row[0] for row in read_csv(response)[1:]]


def test_the_changelist_links_to_the_csv_of_the_same_filters(client, east):
    client.force_login(health_officer())
    page = client.get(
        reverse("admin:travellers_declaration_changelist"), {"outcome__exact": "postponed"}
    ).content.decode()
    assert f'href="{reverse(EXPORT)}?outcome__exact=postponed"' in page


def test_the_export_action_writes_the_selected_rows(client, east):
    chosen = make_declaration(community=east)
    make_declaration(community=east)
    client.force_login(health_officer())
    response = client.post(
        reverse("admin:travellers_declaration_changelist"),
        {"action": "export_selected_csv", "_selected_action": [chosen.pk]},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert [row[0] for row in read_csv(response)[1:]] == [chosen.reference]


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(client, east):
    make_declaration(community=east, full_name="=HYPERLINK")
    client.force_login(health_officer())
    (_header, row) = read_csv(client.get(reverse(EXPORT)))
    assert row[1].startswith("'=")


def test_staff_without_a_role_cannot_export(client):
    from tests.travellers.backoffice import make_user

    client.force_login(make_user("no-role"))
    assert client.get(reverse(EXPORT)).status_code == 403
