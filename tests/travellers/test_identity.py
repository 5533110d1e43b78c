from datetime import date

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn.ric import calc_check_digit

from policies.models import Region
from travellers import identity

TODAY = date(2021, 8, 8)


def make_resident_id(region: str, birth: str, sequence: str = "123") -> str:
    body = region + birth + sequence
    return body + calc_check_digit(body + "?")


def with_wrong_check_digit(number: str) -> str:
    wrong = next(c for c in "0123456789X" if c != number[-1])
    return number[:-1] + wrong


def region(code, name, level, county_level=False):
    Region.objects.update_or_create(
        code=code,
        defaults={"name": name, "full_name": name, "level": level, "county_level": county_level},
    )


@pytest.fixture
def regions(db):
    # Whatever the region table ships, 99xxxx is no province: keep it absent.
    Region.objects.filter(code__startswith="99").delete()
    region("110000", "北京市", "province")
    region("110105", "朝阳区", "county", county_level=True)
    region("320000", "江苏省", "province")
    region("321000", "扬州市", "prefecture")
    Region.objects.filter(code__in=["321099", "329901", "3299" + "00"]).delete()


def assert_refused(code, func, *args, **kwargs):
    with pytest.raises(ValidationError) as caught:
        func(*args, **kwargs)
    assert caught.value.code == code
    assert str(caught.value.messages[0])
    return caught.value


def test_it_accepts_a_real_shaped_resident_id(regions):
    number = make_resident_id("110105", "19900101")
    assert identity.validate_resident_id(number, today=TODAY) == number


def test_it_normalises_spaces_and_a_lower_case_x(regions):
    sequence = next(
        f"{n:03d}"
        for n in range(1000)
        if make_resident_id("110105", "19650704", f"{n:03d}").endswith("X")
    )
    number = make_resident_id("110105", "19650704", sequence)
    typed = f" {number[:6]} {number[6:14]} {number[14:].lower()} "
    assert identity.validate_resident_id(typed, today=TODAY) == number


def test_it_does_not_need_stdnum_to_know_the_county_of_old_cards(regions):
    # stdnum's is_valid refuses this (no such county in its table for 1950); we do not.
    number = make_resident_id("321099", "19500315")
    assert identity.validate_resident_id(number, today=TODAY) == number


def test_it_accepts_a_code_known_only_by_its_province(regions):
    number = make_resident_id("329901", "19720101")
    assert identity.validate_resident_id(number, today=TODAY) == number


def test_it_accepts_the_residence_permits_of_hong_kong_macao_and_taiwan_residents(regions):
    for prefix in identity.RESIDENCE_PERMIT_PREFIXES:
        number = make_resident_id(prefix, "19880808")
        assert identity.validate_resident_id(number, today=TODAY) == number


def test_it_refuses_an_unknown_region_prefix(regions):
    assert_refused(
        "id_region",
        identity.validate_resident_id,
        make_resident_id("990101", "19900101"),
        today=TODAY,
    )


def test_it_refuses_a_wrong_check_digit(regions):
    number = with_wrong_check_digit(make_resident_id("110105", "19900101"))
    assert_refused("id_checksum", identity.validate_resident_id, number, today=TODAY)


def test_it_refuses_a_birth_date_in_the_future(regions):
    number = make_resident_id("110105", "20210809")
    assert_refused("id_birth_future", identity.validate_resident_id, number, today=TODAY)
    # Born today is fine.
    born_today = make_resident_id("110105", "20210808")
    assert identity.validate_resident_id(born_today, today=TODAY) == born_today


def test_it_refuses_a_birth_date_before_1900(regions):
    number = make_resident_id("110105", "18991231")
    assert_refused("id_birth_too_early", identity.validate_resident_id, number, today=TODAY)


def test_it_refuses_a_birth_date_that_does_not_exist(regions):
    number = make_resident_id("110105", "19900230")
    assert_refused("id_birth_date", identity.validate_resident_id, number, today=TODAY)


def test_it_refuses_wrong_length_and_letters(regions):
    error = assert_refused("id_length", identity.validate_resident_id, "11010519900101123")
    assert "17" in error.messages[0]
    assert_refused("id_format", identity.validate_resident_id, "11010519900101A234")
    assert_refused("required", identity.validate_resident_id, "  ")


def test_it_accepts_full_width_digits_from_chinese_input_methods(regions):
    number = make_resident_id("110105", "19900101")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert identity.validate_resident_id(full_width, today=TODAY) == number
    assert identity.validate_mainland_mobile("１３９１２３４５６７８") == "13912345678"
    assert identity.validate_taiwan_permit("１２３４５６７８") == "12345678"


def test_it_refuses_digits_of_other_scripts(regions):
    number = make_resident_id("110105", "19900101")
    arabic_indic = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in number)
    assert_refused("id_format", identity.validate_resident_id, arabic_indic, today=TODAY)


def test_it_uses_todays_date_in_shanghai_by_default(regions):
    far_future = make_resident_id("110105", "29990101")
    assert_refused("id_birth_future", identity.validate_resident_id, far_future)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [("e12345678", "E12345678"), ("G 1234 5678", "G12345678"), ("AB123", "AB123")],
)
def test_passport_numbers_are_normalised(typed, normalised):
    assert identity.validate_passport(typed) == normalised


@pytest.mark.parametrize("typed", ["E123", "E1234567890123456789", "E12345/678", "护照123456"])
def test_passport_numbers_of_the_wrong_shape_are_refused(typed):
    assert_refused("passport_format", identity.validate_passport, typed)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("C12345678", "C12345678"),
        ("ca1234567", "CA1234567"),
        ("H1234567801", "H1234567801"),
        ("M12345678", "M12345678"),
        ("m 12345678 01", "M1234567801"),
    ],
)
def test_hong_kong_macao_permits_are_accepted(typed, normalised):
    assert identity.validate_hk_macao_permit(typed) == normalised


@pytest.mark.parametrize(
    "typed", ["C1234567", "C123456789", "X12345678", "H123456789", "H12345678012", "HA2345678"]
)
def test_hong_kong_macao_permits_of_the_wrong_shape_are_refused(typed):
    assert_refused("hk_macao_permit_format", identity.validate_hk_macao_permit, typed)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [("12345678", "12345678"), ("1234567890", "1234567890"), ("a123456789", "A123456789")],
)
def test_taiwan_permits_are_accepted(typed, normalised):
    assert identity.validate_taiwan_permit(typed) == normalised


@pytest.mark.parametrize("typed", ["1234567", "123456789", "12345678901", "1234567\u0668"])
def test_taiwan_permits_of_the_wrong_shape_are_refused(typed):
    assert_refused("taiwan_permit_format", identity.validate_taiwan_permit, typed)


def test_validate_id_number_dispatches_on_the_document_type(regions):
    number = make_resident_id("110105", "19900101")
    assert identity.validate_id_number("resident_id", number, today=TODAY) == number
    assert identity.validate_id_number("passport", "e1234567") == "E1234567"
    assert identity.validate_id_number("hk_macao_permit", "C12345678") == "C12345678"
    assert identity.validate_id_number("taiwan_permit", "12345678") == "12345678"
    assert_refused("id_type", identity.validate_id_number, "driving_licence", "123456")
    # A passport number is not a resident ID.
    assert_refused("id_length", identity.validate_id_number, "resident_id", "E12345678")


@pytest.mark.parametrize(
    "typed",
    [
        "13912345678",
        "139 1234 5678",
        "139-1234-5678",
        "+86 139 1234 5678",
        "+8613912345678",
        "86 13912345678",
        "0086-139-1234-5678",
    ],
)
def test_mainland_mobiles_are_normalised_to_eleven_digits(typed):
    assert identity.validate_mainland_mobile(typed) == "13912345678"


@pytest.mark.parametrize(
    "typed",
    ["12912345678", "1391234567", "139123456789", "+1 139 1234 5678", "010-12345678", "abc"],
)
def test_other_phone_numbers_are_refused(typed):
    assert_refused("phone_format", identity.validate_mainland_mobile, typed)


def test_an_empty_phone_is_reported_as_missing():
    assert_refused("required", identity.validate_mainland_mobile, " ")


# Invisible format characters (Unicode category Cf) come with pasted text: direction
# marks around a number copied from a right-to-left or mixed page, zero-width spaces
# from chat apps and word processors.
LRE, PDF, RLM, ZWSP, BOM = "\u202a", "\u202c", "\u200f", "\u200b", "\ufeff"


@pytest.mark.parametrize(
    "typed",
    [
        f"{LRE}+86 139 1234 5678{PDF}",
        f"{RLM}13912345678",
        f"139{ZWSP}1234{ZWSP}5678",
        f"{BOM}13912345678",
    ],
)
def test_invisible_format_characters_around_a_phone_number_are_dropped(typed):
    assert identity.validate_mainland_mobile(typed) == "13912345678"


def test_a_phone_of_format_characters_only_is_reported_as_missing():
    assert_refused("required", identity.validate_mainland_mobile, f"{LRE}{ZWSP}{PDF}")


@pytest.mark.parametrize(
    "wrap",
    [
        lambda number: number[:6] + ZWSP + number[6:],
        lambda number: LRE + number + PDF,
        lambda number: RLM + number,
    ],
)
def test_invisible_format_characters_in_a_resident_id_are_dropped(regions, wrap):
    number = make_resident_id("110105", "19900101")
    assert identity.validate_resident_id(wrap(number), today=TODAY) == number


def test_a_zero_width_space_no_longer_counts_as_a_nineteenth_character(regions):
    number = make_resident_id("110105", "19900101")
    # Still too short once the invisible character is dropped: the count is of what shows.
    error = assert_refused(
        "id_length", identity.validate_resident_id, number[:-1] + ZWSP, today=TODAY
    )
    assert error.params == {"count": 17}


@pytest.mark.parametrize(
    ("id_type", "typed", "normalised"),
    [
        ("passport", f"{LRE}E12345678{PDF}", "E12345678"),
        ("hk_macao_permit", f"C1234{ZWSP}5678", "C12345678"),
        ("taiwan_permit", f"{RLM}12345678", "12345678"),
    ],
)
def test_other_documents_drop_format_characters_too(id_type, typed, normalised):
    assert identity.validate_id_number(id_type, typed) == normalised


def test_a_retired_county_still_opens_a_valid_resident_id(db):
    # A card's number never changes when its county is abolished (下城区, 2021).
    assert Region.objects.get(code="330103").retired
    number = make_resident_id("330103", "19800101")
    assert identity.validate_resident_id(number, today=TODAY) == number
