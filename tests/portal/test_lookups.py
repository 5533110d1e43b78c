"""``__any_of`` finds the same rows as ``__in`` (an array parameter on PostgreSQL)."""

import pytest

from policies.models import Region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "codes", [["321002", "321003", "110105", "999999"], ("321002",), set(), {"110105"}]
)
def test_any_of_finds_what_in_finds(codes):
    expected = sorted(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    found = sorted(Region.objects.filter(code__any_of=codes).values_list("code", flat=True))
    assert found == expected
    assert len(found) == len(set(codes) - {"999999"})


def test_any_of_with_a_subquery_is_in():
    inner = Region.objects.filter(code__startswith="3210").values("code")
    assert Region.objects.filter(code__any_of=inner).count() == inner.count() > 1


def test_any_of_on_a_foreign_key_takes_ids():
    inside = list(Region.objects.filter(code__startswith="3210").values_list("code", flat=True))
    assert Region.objects.filter(parent_id__any_of=["321000"]).count() == len(inside) - 1
