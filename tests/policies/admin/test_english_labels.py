"""The admin in English: plural model names, and objects named by what they are."""

from datetime import date

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from policies.models import Designation
from tests.policies.admin.conftest import make_area

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


# The models the admin lists (the history tables and the engine's stamp row are not).
ADMIN_MODELS = [
    model
    for model in apps.get_app_config("policies").get_models()
    if not model._meta.model_name.startswith("historical")
    and model._meta.model_name != "enginedatastamp"
]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model.__name__)
def test_every_policies_model_has_an_english_plural_of_its_own(model):
    with translation.override("en"):
        singular, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
    assert plural != singular and plural.endswith("s")
    with translation.override("zh-hans"):
        # Chinese has one form for both.
        assert str(model._meta.verbose_name_plural) == str(model._meta.verbose_name)


def test_the_english_risk_area_list_speaks_in_plurals(officer_client):
    make_area("321002", "文昌花园", "high", date(2021, 7, 28))
    make_area("410103", "某某小区", "medium", date(2021, 7, 30))
    page = officer_client.get(reverse("admin:policies_riskarea_changelist"), **ENGLISH)
    text = page.content.decode()
    assert "Delete selected risk areas" in text
    assert "2 risk areas" in text


def test_a_designation_is_named_by_its_region_not_its_code():
    designation = Designation.objects.create(
        kind="case_city", region_id="410100", valid_from=date(2021, 7, 31)
    )
    assert str(designation) == "有病例城市：河南省郑州市"
    with translation.override("en"):
        assert str(designation).startswith("City with cases: Zhengzhou")
        assert "(郑州市)" in str(designation)
