"""The labelled title set and its fixed dev / held-out split.

The split is a hash of the title, so it never changes when rows are added:
about half the titles are ``dev`` (the only part used for tuning) and the rest
``test`` (held out, reported only).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

from .catalog import normalize_code


@dataclass(frozen=True, slots=True)
class LabelledTitle:
    title: str
    code: str
    note: str
    split: str  # "dev" or "test"


def split_of(title: str) -> str:
    """``dev`` or ``test`` for a title, fixed by the SHA-1 of its text."""
    digest = hashlib.sha1(title.encode("utf-8")).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def load_eval_titles(split: str | None = None) -> list[LabelledTitle]:
    """The shipped eval_titles.csv, optionally only one split."""
    path = resources.files("jobmatch.occupations").joinpath("data/eval_titles.csv")
    with path.open(encoding="utf-8") as fh:
        rows = [
            LabelledTitle(row["title"], row["code"], row.get("note") or "", split_of(row["title"]))
            for row in csv.DictReader(fh)
        ]
    return [row for row in rows if split is None or row.split == split]


@dataclass(frozen=True, slots=True)
class Accuracy:
    n: int
    top1: float
    top5: float
    medium_top1: float  # the 中类 of the first answer is right

    def as_dict(self) -> dict[str, float | int]:
        return {"n": self.n, "top1": self.top1, "top5": self.top5, "medium_top1": self.medium_top1}


def accuracy(
    predict: Callable[[Sequence[str]], Iterable[Sequence[str]]], rows: Sequence[LabelledTitle]
) -> Accuracy:
    """Top-1, top-5 and 中类 top-1 accuracy; ``predict`` maps titles to ranked code lists."""
    if not rows:
        return Accuracy(0, 0.0, 0.0, 0.0)
    predictions = list(predict([row.title for row in rows]))
    top1 = top5 = medium = 0
    for row, codes in zip(rows, predictions, strict=True):
        codes = [normalize_code(code) for code in codes]
        if codes and codes[0] == row.code:
            top1 += 1
        if row.code in codes[:5]:
            top5 += 1
        if codes and codes[0] and codes[0][:4] == row.code[:4]:
            medium += 1
    n = len(rows)
    return Accuracy(n, top1 / n, top5 / n, medium / n)


class BaselineClassifier:
    """The reference point: char 1-3-gram TF-IDF over names + CSCO aliases, raw titles."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        from .catalog import get_catalog

        catalog = get_catalog()
        self.codes = catalog.codes
        docs = [" ".join((o.name, *o.aliases)) for o in catalog.occupations.values()]
        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(docs).T.tocsr()

    def predict(self, titles: Sequence[str], top: int = 5) -> list[list[str]]:
        """Ranked codes per title."""
        import numpy as np

        sims = (self.vectorizer.transform(list(titles)) @ self.matrix).toarray()
        order = np.argsort(-sims, axis=1, kind="stable")[:, :top]
        return [[self.codes[j] for j in row] for row in order]
