"""Pinyin forms of names for search (wxy / wangxiuying finds 王秀英)."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

#: surnames whose reading differs from the character's most common one
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "查": "zha", "盖": "ge",
    "缪": "miao", "尉": "yu", "乐": "yue", "任": "ren", "华": "hua", "纪": "ji", "过": "guo", "覃": "qin",
    "翟": "zhai", "沈": "shen", "秘": "bi", "召": "shao", "员": "yun", "折": "she", "繁": "po", "宁": "ning",
}


@lru_cache(maxsize=20_000)
def _char(ch: str) -> str:
    reading = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore", v_to_u=False)
    return reading[0].lower() if reading else ""


@lru_cache(maxsize=100_000)
def pinyin_forms(name: str) -> tuple[str, str]:
    """(full pinyin, initials), lower-case ASCII; ü is written v; surnames read as surnames."""
    readings = [SURNAME_READINGS.get(ch, "") if i == 0 else "" for i, ch in enumerate(name)]
    readings = [r or _char(ch) for r, ch in zip(readings, name, strict=True)]
    readings = [r for r in readings if r]
    return "".join(readings)[:200], "".join(r[0] for r in readings)[:50]
