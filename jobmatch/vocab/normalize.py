"""The one text-normalisation wrapper (rapidfuzz) every domain uses.

Skills and certificates arrive as clerks type them: "会电焊", "电焊工", "焊工证",
"养老护理员(四级)", with typos. ``VocabMatcher`` maps such text to a canonical
entry: exact name or synonym first, then the longest known term the text
contains, then a small edit distance scaled to the length of the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

LIST_SEPARATORS = re.compile(r"[、,，;；/／\n\r]+")
_PREFIXES = ("熟练掌握", "熟练", "熟悉", "掌握", "擅长", "精通", "懂得", "懂", "会", "能", "有")
_SUFFIXES = ("技术", "技能", "经验", "操作证", "证书", "证", "资格")
_BRACKETS = re.compile(r"[（(【\[].*?[)）】\]]")
_SPACE = re.compile(r"\s+")


def split_list(cell: str | None) -> list[str]:
    """Split a multi-value cell on 、 , ， ; ； / or line breaks; drop blanks and repeats."""
    if cell is None:
        return []
    seen: dict[str, None] = {}
    for part in LIST_SEPARATORS.split(str(cell)):
        part = _SPACE.sub("", unicodedata.normalize("NFKC", part)).strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def clean_term(text: str) -> str:
    """NFKC, no spaces or bracketed notes, common verbal prefixes and suffixes removed."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))
    text = _BRACKETS.sub("", text)
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) + 1:
            text = text[len(prefix):]
            break
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return text.upper()


@dataclass(frozen=True)
class Match:
    target_id: int
    #: 0–100, 100 for an exact name or synonym
    score: float
    #: exact / synonym / contains / fuzzy
    how: str


class VocabMatcher:
    """Maps free text to canonical entry ids; built from names and synonyms."""

    def __init__(self, names: dict[str, int], synonyms: dict[str, int] | None = None):
        self._exact: dict[str, tuple[int, str]] = {}
        for text, target in names.items():
            self._exact[unicodedata.normalize("NFKC", text).upper()] = (target, "exact")
        for text, target in (synonyms or {}).items():
            self._exact.setdefault(unicodedata.normalize("NFKC", text).upper(), (target, "synonym"))
        self._clean: dict[str, int] = {}
        for text, (target, _how) in self._exact.items():
            self._clean.setdefault(clean_term(text), target)
        # longest first so "电子线束" wins over "线束" inside "电子线束加工"
        self._terms = sorted((t for t in self._clean if len(t) >= 2), key=len, reverse=True)
        self._cache: dict[str, Match | None] = {}

    def match(self, text: str) -> Match | None:
        """The canonical entry for ``text``, or None when nothing is close enough."""
        if text in self._cache:
            return self._cache[text]
        result = self._match(text)
        if len(self._cache) < 50_000:
            self._cache[text] = result
        return result

    def _match(self, text: str) -> Match | None:
        raw = unicodedata.normalize("NFKC", (text or "").strip()).upper()
        if not raw:
            return None
        if raw in self._exact:
            target, how = self._exact[raw]
            return Match(target, 100.0, how)
        cleaned = clean_term(raw)
        if cleaned in self._clean:
            return Match(self._clean[cleaned], 98.0, "synonym")
        for term in self._terms:
            if term in cleaned:
                return Match(self._clean[term], 90.0 * len(term) / max(len(cleaned), len(term)) + 5, "contains")
        if len(cleaned) >= 3:
            allowed = 1 if len(cleaned) < 6 else 2
            best = process.extractOne(
                cleaned, self._terms, scorer=Levenshtein.distance, score_cutoff=allowed
            )
            if best is not None:
                term, distance, _ = best
                if abs(len(term) - len(cleaned)) <= allowed:
                    return Match(self._clean[term], 100.0 - 10 * distance, "fuzzy")
        best = process.extractOne(cleaned, self._terms, scorer=fuzz.ratio, score_cutoff=85)
        if best is not None:
            return Match(self._clean[best[0]], float(best[1]), "fuzzy")
        return None

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """The closest known terms, for "did you mean" messages."""
        cleaned = clean_term(text)
        hits = process.extract(cleaned, self._terms, scorer=fuzz.WRatio, limit=limit, score_cutoff=40)
        return [term for term, _score, _ in hits]


_LEVELS = [
    # (pattern, level number where 1 is highest, canonical label)
    (r"高级技师|一级", 1, "一级/高级技师"),
    (r"(?<!高级)技师|二级", 2, "二级/技师"),
    (r"高级工|高级|三级", 3, "三级/高级工"),
    (r"中级工|中级|四级", 4, "四级/中级工"),
    (r"初级工|初级|五级", 5, "五级/初级工"),
]
LEVEL_LABELS = {number: label for _p, number, label in _LEVELS}


@dataclass(frozen=True)
class ParsedCertificate:
    raw: str
    name: str
    level: int | None

    @property
    def level_label(self) -> str | None:
        return LEVEL_LABELS.get(self.level) if self.level else None


def parse_certificate(text: str) -> ParsedCertificate:
    """Split "养老护理员(四级)" / "焊工证 初级" / "中式烹调师三级" into name and level."""
    raw = (text or "").strip()
    body = unicodedata.normalize("NFKC", raw)
    level = None
    for pattern, number, _label in _LEVELS:
        found = re.search(pattern, body)
        if found:
            level = level or number
            body = re.sub(pattern, "", body)
    body = _BRACKETS.sub("", body)
    body = re.sub(r"[()（）【】\[\]\s·\-:：/]", "", body)
    body = re.sub(r"(操作证|资格证书|资格证|证书|证)$", "", body) or body
    return ParsedCertificate(raw=raw, name=body, level=level)
