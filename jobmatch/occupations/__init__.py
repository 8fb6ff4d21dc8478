"""Occupation codes (CSCO 2022) for free-text job titles and skills.

Pure Python: no Flask, no database. The app keeps learned corrections in its
own table and passes them in as ``extra_aliases`` (or calls ``add_alias``).
"""

from .catalog import (
    Group,
    Occupation,
    get_catalog,
    major_of,
    medium_of,
    minor_of,
    normalize_code,
    similarity,
)
from .classify import (
    Candidate,
    Classification,
    OccupationClassifier,
    classify,
    classify_many,
    get_classifier,
    learned_key,
)
from .clean import clean_title

__all__ = [
    "Candidate",
    "Classification",
    "Group",
    "Occupation",
    "OccupationClassifier",
    "classify",
    "classify_many",
    "clean_title",
    "get_catalog",
    "get_classifier",
    "learned_key",
    "major_of",
    "medium_of",
    "minor_of",
    "normalize_code",
    "similarity",
]
