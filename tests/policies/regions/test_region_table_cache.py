"""The in-process region table: read once, and never older than the rows it copies."""

import pytest
from django.core.management import call_command
from django.utils import translation

from policies.models import Region
from policies.regions import forget_region_table, region_display_name, region_table

pytestmark = pytest.mark.django_db


def test_it_reads_the_table_once_per_process(django_assert_num_queries):
    with django_assert_num_queries(1):
        table = region_table()
    with django_assert_num_queries(0):
        assert region_table() is table
    assert table["110105"].name == Region.objects.get(code="110105").name
    assert table["110105"].county_level is True
    assert Region.objects.count() == len(table)


def test_it_keeps_retired_codes_and_their_flag():
    retired = Region.objects.filter(retired=True).first()
    assert retired is not None
    assert region_table()[retired.code].retired is True


def test_saving_a_region_is_seen_at_once():
    assert "990101" not in region_table()
    Region.objects.create(code="990101", name="测试区", full_name="测试区", level="county")
    assert region_table()["990101"].name == "测试区"

    Region.objects.filter(code="990101").update(name="改名区")  # no signal: forget by hand
    forget_region_table()
    assert region_table()["990101"].name == "改名区"


def test_deleting_a_region_is_seen_at_once():
    Region.objects.create(code="990102", name="测试区", full_name="测试区", level="county")
    assert "990102" in region_table()
    Region.objects.filter(code="990102").delete()
    assert "990102" not in region_table()


def test_migrating_forgets_the_table(django_assert_num_queries):
    region_table()
    call_command("migrate", "policies", verbosity=0)
    with django_assert_num_queries(1):
        region_table()


def test_a_rolled_back_region_does_not_outlive_its_test():
    # The previous tests added 99xxxx codes inside their (rolled-back) transactions.
    assert not any(code.startswith("99") for code in region_table())


def test_the_display_name_is_english_with_the_chinese_beside_it_for_english_readers():
    assert region_display_name("321002", "zh-hans") == "广陵区"
    assert region_display_name("321002", "en") == "Guangling District, Yangzhou, Jiangsu (广陵区)"
    assert region_display_name("321002", "en", context=False) == "Guangling District (广陵区)"
    assert region_display_name("999999", "en") == "999999"
    # A row without an English name (one added by hand) keeps its Chinese one.
    Region.objects.create(code="990103", name="测试区", full_name="测试区", level="county")
    assert region_display_name("990103", "en") == "测试区"


def test_a_region_row_names_itself_in_the_active_language():
    region = Region.objects.get(code="321002")
    with translation.override("zh-hans"):
        assert region.display_name == "江苏省扬州市广陵区"
    with translation.override("en"):
        assert region.display_name == "Guangling District, Yangzhou, Jiangsu (广陵区)"
