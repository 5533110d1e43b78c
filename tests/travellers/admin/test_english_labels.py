"""The travellers admin in English: plural model names and the staff's own titles."""

import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from tests.travellers.backoffice import health_officer, make_community, make_declaration
from travellers.models import EventKind, Notice

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.mark.parametrize(
    "model", list(apps.get_app_config("travellers").get_models()), ids=lambda model: model.__name__
)
def test_every_travellers_model_has_an_english_plural_of_its_own(model):
    with translation.override("en"):
        singular, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
    assert plural != singular and plural.endswith("s")
    assert singular[:1].islower()  # Django capitalises where a sentence starts
    with translation.override("zh-hans"):
        assert str(model._meta.verbose_name_plural) == str(model._meta.verbose_name)


def test_the_english_declaration_list_speaks_in_plurals(client):
    make_declaration()
    make_declaration()
    client.force_login(health_officer())
    page = client.get(reverse("admin:travellers_declaration_changelist"), **ENGLISH)
    text = page.content.decode()
    assert "2 declarations" in text
    assert "2 declaration<" not in text and "2 declaration " not in text


def inline_titles(page: str) -> list[str]:
    return [
        " ".join(title.split())
        for title in re.findall(r'<h2 id="[^"]*" class="inline-heading">(.*?)</h2>', page, re.S)
    ]


@pytest.fixture
def change_page(client):
    declaration = make_declaration(community=make_community("110105001", "望京东园社区"))
    client.force_login(health_officer())
    url = reverse("admin:travellers_declaration_change", args=[declaration.pk])
    return lambda headers: client.get(url, **headers).content.decode()


def test_the_staff_page_titles_the_legs_as_an_itinerary_not_the_citizens_trip(change_page):
    english = change_page(ENGLISH)
    assert inline_titles(english) == [
        "Itinerary",
        "Assessment records",
        "Notices",
        "Follow-up notes so far",
        "Declaration events",
    ]
    assert "Your trip" not in english
    assert inline_titles(change_page(CHINESE)) == [
        "行程",
        "评估记录",
        "通知",
        "跟进备注记录",
        "申报事件",
    ]


def test_the_hidden_follow_up_field_carries_no_auto_label(change_page):
    english = change_page(ENGLISH)
    assert 'name="seen_follow_up"' in english
    assert "Seen follow up" not in english


def test_the_chinese_index_names_its_table_columns_in_chinese(client):
    client.force_login(health_officer())
    page = client.get(reverse("admin:index"), **CHINESE).content.decode()
    assert "模型名称" in page and "增加链接" in page and "修改或查看列表链接" in page
    assert "Model name" not in page and "Add link" not in page


def test_a_notice_names_its_evaluation_as_such_not_as_the_event_kind():
    with translation.override("en"):
        assert str(Notice._meta.get_field("evaluation").verbose_name) == "assessment"
        assert str(EventKind.EVALUATED.label) == "Assessed"
