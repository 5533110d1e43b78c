import math

import pytest
from django.core.exceptions import ValidationError

from travellers import references

AMBIGUOUS = set("01ILO")


def test_a_reference_has_ten_characters_from_the_unambiguous_alphabet():
    for _ in range(1000):
        reference = references.new_reference()
        assert len(reference) == 10
        assert set(reference) <= set(references.ALPHABET)
        assert not set(reference) & AMBIGUOUS


def test_the_alphabet_has_no_confusable_characters():
    assert not set(references.ALPHABET) & AMBIGUOUS
    assert len(set(references.ALPHABET)) == len(references.ALPHABET) == 31


def test_ten_thousand_references_are_all_different_and_use_the_whole_alphabet():
    drawn = [references.new_reference() for _ in range(10_000)]
    assert len(set(drawn)) == len(drawn)
    # 100,000 draws over 31 symbols: a symbol that never appears means a biased source.
    assert set("".join(drawn)) == set(references.ALPHABET)


def test_a_reference_carries_at_least_45_bits_of_entropy():
    possibilities = len(references.ALPHABET) ** references.LENGTH
    assert possibilities >= 2**45
    assert math.log2(possibilities) == pytest.approx(references.BITS)


def test_it_groups_a_reference_for_reading_aloud():
    assert references.format_reference("ABCDE23456") == "ABCDE-23456"


@pytest.mark.parametrize("typed", ["ABCDE23456", "abcde23456", "ABCDE-23456", " abcde 234 56 "])
def test_it_normalises_what_a_person_types(typed):
    assert references.normalise_reference(typed) == "ABCDE23456"


def test_a_formatted_reference_normalises_back():
    reference = references.new_reference()
    formatted = references.format_reference(reference)
    assert references.normalise_reference(formatted) == reference


@pytest.mark.parametrize(
    "typed",
    ["ABCDE2345O", "ABCDE23450", "ABCDE2345I", "ABCDE2345L", "ABCDE2345", "ABCDE234567", ""],
)
def test_it_refuses_confusable_characters_and_wrong_lengths(typed):
    with pytest.raises(ValidationError) as caught:
        references.normalise_reference(typed)
    assert caught.value.code == "invalid_reference"
