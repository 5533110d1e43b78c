"""GET /api/v1/regions/: the public region picker search."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from policies.regions import MAX_LIMIT, region_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def search():
    client = APIClient()

    def get(**params):
        response = client.get(reverse("region-search"), params)
        assert response.status_code == 200, response.content
        return response.json()["results"]

    return get


def codes(results):
    return [result["code"] for result in results]


def test_it_finds_a_district_by_a_chinese_name_fragment(search):
    results = search(q="广陵")
    assert results[0] == {
        "code": "321002",
        "name": "广陵区",
        "full_name": "江苏省扬州市广陵区",
        "level": "county",
        "county_level": True,
        "retired": False,
        "name_en": "Guangling District",
        "full_name_en": "Guangling District, Yangzhou, Jiangsu",
    }


@pytest.mark.parametrize(
    ("query", "code", "name_en", "full_name_en"),
    [
        ("110105", "110105", "Chaoyang District", "Chaoyang District, Beijing"),
        ("341500", "341500", "Lu'an City", "Lu'an City, Anhui"),
        ("鄂伦春", "150723", "Elunchun Autonomous Banner", None),
    ],
)
def test_the_english_names_come_with_the_chinese_ones(search, query, code, name_en, full_name_en):
    [region] = [r for r in search(q=query) if r["code"] == code]
    assert region["name_en"] == name_en
    if full_name_en:
        assert region["full_name_en"] == full_name_en


def test_it_matches_every_word_of_a_chinese_query_in_the_full_name(search):
    assert codes(search(q="扬州 广陵")) == ["321002"]
    assert codes(search(q="扬州市广陵")) == ["321002"]


@pytest.mark.parametrize("query", ["guangling", "GuangLing", "guang ling", "guanglingqu"])
def test_it_finds_a_district_by_pinyin_prefix_in_any_case(search, query):
    assert "321002" in codes(search(q=query))


@pytest.mark.parametrize("query", ["Guangling District", "guangling district, yangzhou"])
def test_it_finds_a_district_by_its_english_name(search, query):
    assert codes(search(q=query, for_legs="1"))[:1] == ["321002"]


def test_a_citys_english_name_finds_its_districts_as_its_chinese_name_does(search):
    english = set(codes(search(q="yangzhou", for_legs="1", limit=20)))
    chinese = set(codes(search(q="扬州", for_legs="1", limit=20)))
    assert "321002" in english and english == chinese


def test_an_exact_pinyin_match_comes_first(search):
    assert codes(search(q="guanglingqu"))[0] == "321002"
    # 广灵县 (guanglingxian) sorts before 广陵区 by code, but both are only prefix matches.
    assert codes(search(q="guangling")) == ["140223", "321002"]


def test_it_finds_a_district_by_pinyin_initials(search):
    assert "321002" in codes(search(q="gl", limit=MAX_LIMIT))
    # 鼓楼区 (several) and 高陵区 are glq too.
    assert codes(search(q="GLQ")) == ["320106", "320302", "321002", "350102", "410204", "610117"]


def test_it_finds_a_prefecture_and_its_districts_by_code_prefix(search):
    results = codes(search(q="3210"))
    assert results[0] == "321000"
    assert "321002" in results
    assert all(code.startswith("3210") for code in results)


def test_an_exact_code_comes_first(search):
    assert codes(search(q="110105")) == ["110105"]


def test_exact_name_matches_come_before_name_prefixes_and_the_rest(search):
    results = search(q="朝阳区")
    assert codes(results) == ["110105", "220104"]
    results = codes(search(q="朝阳", limit=MAX_LIMIT))
    # Names starting with 朝阳 first (by code), then units inside 朝阳市 (辽宁).
    assert results[:5] == ["110105", "211300", "211321", "220104", "211302"]


def test_units_in_force_come_before_retired_ones_of_the_same_name(search):
    results = search(q="三元区")
    assert [(r["code"], r["retired"]) for r in results] == [("350404", False), ("350403", True)]


def test_retired_codes_are_found_and_flagged(search):
    results = search(q="江干")
    assert [(r["code"], r["retired"]) for r in results] == [("330104", True)]


def test_for_legs_leaves_out_the_jurisdiction_and_units_above_county_level(search, settings):
    settings.PORTAL_JURISDICTION = "110000"
    everything = codes(search(q="朝阳", limit=MAX_LIMIT))
    legs = search(q="朝阳", for_legs="1", limit=MAX_LIMIT)
    assert "110105" in everything and "211300" in everything
    assert "110105" not in codes(legs) and "211300" not in codes(legs)
    assert "220104" in codes(legs)
    assert all(r["county_level"] for r in legs)
    assert not any(code.startswith("11") for code in codes(search(q="bj", for_legs="true")))


def test_for_legs_follows_the_configured_jurisdiction(search, settings):
    settings.PORTAL_JURISDICTION = "320000"
    assert codes(search(q="朝阳区", for_legs="1")) == ["110105", "220104"]
    assert codes(search(q="广陵", for_legs="1")) == []


def test_for_legs_keeps_prefecture_cities_without_counties(search):
    assert codes(search(q="东莞", for_legs="1")) == ["441900"]


def test_limit_defaults_to_20_and_is_capped(search):
    assert len(search(q="江苏")) == 20
    assert len(search(q="江苏", limit=5)) == 5
    assert len(search(q="江苏", limit=500)) == MAX_LIMIT


@pytest.mark.parametrize("query", ["", "   ", "g", "3"])
def test_an_empty_or_too_short_query_returns_no_results(search, query):
    assert search(q=query) == []


def test_no_query_at_all_returns_no_results(search):
    assert search() == []


def test_a_malformed_limit_is_a_client_error():
    response = APIClient().get(reverse("region-search"), {"q": "江苏", "limit": "many"})
    assert response.status_code == 400
    assert "limit" in response.json()


def test_it_is_public_and_cacheable():
    response = APIClient().get(reverse("region-search"), {"q": "广陵"})
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]


def test_the_selector_takes_the_jurisdiction_as_an_argument():
    found = region_search(query="江宁", for_legs=True, jurisdiction="320000")
    assert found == []
    found = region_search(query="江宁", for_legs=True, jurisdiction="110000")
    assert [region.code for region in found] == ["320115"]


def test_the_endpoint_is_in_the_openapi_schema():
    response = APIClient().get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"]["/api/v1/regions/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "for_legs", "limit"}
    region = schema["components"]["schemas"]["Region"]["properties"]
    assert {"name", "full_name", "name_en", "full_name_en"} <= set(region)


def test_a_query_with_a_nul_character_finds_nothing_instead_of_failing():
    # The form's no-JavaScript leg row searches with whatever was typed; PostgreSQL
    # refuses NUL in a parameter.
    assert region_search(query="广陵\x00") == []
    assert region_search(query="\x00", for_legs=True) == []
