"""Pinyin forms of names for search (wxy / wangxiuying finds 王秀英)."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=100_000)
def pinyin_forms(name: str) -> tuple[str, str]:
    """(full pinyin, initials), lower-case ASCII; ü is written v."""
    full = lazy_pinyin(name, style=Style.NORMAL, errors="ignore", v_to_u=False)
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(full).lower()[:200], "".join(initials).lower()[:50]
