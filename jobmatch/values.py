"""Parsers for the cell values the exchange formats allow (yes/no, dates, numbers, text).

Each parser takes what a spreadsheet cell or form field holds (str, int, float,
date, datetime or None) and returns a Python value, or raises ``ValueError``
with a Chinese reason.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

YES = frozenset({"是", "y", "yes", "1", "true", "√", "✓", "有"})
NO = frozenset({"否", "n", "no", "0", "false", "", "×", "无"})
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
#: Excel's day zero (the 1900 leap-year bug is already folded in)
EXCEL_EPOCH = dt.date(1899, 12, 30)


def text(value) -> str:
    """A trimmed, NFKC-normalised string ("" for empty cells); integral floats lose the ".0"."""
    if value is None:
        return ""
    if type(value) is str:
        return (value if unicodedata.is_normalized("NFKC", value) else unicodedata.normalize("NFKC", value)).strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    value = str(value)
    if not unicodedata.is_normalized("NFKC", value):
        value = unicodedata.normalize("NFKC", value)
    return value.strip()


def is_blank(value) -> bool:
    return text(value) == ""


def parse_bool(value) -> bool:
    """是/否, Y/N, 1/0; an empty cell is 否."""
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise ValueError("应填“是”或“否”")


def parse_date(value) -> dt.date | None:
    """2026-03-01, 2026/3/1, 2026年3月1日, Excel date cells or serial numbers; empty → None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raw = text(value)
    else:
        raw = text(value)
    if not raw:
        return None
    raw = raw.split(" ")[0].split("T")[0]
    for pattern in _DATE_PATTERNS:
        found = pattern.match(raw)
        if found:
            year, month, day = (int(g) for g in found.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise ValueError(f"日期 {raw} 不存在") from None
    raise ValueError("日期格式应为 2026-03-01、2026/3/1 或 2026年3月1日")


def parse_number(value, *, minimum: float | None = 0, integer: bool = False) -> float | int | None:
    """A number (commas and a trailing 元 allowed); empty → None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("应为数字")
    if isinstance(value, int | float):
        number = float(value)
    else:
        raw = text(value).replace(",", "").replace("，", "")
        raw = re.sub(r"(元|人|岁)$", "", raw)
        try:
            number = float(raw)
        except ValueError:
            raise ValueError("应为数字") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("应为数字")
    if integer:
        if not number.is_integer():
            raise ValueError("应为整数")
        number = int(number)
    if minimum is not None and number < minimum:
        raise ValueError(f"不能小于 {minimum:g}")
    return number
