"""Accessibility in a real browser at phone width: hidden buttons stay hidden (with and
without JavaScript), every tab stop has a focus ring that stands out where it is, the
region picker counts in the singular, and adding a companion focuses their name."""

import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from tests.e2e.test_declare import in_view
from tests.travellers.api.payloads import PHONE, declaration_payload

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def leg_rows(page) -> int:
    return page.locator("[data-leg-list] [data-leg-row]").count()


def test_one_leg_row_left_has_no_remove_button_and_is_never_removed(page):
    page.goto("/declare/")
    # The form starts with one row, whose remove button stays hidden.
    assert leg_rows(page) == 1
    remove = page.locator("[data-leg-row] [data-remove-leg]")
    assert remove.first.is_hidden()
    page.get_by_role("button", name="添加一段行程").click()
    assert leg_rows(page) == 2 and remove.first.is_visible()

    remove.first.click()

    assert leg_rows(page) == 1
    assert remove.count() == 1 and remove.first.is_hidden()
    # Even a click that bypasses the hidden button (a script, an old cached page) keeps it.
    page.evaluate("document.querySelector('[data-remove-leg]').click()")
    assert leg_rows(page) == 1


def test_at_the_limit_of_legs_the_add_button_says_why_it_adds_no_more(page, monkeypatch):
    from travellers import forms

    monkeypatch.setattr(forms, "MAX_LEG_ROWS", 4)
    page.goto("/declare/")
    add = page.get_by_role("button", name="添加一段行程")
    limit = page.locator("[data-legs-limit]")
    assert leg_rows(page) == 1 and add.is_enabled() and limit.inner_text() == ""

    for _ in range(3):
        add.click()

    assert leg_rows(page) == 4
    assert add.is_disabled()
    assert limit.inner_text() == "最多可以填写4段行程。"
    assert limit.get_attribute("aria-live") == "polite"
    page.locator("[data-leg-row] [data-remove-leg]").first.click()
    assert leg_rows(page) == 3 and add.is_enabled() and limit.inner_text() == ""


def a_declaration(**overrides):
    """A declaration submitted through the service, as the form would (``overrides`` of
    the API payload, companions among them)."""
    from travellers.serializers import DeclarationSerializer
    from travellers.services import declaration_submit

    data = declaration_payload(today=timezone.localdate(), **overrides)
    serializer = DeclarationSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return declaration_submit(data=serializer.validated_data, idempotency_key=uuid.uuid4())


def open_result(page, declaration):
    page.goto("/status/")
    page.locator("#id_reference").fill(declaration.reference)
    page.locator("#id_phone_last4").fill(PHONE[-4:])
    page.locator("form[action='/status/'] button[type=submit]").click()
    page.wait_for_url("**/declarations/*/")


def test_the_print_button_shows_with_javascript_only(browser, live_server, page):
    declaration = a_declaration()
    no_script = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="zh-CN",
        base_url=live_server.url,
        java_script_enabled=False,
    )
    try:
        plain = no_script.new_page()
        open_result(plain, declaration)
        assert plain.locator("[data-print]").count() == 1
        assert plain.locator("[data-print]").is_hidden()
    finally:
        no_script.close()

    open_result(page, declaration)
    assert page.get_by_role("button", name="打印").is_visible()


FOCUS_STATE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  let behind = el.parentElement, background = "rgb(255, 255, 255)";
  // The ring is drawn outside the element: what is behind it is its parent's background.
  while (behind) {
    const colour = getComputedStyle(behind).backgroundColor;
    if (colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") { background = colour; break; }
    behind = behind.parentElement;
  }
  const halo = (style.boxShadow.match(/rgba?\\([^)]*\\)/) || [""])[0];
  return {
    name: el.tagName + (el.id ? "#" + el.id : "") + " " + el.textContent.trim().slice(0, 20),
    key: el.tagName + el.id + el.name + el.value + (el.getAttribute("href") || ""),
    isBody: el === document.body,
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    ring: style.outlineColor,
    halo: halo,
    background: background,
  };
}"""


def rgb(text: str) -> tuple[float, float, float]:
    inside = text[text.index("(") + 1 : text.index(")")]
    return tuple(float(part) for part in inside.split(",")[:3])


def contrast(one: str, other: str) -> float:
    def luminance(colour):
        channels = [c / 255 for c in rgb(colour)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def tab_stops(page, limit: int = 200) -> list[dict]:
    """The focus state at each tab stop, from the top of the page to its end."""
    seen, stops = set(), []
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state["isBody"] or state["key"] in seen:
            break
        seen.add(state["key"])
        stops.append(state)
    return stops


@pytest.mark.parametrize("url", ["/", "/declare/"])
def test_every_tab_stop_has_a_ring_with_3_to_1_contrast_against_what_is_behind_it(page, url):
    page.goto(url)

    stops = tab_stops(page)

    assert len(stops) >= 5
    problems = []
    for stop in stops:
        colours = [colour for colour in (stop["ring"], stop["halo"]) if colour]
        best = max(contrast(colour, stop["background"]) for colour in colours)
        if stop["outlineStyle"] == "none" or stop["outlineWidth"] < 2 or best < 3:
            problems.append(f"{stop['name']}: {stop} ({best:.1f}:1)")
    assert not problems, "\n".join(problems)
    # Both places the ring must show: the white page and the dark header.
    backgrounds = {stop["background"] for stop in stops}
    assert "rgb(255, 255, 255)" in backgrounds and "rgb(8, 54, 94)" in backgrounds


def test_the_picker_counts_one_place_and_several_places_in_english(page, live_server):
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page.goto("/declare/")
    field = page.locator("#id_legs-0-region")
    status = page.locator("#id_legs-0-region ~ .picker-status")

    field.press_sequentially("广陵", delay=30)
    page.wait_for_function(
        "el => el.textContent.length > 0", arg=status.element_handle(), timeout=10_000
    )
    assert status.inner_text().startswith("1 place found.")
    # The option reads in English, the Chinese name beside it in a Chinese voice.
    option = page.locator(f"#{field.get_attribute('aria-controls')}").get_by_role("option").first
    assert option.inner_text().startswith("Guangling District, Yangzhou, Jiangsu (广陵区)")
    assert option.locator("span[lang=zh-Hans]").inner_text() == "广陵区"
    option.click()
    assert field.input_value() == "Guangling District, Yangzhou, Jiangsu"
    chosen = page.locator("#id_legs-0-region-chosen")
    assert "Guangling District, Yangzhou, Jiangsu (广陵区)" in chosen.inner_text()

    field.fill("")
    status.evaluate("el => { el.textContent = ''; }")
    field.press_sequentially("朝阳", delay=30)
    page.wait_for_function(
        "el => /places found/.test(el.textContent)", arg=status.element_handle(), timeout=10_000
    )
    assert " 1 places" not in status.inner_text()
    assert status.inner_text().split(" ")[0].isdigit()


def test_adding_a_companion_focuses_and_shows_their_name_field(page):
    page.goto("/declare/")
    page.get_by_role("button", name="添加一位同行人").click()
    page.wait_for_selector("#id_companions-0-full_name")

    page.wait_for_function("document.activeElement.id === 'id_companions-0-full_name'")
    assert in_view(page, "#id_companions-0-full_name")
    assert page.evaluate("window.scrollY") > 0

    page.keyboard.type("王小红")
    page.get_by_role("button", name="添加一位同行人").click()
    page.wait_for_function("document.activeElement.id === 'id_companions-1-full_name'")
    assert in_view(page, "#id_companions-1-full_name")
    assert page.locator("#id_companions-0-full_name").input_value() == "王小红"


BROKEN_WORDS = """(selector) => {
  // A word whose letters sit on two lines has two boxes.
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      if (range.getClientRects().length > 1) { broken.push(match[0]); }
    }
  }
  return broken;
}"""


def test_the_history_wraps_between_words_in_english_at_phone_width(page, live_server):
    declaration = a_declaration()
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    open_result(page, declaration)

    assert page.locator("table[data-history] td").first.inner_text()
    assert page.evaluate(BROKEN_WORDS, "table[data-history] tbody") == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_each_leg_and_each_companion_is_a_group_named_by_its_number(page):
    # Their labels repeat from row to row ("地区（区、县）", "姓名"): the group tells them apart.
    page.goto("/declare/")
    page.get_by_role("button", name="添加一位同行人").click()
    page.wait_for_function("document.activeElement.id === 'id_companions-0-full_name'")
    page.get_by_role("button", name="添加一位同行人").click()
    page.wait_for_function("document.activeElement.id === 'id_companions-1-full_name'")

    for number in (1, 2):
        companion = page.get_by_role("group", name=f"同行人{number}", exact=True)
        assert companion.get_by_role("textbox", name="姓名").get_attribute("id") == (
            f"id_companions-{number - 1}-full_name"
        )

    def described_rows() -> list[str]:
        return [
            page.locator(f"#{button.get_attribute('aria-describedby')}").inner_text()
            for button in page.locator("[data-remove-leg]").all()
        ]

    add = page.get_by_role("button", name="添加一段行程")
    add.click()
    add.click()
    assert described_rows() == ["第1段行程", "第2段行程", "第3段行程"]
    page.locator("[data-remove-leg]").first.click()
    page.get_by_role("button", name="添加一段行程").click()
    # Renumbered after a removal and an addition: names, descriptions and fields agree.
    assert described_rows() == ["第1段行程", "第2段行程", "第3段行程"]
    for number in (1, 2, 3):
        row = page.get_by_role("group", name=f"第{number}段行程", exact=True)
        assert row.get_by_role("combobox").get_attribute("id") == f"id_legs-{number - 1}-region"


def test_the_reference_is_spelled_out_for_a_screen_reader_and_copies_as_shown(page):
    declaration = a_declaration()
    open_result(page, declaration)
    shown = f"{declaration.reference[:5]}-{declaration.reference[5:]}"
    paragraph = page.locator("p", has=page.locator(".reference"))

    # What a screen reader gets: the letters one by one, not the strong's (unsupported) name.
    spoken = paragraph.aria_snapshot()
    assert " ".join(declaration.reference) in spoken and shown not in spoken
    assert page.locator("main [aria-label]").count() == 0
    # What a reader who selects the paragraph copies: the code as shown, once.
    copied = paragraph.evaluate(
        """p => { const range = document.createRange(); range.selectNodeContents(p);
                  const selection = getSelection(); selection.removeAllRanges();
                  selection.addRange(range); return selection.toString(); }"""
    )
    assert shown in copied and " ".join(declaration.reference) not in copied
