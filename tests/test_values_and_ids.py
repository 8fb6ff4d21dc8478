import datetime as dt

import pytest

from jobmatch import values
from jobmatch.people.enums import Sex
from jobmatch.people.idnumber import IdNumberError, check_char, parse_id_number, validate_phone
from jobmatch.protect import mask_id, mask_phone

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize("number", ["610926199007250115", "61092619870504236X", "61092619870504236x"])
def test_valid_id_numbers_from_the_sample_register(number):
    info = parse_id_number(number, TODAY)
    assert info.number == number.upper()
    assert info.birth_date == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def test_sex_comes_from_the_17th_digit():
    assert parse_id_number("610926199007250115", TODAY).sex is Sex.MALE  # 1 odd
    assert parse_id_number("61092619870504236X", TODAY).sex is Sex.FEMALE  # 6 even


def test_check_char_matches_gb11643_example():
    # the standard's worked example: 11010519491231002X
    assert check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("610926199007250116", "校验位"),
        ("61092619900725011", "18 位"),
        ("61092619900230011X", "不存在"),
        ("610926203001010019", "晚于今天"),
        ("99092619900725011X", "省级"),
        ("6109261990072501AB", "数字"),
        ("", "不能为空"),
    ],
)
def test_invalid_id_numbers_say_why_in_chinese(number, reason):
    with pytest.raises(IdNumberError) as err:
        parse_id_number(number, TODAY)
    assert reason in str(err.value)


@pytest.mark.parametrize("raw,expected", [("13812345678", "13812345678"), ("+86 138 1234 5678", "13812345678"),
                                          ("0915-8421234", "0915-8421234"), (13812345678.0, "13812345678")])
def test_phone_numbers_are_normalised(raw, expected):
    assert validate_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "2381234567", "1381234567a", "138123456789"])
def test_bad_phone_numbers_are_rejected(raw):
    with pytest.raises(ValueError, match="手机号"):
        validate_phone(raw)


def test_masks_show_only_the_ends():
    assert mask_id("61092619870504236X") == "610926********236X"
    assert mask_phone("13812345678") == "138****5678"
    assert "8421234" not in mask_phone("0915-8421234")


@pytest.mark.parametrize("raw", ["2026-03-01", "2026/3/1", "2026年3月1日", dt.datetime(2026, 3, 1, 0, 0), 46082])
def test_dates_in_every_allowed_form(raw):
    assert values.parse_date(raw) == dt.date(2026, 3, 1)


def test_bad_dates_and_numbers_raise_chinese_errors():
    with pytest.raises(ValueError, match="不存在"):
        values.parse_date("2026-02-30")
    with pytest.raises(ValueError, match="格式"):
        values.parse_date("三月一日")
    with pytest.raises(ValueError, match="不能小于"):
        values.parse_number("-5")
    with pytest.raises(ValueError, match="数字"):
        values.parse_number("很多")
    assert values.parse_number("3,200元") == 3200


@pytest.mark.parametrize("raw,expected", [("是", True), ("Y", True), ("1", True), ("否", False), ("", False), (None, False), ("n", False)])
def test_yes_no_cells(raw, expected):
    assert values.parse_bool(raw) is expected


def test_yes_no_rejects_other_words():
    with pytest.raises(ValueError, match="是"):
        values.parse_bool("也许")
