"""Accessibility of the citizen pages that the test client can see: error pages in the
reader's language, the stylesheet's hidden and focus rules, the picker's singular and
plural, punctuation inside translations, focus after adding a companion, and Chinese
data marked lang="zh-Hans" on English pages (WCAG 3.1.2).

The browser side (what is visible, where focus lands) is tests/e2e/test_a11y.py.
"""

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, NavigableString
from django.conf import settings
from django.template import loader
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone, translation

from policies.models import Announcement, PolicyRule, PolicyVersion
from portal.urls import urlpatterns as portal_urlpatterns
from tests.travellers.api.payloads import PHONE, declaration_payload, high_risk_area
from tests.travellers.test_pages_form import soup, valid_post

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CSS = re.sub(
    r"/\*.*?\*/",
    "",
    (ROOT / "static" / "css" / "portal.css").read_text(encoding="utf-8"),
    flags=re.S,
)
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


def boom(request):
    raise RuntimeError("a bug")


# This module is also the URLconf of the 500 tests: the portal plus a view that fails.
urlpatterns = [path("__boom__/", boom), *portal_urlpatterns]


# --- 3. error pages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "cookie", "lang", "heading", "home"),
    [
        (CHINESE, None, "zh-Hans", "找不到这个页面", "返回首页"),
        (ENGLISH, None, "en", "Page not found", "Go to the home page"),
        # The language switch's cookie wins over the browser's Accept-Language.
        (CHINESE, "en", "en", "Page not found", "Go to the home page"),
        (ENGLISH, "zh-hans", "zh-Hans", "找不到这个页面", "返回首页"),
    ],
)
def test_an_unknown_address_gets_the_portals_404_page_in_the_readers_language(
    client, settings, headers, cookie, lang, heading, home
):
    settings.DEBUG = False
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie

    response = client.get("/no-such-page/", **headers)

    assert response.status_code == 404
    page = soup(response)
    assert page.html["lang"] == lang
    assert page.h1.get_text(strip=True) == heading
    assert page.find("a", href=reverse("travellers:home"), string=home)
    # The full layout, language switch included.
    assert page.find("form", action=reverse("set_language"))
    assert "Not Found" not in page.get_text()


def test_a_missing_announcement_gets_the_same_404_page(client, settings):
    settings.DEBUG = False
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("policies:announcement-detail", args=[999999]))

    assert response.status_code == 404
    assert soup(response).h1.get_text(strip=True) == "Page not found"


def test_the_500_page_renders_without_request_context_or_database(django_assert_num_queries):
    # As django.views.defaults.server_error renders it: no request, no context processors.
    template = loader.get_template("500.html")
    with django_assert_num_queries(0), translation.override("en"):
        english = BeautifulSoup(template.render(), "html.parser")
    with django_assert_num_queries(0), translation.override("zh-hans"):
        chinese = BeautifulSoup(template.render(), "html.parser")

    assert english.html["lang"] == "en"
    assert english.h1.get_text(strip=True) == "Sorry, there is a problem with the service"
    assert english.find("a", href="/", string="Go to the home page")
    assert not HAN.search(english.get_text())
    assert chinese.html["lang"] == "zh-Hans"
    assert chinese.h1.get_text(strip=True) == "系统暂时出现问题"
    # No form: without the request there is no CSRF token to post one with.
    assert not english.find("form")


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("headers", "heading"),
    [(ENGLISH, "Sorry, there is a problem with the service"), (CHINESE, "系统暂时出现问题")],
)
def test_a_failing_view_gets_the_portals_500_page_in_the_readers_language(
    settings, headers, heading
):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get("/__boom__/", **headers)

    assert response.status_code == 500
    assert soup(response).h1.get_text(strip=True) == heading


# --- 1. and 2. the stylesheet --------------------------------------------------------------


def css_rule(selector_pattern: str) -> str:
    """The declarations of the first rule whose selector list matches the pattern."""
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", CSS):
        if re.search(selector_pattern, selectors):
            return body
    return ""


def test_the_hidden_attribute_beats_the_display_of_buttons():
    assert re.search(r"display:\s*none\s*!important", css_rule(r"^\s*\[hidden\]\s*$"))


def hex_colour(name: str) -> str:
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS).group(1)


def contrast(one: str, other: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_is_two_tone_and_stands_out_on_the_page_and_the_header():
    rule = css_rule(r"(^|,)\s*:focus-visible\s*(,|$)")
    outline = re.search(r"outline:\s*\d+px solid var\(--([\w-]+)\)", rule)
    halo = re.search(r"box-shadow:\s*0 0 0 \d+px var\(--([\w-]+)\)", rule)
    assert outline and halo, rule
    ring, around = hex_colour(outline.group(1)), hex_colour(halo.group(1))
    page, header = hex_colour("paper"), hex_colour("accent-dark")
    # WCAG 1.4.11: 3:1 with what is next to it, on the white page and on the dark header.
    assert contrast(ring, page) >= 3
    assert contrast(around, header) >= 3
    assert contrast(ring, around) >= 3
    # The error summary (focused by script, so :focus) gets the same ring.
    assert css_rule(r"\.error-summary:focus") == rule


# --- 4. the picker's status, singular and plural -------------------------------------------


def test_the_picker_status_has_a_singular_and_a_plural(client):
    url = reverse("travellers:declare")
    form = soup(client.get(url, **ENGLISH)).find("form", attrs={"data-declare-form": True})

    assert form["data-results-label-one"].startswith("%s place found.")
    assert form["data-results-label-other"].startswith("%s places found.")
    chinese = soup(client.get(url, **CHINESE)).find("form", attrs={"data-declare-form": True})
    assert chinese["data-results-label-one"].startswith("找到%s个地区")
    assert chinese["data-results-label-other"] == chinese["data-results-label-one"]


def test_declare_js_reads_both_forms_of_the_picker_status():
    script = (ROOT / "static" / "js" / "declare.js").read_text(encoding="utf-8")
    assert "text.resultsLabelOne" in script and "text.resultsLabelOther" in script
    assert "text.resultsLabel." not in script


# --- 5. punctuation inside the translation -------------------------------------------------


def test_the_announcement_date_label_has_english_punctuation_in_english(client):
    announcement = Announcement.objects.create(
        title_zh="公告",
        title_en="Notice",
        body_zh="正文",
        body_en="Body",
        status="published",
        published_at=timezone.now(),
    )
    url = reverse("policies:announcement-detail", args=[announcement.pk])

    english = soup(client.get(url, **ENGLISH)).find("time").parent.get_text()
    chinese = soup(client.get(url, **CHINESE)).find("time").parent.get_text()

    assert english.startswith("Published: ") and "：" not in english
    assert chinese.startswith("发布时间：")


# --- 6. focus after adding a companion -----------------------------------------------------


def autofocused(page) -> list[str]:
    return [
        "error-summary" if element.has_attr("data-error-summary") else element["id"]
        for element in page.find_all(autofocus=True)
    ]


def test_adding_a_companion_focuses_the_new_companions_name_and_nothing_else(client):
    first = soup(client.post("/declare/", valid_post(action="add_companion")))
    assert autofocused(first) == ["id_companions-0-full_name"]

    second = soup(
        client.post(
            "/declare/",
            valid_post(
                action="add_companion",
                **{"companions-0-full_name": "王小红", "companions-0-id_type": "resident_id"},
            ),
        )
    )
    assert autofocused(second) == ["id_companions-1-full_name"]
    assert second.find(id="id_companions-0-full_name")["value"] == "王小红"


def test_other_renderings_of_the_form_focus_nothing(client):
    assert autofocused(soup(client.get("/declare/"))) == []
    assert autofocused(soup(client.post("/declare/", valid_post(action="add_legs")))) == []
    # An invalid form: the error summary takes the focus (with or without portal.js),
    # no field may take it first.
    invalid = client.post("/declare/", valid_post(action="continue", full_name=""))
    assert invalid.status_code == 400
    assert autofocused(soup(invalid)) == ["error-summary"]


# --- 7. Chinese data marked as Chinese -----------------------------------------------------


def closest_lang(node) -> str:
    for parent in node.parents:
        if parent.has_attr("lang"):
            return parent["lang"]
    return ""


def unmarked_chinese(page) -> list[str]:
    """Text with Han characters whose nearest lang attribute is not Chinese."""
    main = page.find("main")
    return [
        str(node).strip()
        for node in main.find_all(string=HAN)
        if isinstance(node, NavigableString) and not closest_lang(node).startswith("zh")
    ]


def marked(page, selector: str) -> list[str]:
    return [span.get_text() for span in page.select(selector) if span.get("lang") == "zh-Hans"]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def english_result_page(client):
    from travellers.serializers import DeclarationSerializer
    from travellers.services import declaration_submit

    today = timezone.localdate()
    high_risk_area(designated_on=today - timedelta(days=20), name="示例小区")
    serializer = DeclarationSerializer(data=declaration_payload(today=today, language="en"))
    serializer.is_valid(raise_exception=True)
    declaration = declaration_submit(data=serializer.validated_data, idempotency_key=uuid.uuid4())
    response = client.post(
        reverse("travellers:status"),
        {"reference": declaration.reference, "phone_last4": PHONE[-4:]},
        follow=True,
    )
    assert response.status_code == 200
    return declaration, soup(response)


def test_the_english_result_page_marks_every_chinese_place_and_citation(english):
    declaration, page = english_result_page(english)

    assert page.html["lang"] == "en"
    reasons = page.select_one("[data-reasons]")
    assert "广陵区" in marked(reasons, "strong + span")
    assert "示例小区" in marked(reasons, "span")
    citations = set(PolicyRule.objects.values_list("citation", flat=True))
    assert set(marked(reasons, ".citation span")) & citations
    legs = page.select_one("#legs-heading").find_parent("section")
    assert marked(legs, "li span") == [
        leg.region.full_name for leg in declaration.legs.order_by("position")
    ]
    # Left unmarked: the person's (masked) name, which may be in any script, and the
    # engine's English reason sentences, which quote a county inside their own text.
    from travellers.presentation import present

    sentences = [reason.text for reason in present(declaration.result, "en").reasons]
    left = {text for text in unmarked_chinese(page) if not any(s in text for s in sentences)}
    assert left <= {declaration.masked_name}


def test_the_english_check_page_marks_the_residence_and_community(english):
    assert english.post("/declare/", valid_post()).status_code == 303

    page = soup(english.get(reverse("travellers:declare-check")))

    answers = {
        link["href"].split("#")[1]: dd
        for dd in page.select(".answers dd")
        for link in dd.select("a.change")
    }
    # The district in English, its Chinese name beside it marked; no community: a dash.
    residence = answers["id_residence_region"]
    assert residence.get_text(" ", strip=True).startswith("Chaoyang District, Beijing (")
    assert [span.get_text() for span in residence.select("span[lang=zh-Hans]")] == ["朝阳区"]
    assert not answers["id_community"].select("span[lang=zh-Hans]")
    legs = [dd for key, dd in answers.items() if key.startswith("id_legs-")]
    assert legs and all(dd.select("span[lang=zh-Hans]") for dd in legs)


def test_the_english_form_names_districts_and_a_chosen_region_in_english(english):
    response = english.post(
        "/declare/", valid_post(action="add_legs", **{"legs-0-region_code": "321002"})
    )
    page = soup(response)

    options = {o["value"]: o.get_text() for o in page.select("#id_residence_region option")}
    # An option cannot mark part of its text: the district reads in English first.
    assert options["110105"] == "Chaoyang District (朝阳区)"
    chosen = page.select_one("#id_legs-0-region-chosen").get_text(" ", strip=True)
    assert chosen.startswith("Selected: Guangling District, Yangzhou, Jiangsu (")
    assert marked(page, "#id_legs-0-region-chosen span") == ["江苏省扬州市广陵区"]


def test_the_english_home_page_marks_the_policy_title_and_chinese_only_titles(english):
    Announcement.objects.create(
        title_zh="只有中文标题",
        body_zh="正文",
        status="published",
        published_at=timezone.now(),
    )
    Announcement.objects.create(
        title_zh="中文标题",
        title_en="An English title",
        body_zh="正文",
        status="published",
        published_at=timezone.now() - timedelta(hours=1),
    )

    # A version without an English title: its Chinese one, marked as Chinese.
    PolicyVersion._base_manager.update(title_en="")  # published: past the guard
    page = soup(english.get("/"))

    titles = set(PolicyVersion.objects.values_list("title", flat=True))
    assert set(marked(page, "#policy-heading ~ p span")) & titles
    links = {a.get_text(): a.get("lang") for a in page.select(".announcements a")}
    assert links == {"只有中文标题": "zh-Hans", "An English title": None}
    assert unmarked_chinese(page) == []


def test_the_english_home_page_gives_the_policy_its_english_title(english, client):
    from policies.snapshots import policy_in_force

    version = PolicyVersion.objects.get(code=policy_in_force(timezone.localdate()).code)
    assert version.title_en  # the shipped versions have one

    span = soup(english.get("/")).select_one("#policy-heading ~ p span")
    assert (span.get_text(), span["lang"]) == (version.title_en, "en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    span = soup(client.get("/")).select_one("#policy-heading ~ p span")
    assert (span.get_text(), span["lang"]) == (version.title, "zh-Hans")


def test_english_readers_see_each_communitys_district_in_english(english):
    from tests.travellers.api.payloads import community

    community(code="CY-009", district="110105")
    page = soup(english.get("/declare/"))
    [option] = page.select("#id_community option[value='CY-009']")
    assert option.get_text().startswith("Chaoyang District (朝阳区) · ")
