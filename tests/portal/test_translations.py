"""The English catalogue is complete, keeps every placeholder, compiles, and the English
citizen pages show no Chinese apart from data (place names, policy titles).

When a test here fails after you added or changed a Chinese source string:

    DEBUG=true .venv/bin/python manage.py makemessages -l en \
        --ignore=.venv --ignore=var --ignore=tests --no-obsolete
    # translate the new entries in locale/en/LC_MESSAGES/django.po, drop "#, fuzzy"
    .venv/bin/python scripts/compile_messages.py
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import polib
import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.urls import reverse

from policies.models import PolicyVersion, Region

ROOT = Path(__file__).resolve().parents[2]
EN_CATALOGUES = sorted((ROOT / "locale" / "en" / "LC_MESSAGES").glob("*.po"))

# Han ideographs, CJK punctuation (、。「」) and full-width forms (，：（）).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
PERCENT_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]")
BRACE_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# Attributes whose text a reader sees or hears (the data-*-label ones feed declare.js).
READ_ATTRIBUTES = re.compile(r"^(title|alt|placeholder|aria-label|data-[\w-]*label)$")


def entries():
    for path in EN_CATALOGUES:
        for entry in polib.pofile(str(path)):
            if not entry.obsolete:
                yield path.name, entry


def translations(entry) -> list[tuple[str, str]]:
    """(source, translation) pairs: one per plural form, the plural source for form 1+."""
    if not entry.msgid_plural:
        return [(entry.msgid, entry.msgstr)]
    return [
        (entry.msgid if form == 0 else entry.msgid_plural, text)
        for form, text in sorted(entry.msgstr_plural.items())
    ]


def describe(problems: list[str]) -> str:
    return f"{len(problems)} entries:\n" + "\n".join(problems)


def test_there_is_an_english_django_catalogue():
    assert [path.name for path in EN_CATALOGUES][:1] == ["django.po"]
    assert sum(1 for _ in entries()) > 100


def test_every_english_entry_is_translated_and_none_is_fuzzy():
    problems = []
    for name, entry in entries():
        if "fuzzy" in entry.flags:
            problems.append(f"{name}: fuzzy: {entry.msgid!r}")
        elif any(not text.strip() for _source, text in translations(entry)):
            problems.append(f"{name}: untranslated: {entry.msgid!r}")
    assert not problems, "Translate these in locale/en/LC_MESSAGES " + describe(problems)


def test_translations_keep_the_placeholders_and_tags_of_their_source():
    problems = []
    for name, entry in entries():
        for source, text in translations(entry):
            if not text:
                continue  # reported by the completeness test
            checks = [BRACE_PLACEHOLDER, HTML_TAG]
            if "python-format" in entry.flags:
                checks.append(PERCENT_PLACEHOLDER)
            for pattern in checks:
                wanted, got = Counter(pattern.findall(source)), Counter(pattern.findall(text))
                if wanted != got:
                    problems.append(
                        f"{name}: {source!r} has {sorted(wanted.elements())}, "
                        f"translation {text!r} has {sorted(got.elements())}"
                    )
    assert not problems, "Placeholders differ in " + describe(problems)


def test_the_message_compiler_builds_a_catalogue_gettext_can_read(tmp_path):
    # A copy, so the run compiles everything whatever the mtimes of the working tree.
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "compile_messages.py", tmp_path / "scripts")
    shutil.copytree(ROOT / "locale", tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))

    run = subprocess.run(
        [sys.executable, "scripts/compile_messages.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stderr
    for po_path in (tmp_path / "locale").glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        assert mo_path.exists(), f"{po_path} was not compiled"
        with mo_path.open("rb") as mo_file:
            catalogue = gettext.GNUTranslations(mo_file)
        for entry in polib.pofile(str(po_path)).translated_entries():
            if entry.msgid_plural:
                continue
            if entry.msgctxt:
                assert catalogue.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
            else:
                assert catalogue.gettext(entry.msgid) == entry.msgstr


def _message_keys(path) -> set[tuple]:
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural)
        for entry in polib.pofile(str(path))
        if not entry.obsolete and entry.msgid
    }


def test_the_catalogue_holds_every_message_of_the_source_and_no_other(tmp_path):
    """What makemessages would extract today, against what is committed: a string added
    to the source without a catalogue entry shows in Chinese on English pages."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs gettext (.ci/run): xgettext is missing")
        pytest.skip("needs GNU gettext's xgettext (apt-get install gettext)")
    for name in ("manage.py",):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("portal", "policies", "travellers", "templates", "locale"):
        shutil.copytree(
            ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.mo", "__pycache__")
        )
    run = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=tmp_path,
        env={**os.environ, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    committed = _message_keys(ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po")
    extracted = _message_keys(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")
    missing, unused = sorted(extracted - committed), sorted(committed - extracted)
    assert not missing and not unused, (
        f"run `make makemessages` and translate: missing {missing}, no longer used {unused}"
    )


def visible_text(response) -> str:
    page = BeautifulSoup(response.content, "html.parser")
    for hidden in page(["script", "style", "template"]):
        hidden.decompose()
    # Language names are deliberately written in their own language (简体中文).
    native_names = {name for _code, name in settings.LANGUAGES}
    for option in page.find_all("option"):
        if option.get_text(strip=True) in native_names:
            option.decompose()
    # So is the form's own switch to the other language (declare.html, without JavaScript).
    for switch in page.select("[data-language-switch]"):
        switch.decompose()
    spoken = [
        str(value)
        for tag in page.find_all(True)
        for attribute, value in tag.attrs.items()
        if READ_ATTRIBUTES.match(attribute)
    ]
    return " ".join([page.get_text(" ", strip=True), *spoken])


def data_names() -> list[str]:
    """Chinese that comes from the database, longest first so no name is cut in two."""
    names = set(PolicyVersion.objects.values_list("title", flat=True))
    for name, full_name in Region.objects.values_list("name", "full_name"):
        names.update((name, full_name))
    return sorted((name for name in names if name), key=len, reverse=True)


def chinese_left(text: str) -> list[str]:
    for name in data_names():
        text = text.replace(name, " ")
    return CJK.findall(text)


ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    [
        "travellers:home",
        "travellers:declare",
        "travellers:status",
        "policies:announcement-list",
        "policies:risk-areas",
    ],
)
def test_english_pages_show_no_chinese_apart_from_data(client, url_name):
    response = client.get(reverse(url_name), **ENGLISH)

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert chinese_left(visible_text(response)) == []


@pytest.mark.django_db
def test_english_form_errors_show_no_chinese(client):
    wrong = {
        "action": "continue",
        "kind": "pre_travel",
        "id_type": "resident_id",
        "id_number": "12345",
        "legs-0-region": "nowhere",
        "legs-0-start_date": "2021-08-05",
        "legs-0-end_date": "2021-08-01",
    }

    response = client.post(reverse("travellers:declare"), wrong, **ENGLISH)

    assert response.status_code == 400
    text = visible_text(response)
    assert "A resident identity card number has 18 characters. You entered 5." in text
    assert "“nowhere” was not found." in text
    assert chinese_left(text) == []


@pytest.mark.django_db
def test_an_english_failed_lookup_shows_no_chinese(client):
    response = client.post(
        reverse("travellers:status"),
        {"reference": "ABCDE23456", "phone_last4": "1234"},
        **ENGLISH,
    )

    assert response.status_code == 404
    assert chinese_left(visible_text(response)) == []


@pytest.mark.django_db
def test_the_chinese_pages_stay_chinese(client):
    # The default language must not pick up the English catalogue.
    response = client.get(reverse("travellers:declare"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response["Content-Language"] == "zh-hans"
    assert "申报行程" in visible_text(response)
    assert "Declare your trip" not in visible_text(response)


@pytest.mark.django_db
def test_an_english_result_page_shows_no_chinese_apart_from_data(client):
    import uuid

    from django.utils import timezone

    from policies.models import PolicyRule, RiskArea
    from tests.travellers.api.payloads import PHONE, declaration_payload, high_risk_area
    from travellers.serializers import DeclarationSerializer
    from travellers.services import declaration_submit

    today = timezone.localdate()
    high_risk_area(designated_on=today - timedelta(days=20))
    serializer = DeclarationSerializer(data=declaration_payload(today=today, language="en"))
    serializer.is_valid(raise_exception=True)
    declaration = declaration_submit(data=serializer.validated_data, idempotency_key=uuid.uuid4())

    found = client.post(
        reverse("travellers:status"),
        {"reference": declaration.reference, "phone_last4": PHONE[-4:]},
        follow=True,
        **ENGLISH,
    )

    assert found.status_code == 200
    text = visible_text(found)
    assert "Do not travel" in text
    # Data written in Chinese only: citations, area names, the masked name.
    for data in [
        *PolicyRule.objects.values_list("citation", flat=True),
        *RiskArea.objects.values_list("name", flat=True),
        declaration.masked_name,
    ]:
        text = text.replace(data, " ")
    assert chinese_left(text) == []
