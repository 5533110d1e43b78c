"""Finding a declaration by identity number or phone without the number ever in a URL.

The number is POSTed; the changelist, its links and the export carry an opaque
token that names the keyed hashes in the staff member's session.
"""

import csv
import html
import io
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.travellers.backoffice import (
    HAIDIAN,
    community_worker,
    health_officer,
    make_community,
    make_declaration,
    make_user,
)
from travellers.admin_declarations import (
    MATCH_LIFETIME_SECONDS,
    MATCH_SESSION_KEY,
    NUMBER_IN_URL_MESSAGE,
    looks_like_personal_number,
)
from travellers.admin_pipeline import NOTICE_NUMBER_IN_URL_MESSAGE

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:travellers_declaration_changelist"
MATCH = "admin:travellers_declaration_match"
ID_NUMBER = "110101199001013216"
PHONE = "13912345678"
EXPIRED_MESSAGE = "证件号码或手机号码查询已过期，请重新查找。"


@pytest.fixture
def east():
    return make_community("110105001", "望京东园社区")


@pytest.fixture
def west():
    return make_community("110108001", "中关村南社区", HAIDIAN)


@pytest.fixture
def officer_client(client):
    client.force_login(health_officer())
    return client


def search(client, number: str):
    """POST the number; return the redirect and the page it leads to."""
    redirect = client.post(reverse(MATCH), {"number": number})
    assert redirect.status_code == 302
    return redirect, client.get(redirect["Location"])


def urls_in(page: str) -> list[str]:
    """Everything on a page that a click or a form sends: links, actions, hidden values."""
    found = re.findall(r'(?:href|action|value)="([^"]*)"', page)
    return [unquote(html.unescape(url)) for url in found]


def assert_carries_no_part_of(text: str, number: str):
    # Any six consecutive digits of the number: a prefix or an encoded form leaks as much.
    for start in range(len(number) - 5):
        assert number[start : start + 6] not in text, (number[start : start + 6], text)


def token_of(redirect) -> str:
    return parse_qs(urlsplit(redirect["Location"]).query)["match"][0]


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_a_posted_identity_number_finds_the_declaration_and_no_link_carries_it(
    officer_client, east
):
    wanted = make_declaration(community=east, id_number=ID_NUMBER)
    other = make_declaration(community=east)
    # Typed as staff type it: spaces, a full-width digit.
    redirect, response = search(officer_client, "110101 19900101 321６")

    assert redirect["Location"] == f"{reverse(CHANGELIST)}?match={token_of(redirect)}"
    assert_carries_no_part_of(redirect["Location"], ID_NUMBER)
    page = response.content.decode()
    assert wanted.reference in page and other.reference not in page
    assert ID_NUMBER not in page
    change_links = [url for url in urls_in(page) if f"/{wanted.pk}/change/" in url]
    export_links = [url for url in urls_in(page) if "/export/" in url]
    assert change_links and export_links
    assert all("match=" in url for url in change_links + export_links)
    for url in urls_in(page):
        assert_carries_no_part_of(url, ID_NUMBER)

    # The change page keeps the token in its preserved filters, and nothing else.
    change_page = officer_client.get(html.unescape(change_links[0])).content.decode()
    assert "_changelist_filters" in change_page
    for url in urls_in(change_page):
        assert_carries_no_part_of(url, ID_NUMBER)

    # The export of the page follows the token.
    rows = read_csv(officer_client.get(export_links[0]))[1:]
    assert [row[0] for row in rows] == [wanted.reference]


def test_a_posted_phone_finds_the_declaration(officer_client, east):
    wanted = make_declaration(community=east, phone=PHONE)
    other = make_declaration(community=east)
    redirect, response = search(officer_client, "+86 139-1234-5678")
    assert_carries_no_part_of(redirect["Location"], PHONE)
    page = response.content.decode()
    assert wanted.reference in page and other.reference not in page
    for url in urls_in(page):
        assert_carries_no_part_of(url, PHONE)


def test_a_number_in_the_search_box_matches_nothing_and_says_where_to_search(
    officer_client, east
):
    make_declaration(community=east, id_number=ID_NUMBER, phone=PHONE)
    for number in (ID_NUMBER, "110101 19900101 3216", PHONE):
        response = officer_client.get(
            reverse(CHANGELIST), {"q": number, "outcome__exact": "allowed"}
        )
        # Sent back without it, the other filters kept: the page cannot repeat the number.
        assert response.status_code == 302
        assert response["Location"] == f"{reverse(CHANGELIST)}?outcome__exact=allowed"
        page = html.unescape(officer_client.get(response["Location"]).content.decode())
        assert str(NUMBER_IN_URL_MESSAGE) in page
    # Whatever else reads ?q= (here the export) does not match it either.
    response = officer_client.get(reverse("admin:travellers_declaration_export"), {"q": ID_NUMBER})
    assert read_csv(response)[1:] == []


def test_a_number_in_the_notices_search_box_is_sent_back_without_it(officer_client, east):
    make_declaration(community=east, id_number=ID_NUMBER, phone=PHONE)
    notices = reverse("admin:travellers_notice_changelist")
    for number in (ID_NUMBER, PHONE):
        response = officer_client.get(notices, {"q": number, "status__exact": "failed"})
        # Not repeated in every filter link and the search box of the page that follows.
        assert response.status_code == 302
        assert response["Location"] == f"{notices}?status__exact=failed"
        page = html.unescape(officer_client.get(response["Location"]).content.decode())
        assert str(NOTICE_NUMBER_IN_URL_MESSAGE) in page
    # A reference is still searched.
    assert officer_client.get(notices, {"q": "ABCDE-23456"}).status_code == 200


def test_a_token_from_another_session_finds_nothing(officer_client, east):
    wanted = make_declaration(community=east, id_number=ID_NUMBER)
    redirect, _page = search(officer_client, ID_NUMBER)
    other_session = Client()
    other_session.force_login(health_officer("officer-2"))
    page = html.unescape(other_session.get(redirect["Location"]).content.decode())
    assert wanted.reference not in page
    assert EXPIRED_MESSAGE in page


def test_an_expired_token_finds_nothing(officer_client, east):
    wanted = make_declaration(community=east, id_number=ID_NUMBER)
    redirect, response = search(officer_client, ID_NUMBER)
    assert wanted.reference in response.content.decode()

    session = officer_client.session
    matches = session[MATCH_SESSION_KEY]
    matches[token_of(redirect)]["at"] -= MATCH_LIFETIME_SECONDS + 1
    session[MATCH_SESSION_KEY] = matches
    session.save()
    page = html.unescape(officer_client.get(redirect["Location"]).content.decode())
    assert wanted.reference not in page
    assert EXPIRED_MESSAGE in page


def test_the_number_search_stays_inside_the_workers_scope(client, east, west):
    mine = make_declaration(community=east, id_number="110105199202021111")
    theirs = make_declaration(community=west, id_number="110108199202021111", phone=PHONE)
    client.force_login(community_worker("east-worker", east))
    for number in ("110108199202021111", PHONE):
        page = search(client, number)[1].content.decode()
        assert theirs.reference not in page, number
    assert mine.reference in search(client, "110105199202021111")[1].content.decode()


def test_non_personal_text_is_still_searched_from_the_search_box(officer_client, east):
    wanted = make_declaration(community=east)
    other = make_declaration(community=east)
    response = officer_client.get(reverse(CHANGELIST), {"q": wanted.reference.lower()})
    assert response.status_code == 200
    page = response.content.decode()
    assert wanted.reference in page and other.reference not in page
    # A name is not taken for a number: no redirect, no warning.
    response = officer_client.get(reverse(CHANGELIST), {"q": "王小明"})
    assert response.status_code == 200
    assert str(NUMBER_IN_URL_MESSAGE) not in html.unescape(response.content.decode())


def test_the_number_search_is_a_csrf_protected_post_for_staff_who_may_view(east):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(health_officer())
    assert browser.get(reverse(MATCH), {"number": ID_NUMBER}).status_code == 405
    assert browser.post(reverse(MATCH), {"number": ID_NUMBER}).status_code == 403
    # The changelist offers the form, with its CSRF token.
    page = browser.get(reverse(CHANGELIST)).content.decode()
    assert f'action="{reverse(MATCH)}"' in page and "csrfmiddlewaretoken" in page

    no_permission = Client()
    no_permission.force_login(make_user("staff-without-group"))
    assert no_permission.post(reverse(MATCH), {"number": ID_NUMBER}).status_code == 403


@pytest.mark.parametrize(
    ("text", "personal"),
    [
        ("11010119900101321x", True),
        ("110101 1990 0101 3216", True),
        ("110101199001013215", True),  # a wrong check digit is still someone's number
        ("１３９１２３４５６７８", True),
        ("+86 (139) 1234-5678", True),
        ("E12345678", True),  # a passport
        ("H1234567801", True),  # a Hong Kong resident's permit
        ("ABCDE23456", False),  # a reference
        ("abcde-23456", False),
        ("王小明", False),
        ("ZHANG", False),
        ("1234", False),
        ("", False),
    ],
)
def test_what_counts_as_a_personal_number(text, personal):
    assert looks_like_personal_number(text) is personal

