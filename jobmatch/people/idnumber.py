"""Resident ID numbers (GB 11643-1999) and phone numbers: parsing and validation."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from jobmatch.people.enums import Sex

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
#: first two digits of every province-level division (GB/T 2260)
PROVINCE_CODES = frozenset(
    ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"]
)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class IdNumberError(ValueError):
    """Why an ID number is invalid (a Chinese sentence)."""


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    sex: Sex


def normalise_id(raw) -> str:
    """Half-width, no spaces, upper-case X."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(raw or ""))).upper()


def check_char(first17: str) -> str:
    """The mod 11-2 check character for the first 17 digits."""
    total = 0
    for c, w in zip(first17, WEIGHTS, strict=True):
        total += (ord(c) - 48) * w
    return CHECK_CHARS[total % 11]


def parse_id_number(raw, today: dt.date | None = None) -> IdInfo:
    """Validate an 18-character ID number and derive birth date and sex from it."""
    number = normalise_id(raw)
    if not number:
        raise IdNumberError("身份证号不能为空")
    if len(number) != 18:
        raise IdNumberError(f"身份证号应为 18 位，现在是 {len(number)} 位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("身份证号前 17 位应为数字，最后一位为数字或 X")
    if number[:2] not in PROVINCE_CODES:
        raise IdNumberError("身份证号前两位不是有效的省级行政区代码")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(f"身份证号中的出生日期 {number[6:14]} 不存在") from None
    today = today or dt.date.today()
    if birth > today:
        raise IdNumberError(f"身份证号中的出生日期 {birth:%Y-%m-%d} 晚于今天")
    if birth.year < 1900:
        raise IdNumberError(f"身份证号中的出生日期 {birth:%Y-%m-%d} 不合理")
    if check_char(number[:17]) != number[17]:
        raise IdNumberError("身份证号校验位不正确，请核对每一位数字")
    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return IdInfo(number=number, birth_date=birth, sex=sex)


def is_valid_id(raw) -> bool:
    try:
        parse_id_number(raw)
    except IdNumberError:
        return False
    return True


def normalise_phone(raw) -> str:
    """Digits (and one area-code dash) only; a leading +86/86 on mobiles is dropped."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    text = re.sub(r"[\s()（）]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if re.fullmatch(r"1\d{2}-?\d{4}-?\d{4}", text):
        text = text.replace("-", "")
    return text


def validate_phone(raw) -> str:
    """A normalised mobile or landline number, or ValueError with a Chinese reason."""
    phone = normalise_phone(raw)
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone):
        return phone
    raise ValueError("电话应为 11 位手机号，或带区号的座机号（如 0915-8421234）")


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Completed years of age on a date."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
