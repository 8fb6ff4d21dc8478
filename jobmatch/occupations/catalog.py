"""The CSCO 2022 occupation catalogue, loaded once from the shipped CSV.

Codes look like ``6-25-04-07``: 大类-中类-小类-细类. A 细类 (level 4) is an
occupation; where a 小类 has no 细类 the 小类 itself is the occupation and
its code ends in ``-00`` (``6-31-05-00`` 包装工). A few 细类 hang directly
under a 中类 (``1-01-00-01``) or under a 小类 that has no row of its own
(``5-02-03-01`` 护林员); the helpers below cope with both.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Trailing markers in CSCO 2022 names: L = green occupation, S = digital occupation.
_MARKER_RE = re.compile(r"(L/S|L|S)$")
_CODE_RE = re.compile(r"^(\d)-(\d{2})-(\d{2})-(\d{2})$")
_CODE_NUM_RE = re.compile(r"^(\d)(\d{2})(\d{2})(\d{2})$")

LEVEL_NAMES = {1: "大类", 2: "中类", 3: "小类", 4: "细类"}


@dataclass(frozen=True, slots=True)
class Group:
    """A category above the occupation: 大类 (1), 中类 (2) or 小类 (3)."""

    code: str
    name: str
    level: int


@dataclass(frozen=True, slots=True)
class Occupation:
    """One level-4 occupation (细类) with its parents."""

    code: str
    name: str  # without the L/S markers
    raw_name: str
    definition: str
    tasks: str
    aliases: tuple[str, ...]  # alternative titles, excluding the name itself
    is_green: bool
    is_digital: bool
    major: Group  # 大类
    medium: Group  # 中类
    minor: Group | None  # 小类, None where the tabulation has no 小类 row


class Catalog:
    """Lookup over the 1,634 occupations and the groups above them."""

    def __init__(self, rows: list[dict[str, str]]):
        groups: dict[str, Group] = {}
        level4: list[dict[str, str]] = []
        for row in rows:
            level = int(row["level"])
            if level < 4:
                groups.setdefault(row["code"], Group(row["code"], _clean_name(row["name"]), level))
            else:
                level4.append(row)
        self.groups = groups
        occupations: dict[str, Occupation] = {}
        for row in level4:
            code = row["code"]
            if code in occupations:  # the tabulation repeats a few rows verbatim
                continue
            raw = row["name"].strip()
            name = _clean_name(raw)
            marker = _MARKER_RE.search(raw)
            marker_text = marker.group(1) if marker and name != raw else ""
            aliases = []
            for alias in row["alias"].split(","):
                alias = alias.strip()
                if alias and alias not in (raw, name) and alias not in aliases:
                    aliases.append(alias)
            occupations[code] = Occupation(
                code=code,
                name=name,
                raw_name=raw,
                definition=row["definition"].strip(),
                tasks=row["tasks"].strip(),
                aliases=tuple(aliases),
                is_green="L" in marker_text,
                is_digital="S" in marker_text,
                major=self.groups[_ancestor(code, 1)],
                medium=self.groups[_ancestor(code, 2)],
                minor=self._minor(code, name),
            )
        self.occupations = occupations
        self.codes: tuple[str, ...] = tuple(occupations)

    def _minor(self, code: str, name: str) -> Group | None:
        if code.endswith("-00"):  # a 小类 without 细类 is its own 小类
            return Group(code, name, 3)
        minor = self.groups.get(_ancestor(code, 3))
        return minor if minor is not None and minor.level == 3 else None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self.occupations

    def __len__(self) -> int:
        return len(self.occupations)

    def get(self, code: str) -> Occupation | None:
        """The occupation for a code (``6-25-04-07`` or ``6250407``), or None."""
        normal = normalize_code(code)
        return self.occupations.get(normal) if normal else None

    def group(self, code: str) -> Group | None:
        """The group (level 1-3) or None; accepts both code spellings."""
        normal = normalize_code(code)
        return self.groups.get(normal) if normal else None

    def name(self, code: str) -> str | None:
        """The name of any code, occupation or group."""
        occupation = self.get(code)
        if occupation is not None:
            return occupation.name
        group = self.group(code)
        return group.name if group is not None else None


def _clean_name(name: str) -> str:
    name = name.strip()
    cleaned = _MARKER_RE.sub("", name)
    # Only strip a marker glued to Chinese text: keeps names like "DBA" intact.
    if cleaned != name and cleaned and "\u4e00" <= cleaned[-1] <= "\u9fff":
        return cleaned
    return name


def _ancestor(code: str, level: int) -> str:
    parts = code.split("-")
    return "-".join(parts[:level] + ["00"] * (4 - level))


def normalize_code(code: object) -> str | None:
    """``6-25-04-07`` from ``6-25-04-07`` or ``6250407``; None when it is neither."""
    if not isinstance(code, str):
        return None
    code = code.strip()
    if _CODE_RE.match(code):
        return code
    match = _CODE_NUM_RE.match(code)
    if match:
        return "-".join(match.groups())
    return None


def read_rows() -> list[dict[str, str]]:
    """The raw rows of the shipped csco22.csv."""
    with resources.files("jobmatch.occupations").joinpath("data/csco22.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def get_catalog() -> Catalog:
    """The catalogue, built on first use and shared afterwards."""
    return Catalog(read_rows())


def major_of(code: str) -> Group | None:
    """The 大类 of a code (any level), or None for an unknown code."""
    return _group_of(code, 1)


def medium_of(code: str) -> Group | None:
    """The 中类 of a code (any level), or None for an unknown code."""
    return _group_of(code, 2)


def minor_of(code: str) -> Group | None:
    """The 小类 of an occupation code, or None where the tabulation has none."""
    catalog = get_catalog()
    occupation = catalog.get(code)
    if occupation is not None:
        return occupation.minor
    group = catalog.group(code)
    return group if group is not None and group.level == 3 else None


def _group_of(code: str, level: int) -> Group | None:
    normal = normalize_code(code)
    if normal is None:
        return None
    catalog = get_catalog()
    if normal not in catalog.occupations and normal not in catalog.groups:
        return None
    return catalog.groups.get(_ancestor(normal, level))


def similarity(code_a: str | None, code_b: str | None) -> float:
    """Occupational closeness: 1.0 same 细类, 0.75 same 小类, 0.5 same 中类, 0.25 same 大类, else 0.

    Pure arithmetic on the code digits, so it needs no catalogue lookup; codes
    that are not well formed score 0. Occupations directly under a 中类
    (``x-xx-00-yy``) count as siblings in the same 小类.
    """
    a, b = normalize_code(code_a), normalize_code(code_b)
    if a is None or b is None:
        return 0.0
    pa, pb = a.split("-"), b.split("-")
    if pa[0] != pb[0] or pa[0] == "0":
        return 0.0
    if a == b:
        return 1.0
    if pa[1] != pb[1] or pa[1] == "00":
        return 0.25
    if pa[2] != pb[2] or pa[2] == "00" and (pa[3] == "00" or pb[3] == "00"):
        return 0.5
    return 0.75
