"""Free-text job titles and skills to CSCO 2022 occupation codes.

Evidence, strongest first:

1. learned corrections (``extra_aliases`` / :meth:`OccupationClassifier.add_alias`):
   an exact match of the cleaned title wins outright;
2. the cleaned title (or one of its segments) is exactly an occupation name,
   a CSCO alias or a term of the colloquial synonym table;
3. synonym-table terms found inside the title; the rightmost specific term is
   the head noun ("电子 普工": 普工; "叉车司机": the longer 叉车司机), generic
   terms (普工, 司机, 服务员) are resolved by context words (服装 → 缝纫工);
4. character n-gram TF-IDF similarity to names + aliases + synonym terms, to
   the last segment alone, and to the definitions.

The features are combined linearly with hand-set weights (they rank the
candidates); the result is then calibrated by a two-input logistic model (the
logit and its gap to the title's best logit) fitted on the dev half of the
labelled titles (``scripts/bench/fit_scorer.py``), so a score estimates the
probability that the code is right and is comparable across titles.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import NamedTuple

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .catalog import Catalog, get_catalog, normalize_code
from .clean import clean_title, normalize

#: Names of the features, in the order of the scorer's weights.
FEATURES: tuple[str, ...] = (
    "exact_all",  # the whole cleaned title is a name/alias/term of the code
    "exact_segment",  # the head segment (the one holding the head word, else the first) is
    "syn_head",  # the code of the head (rightmost specific) synonym hit
    "syn_other",  # the code of another specific hit
    "syn_weak",  # the default code of a generic term without context
    "sim_name",  # TF-IDF cosine, title vs names + aliases + terms
    "sim_head",  # TF-IDF cosine, last segment vs names + aliases + terms
    "sim_def",  # TF-IDF cosine, title vs definition + tasks
    "sim_best",  # 1 for the candidate with the highest name similarity
)

#: Hand-set weights of the ranking score (a logit before calibration).
DEFAULT_WEIGHTS: dict[str, float] = {
    "bias": -4.0,
    "exact_all": 4.0,
    "exact_segment": 2.0,
    "syn_head": 4.0,
    "syn_other": 1.5,
    "syn_weak": 1.5,
    "sim_name": 4.0,
    "sim_head": 2.0,
    "sim_def": 1.5,
    "sim_best": 0.5,
}

#: A top score at or above this counts as confident at the 细类 (or group) level ...
CONFIDENT_AT = 0.5
#: ... but a first answer backed only by similarity, with no exact or synonym hit,
#: needs this much: the dev titles hold few vague one-word titles to calibrate on.
SIMILARITY_ONLY_CONFIDENT_AT = 0.9
#: How many similarity candidates are scored per title besides the synonym hits.
SIMILARITY_CANDIDATES = 25
_CHUNK = 2048


class Candidate(NamedTuple):
    """One ranked answer: a level-4 code, its name and a score in [0, 1]."""

    code: str
    name: str
    score: float


@dataclass(frozen=True, slots=True)
class Classification:
    """The answer for one title.

    ``candidates`` are always 细类 codes, best first. ``level`` says how far
    the answer can be trusted: 4 when the first candidate is confident, 3 or 2
    when only its 小类 / 中类 is (``group_code`` then names that group), 0 when
    nothing is. ``source`` says which evidence decided the first candidate.
    """

    title: str
    cleaned: str
    candidates: tuple[Candidate, ...]
    confident: bool
    level: int
    group_code: str | None
    group_name: str | None
    source: str

    @property
    def code(self) -> str | None:
        return self.candidates[0].code if self.candidates else None

    @property
    def name(self) -> str | None:
        return self.candidates[0].name if self.candidates else None

    @property
    def score(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0


@dataclass(frozen=True, slots=True)
class SynonymEntry:
    code: str
    is_weak: bool  # generic: only a fallback unless context or industry resolves it
    context: re.Pattern[str] | None  # applies only when this matches the title
    by_industry: bool = False  # a production-line word (普工) resolved by the industry table


#: Last characters that make a term a word for a person doing a job (焊工, 仓管员, 月嫂).
_JOB_SUFFIXES = frozenset("工员师手匠傅嫂姆姨警生长人医士")


def learned_key(title: str) -> str:
    """The key a learned correction is stored under: the cleaned title without spaces."""
    cleaned = clean_title(title) or normalize(title)
    return cleaned.replace(" ", "")


@cache
def load_synonyms() -> dict[str, tuple[SynonymEntry, ...]]:
    """The shipped synonym table: term -> entries (code, weak flag, context pattern)."""
    path = resources.files("jobmatch.occupations").joinpath("data/synonyms.csv")
    table: dict[str, list[SynonymEntry]] = defaultdict(list)
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            context = row["context"].strip()
            weak = row["weak"].strip()
            table[normalize(row["term"])].append(
                SynonymEntry(
                    code=row["code"].strip(),
                    is_weak=bool(weak),
                    context=re.compile(context) if context else None,
                    by_industry=weak == "industry",
                )
            )
    return {term: tuple(entries) for term, entries in table.items()}


@cache
def load_industries() -> dict[str, str]:
    """Industry keyword -> the code a generic production word (普工) means in that industry."""
    path = resources.files("jobmatch.occupations").joinpath("data/industries.csv")
    with path.open(encoding="utf-8") as fh:
        return {normalize(row["keyword"]): row["code"].strip() for row in csv.DictReader(fh)}


@cache
def load_calibration() -> tuple[float, float, float]:
    """``(a, c, b)`` from data/scorer.json: score = sigmoid(a * logit + c * (logit - best logit) + b)."""
    path = resources.files("jobmatch.occupations").joinpath("data/scorer.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 1.0, 0.0, 0.0
    calibration = data["calibration"]
    return float(calibration["a"]), float(calibration["c"]), float(calibration["b"])


class OccupationClassifier:
    """Maps free-text titles to ranked CSCO 细类 codes; build once and share."""

    def __init__(
        self,
        extra_aliases: Mapping[str, str] | None = None,
        *,
        catalog: Catalog | None = None,
        weights: Mapping[str, float] | None = None,
        calibration: tuple[float, float, float] | None = None,
    ):
        self.catalog = catalog or get_catalog()
        self.codes: tuple[str, ...] = self.catalog.codes
        self._index = {code: i for i, code in enumerate(self.codes)}
        self.synonyms = load_synonyms()
        self.industries = load_industries()
        unknown = sorted(
            {e.code for es in self.synonyms.values() for e in es if e.code not in self._index}
            | {code for code in self.industries.values() if code not in self._index}
        )
        if unknown:
            raise ValueError(f"synonym or industry table names unknown codes: {unknown}")
        lengths: dict[str, set[int]] = defaultdict(set)
        for term in self.synonyms:
            lengths[term[0]].add(len(term))
        self._lengths_by_first = {first: tuple(sorted(ls, reverse=True)) for first, ls in lengths.items()}
        self._industry_lengths = sorted({len(k) for k in self.industries}, reverse=True)
        weights = {**DEFAULT_WEIGHTS, **(weights or {})}
        self._bias = weights["bias"]
        self._weights = np.array([weights[name] for name in FEATURES])
        self._calibration = calibration or load_calibration()
        self._build_exact()
        self._build_tfidf()
        self._learned: dict[str, str] = {}
        self._lock = threading.Lock()
        for title, code in (extra_aliases or {}).items():
            self.add_alias(title, code)

    # -- building -----------------------------------------------------------------

    def _build_exact(self) -> None:
        exact: dict[str, set[str]] = defaultdict(set)
        for occupation in self.catalog.occupations.values():
            for text in (occupation.name, occupation.raw_name, *occupation.aliases):
                key = normalize(text).replace(" ", "")
                if key:
                    exact[key].add(occupation.code)
        for term, entries in self.synonyms.items():
            strong = {e.code for e in entries if e.context is None and not e.is_weak}
            if strong:
                exact[term] = strong  # the table overrides CSCO aliases that say otherwise
        self._exact = {key: tuple(sorted(codes)) for key, codes in exact.items()}

    def _build_tfidf(self) -> None:
        terms_by_code: dict[str, list[str]] = defaultdict(list)
        for term, entries in self.synonyms.items():
            for entry in entries:
                terms_by_code[entry.code].append(term)
        name_docs, def_docs = [], []
        for code in self.codes:
            occupation = self.catalog.occupations[code]
            words = [occupation.name, *occupation.aliases, *terms_by_code.get(code, ())]
            name_docs.append(" ".join(normalize(w).replace(" ", "") for w in words))
            def_docs.append(
                normalize(occupation.name + "。" + occupation.definition + occupation.tasks[:200])
            )
        self._name_vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float32
        )
        self._name_matrix = self._name_vectorizer.fit_transform(name_docs).T.tocsr()
        self._def_vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=(2, 3), sublinear_tf=True, dtype=np.float32
        )
        self._def_matrix = self._def_vectorizer.fit_transform(def_docs).T.tocsr()

    # -- learned corrections --------------------------------------------------------

    def add_alias(self, title: str, code: str) -> None:
        """Remember that ``title`` means ``code``; the same cleaned title then gets it first."""
        normal = normalize_code(code)
        if normal is None or normal not in self._index:
            raise ValueError(f"unknown occupation code: {code!r}")
        key = learned_key(title)
        if not key:
            raise ValueError("title has no text to learn from")
        with self._lock:
            self._learned[key] = normal

    def remove_alias(self, title: str) -> None:
        """Forget a learned correction (no error when there is none)."""
        with self._lock:
            self._learned.pop(learned_key(title), None)

    @property
    def learned(self) -> dict[str, str]:
        """A copy of the learned corrections, cleaned key -> code."""
        return dict(self._learned)

    # -- classifying ----------------------------------------------------------------

    def classify(self, title: str, top: int = 5) -> Classification:
        """The top ``top`` 细类 candidates for one title."""
        return self.classify_many([title], top=top)[0]

    def classify_many(self, titles: Iterable[str], top: int = 5) -> list[Classification]:
        """Batch version of :meth:`classify`; vectorises all titles at once."""
        titles = [t if isinstance(t, str) else "" for t in titles]
        if not titles:
            return []
        top = max(1, int(top))
        cleaned = [clean_title(t) for t in titles]
        # titles that clean to the same text get the same answer: classify each text once
        keys = [(c, c or normalize(t)) for c, t in zip(cleaned, titles, strict=True)]
        unique = list(dict.fromkeys(keys))
        answers: dict[tuple[str, str], Classification] = {}
        for lo in range(0, len(unique), _CHUNK):  # bounded memory: dense similarity rows per chunk
            chunk = unique[lo : lo + _CHUNK]
            batch = self._batch([q for _, q in chunk])
            for j, key in enumerate(chunk):
                codes, scores, evidence, source = batch[j]
                answers[key] = self._answer(key[0], key[1], codes, scores, evidence, source, top)
        return [
            dataclasses.replace(answers[key], title=title) for key, title in zip(keys, titles, strict=True)
        ]

    def _batch(self, queries: Sequence[str]) -> list[tuple[list[str], np.ndarray, np.ndarray, str]]:
        """Candidates and calibrated scores for each query: all numeric work done once per batch."""
        per_query, matrix = self._batch_features(queries)
        scores = self._score(
            matrix, np.array([start for codes, start, _ in per_query if codes], dtype=np.intp)
        )
        evidence = matrix[:, :4].any(axis=1) if len(matrix) else np.zeros(0, dtype=bool)
        return [
            (codes, scores[start : start + len(codes)], evidence[start : start + len(codes)], source)
            for codes, start, source in per_query
        ]

    def _batch_features(self, queries: Sequence[str]) -> tuple[list[tuple[list[str], int, str]], np.ndarray]:
        """Per query (codes, first row, source), and the feature matrix of all candidates."""
        heads = [q.split(" ")[-1] if q else "" for q in queries]
        sim_name = self._similarity(self._name_vectorizer, self._name_matrix, queries)
        sim_head = self._similarity(self._name_vectorizer, self._name_matrix, heads)
        sim_def = self._similarity(self._def_vectorizer, self._def_matrix, queries)
        combined = sim_name + 0.5 * sim_head + 0.3 * sim_def
        k = min(SIMILARITY_CANDIDATES, combined.shape[1])
        top_j = np.argpartition(-combined, k - 1, axis=1)[:, :k]
        positive = np.take_along_axis(combined, top_j, axis=1) > 0
        per_query, rows, title_idx, code_idx = [], [], [], []
        for i, query in enumerate(queries):
            similar = top_j[i][positive[i]].tolist() if query else []
            codes, flags, source = self._flags(query, similar) if query else ([], [], "empty")
            per_query.append((codes, len(rows), source))
            rows.extend(flags)
            title_idx.extend([i] * len(codes))
            code_idx.extend(self._index[c] for c in codes)
        n_features = len(FEATURES)
        if not rows:
            return per_query, np.zeros((0, n_features))
        matrix = np.asarray(rows, dtype=np.float64)  # evidence flags; similarity columns still 0
        ti, ci = np.asarray(title_idx), np.asarray(code_idx)
        matrix[:, 5] = sim_name[ti, ci]
        matrix[:, 6] = sim_head[ti, ci]
        matrix[:, 7] = sim_def[ti, ci]
        # sim_best: the first candidate holding its title's highest name similarity
        starts = np.array([start for codes, start, _ in per_query if codes])
        best = np.maximum.reduceat(matrix[:, 5], starts)
        counts = np.diff(np.append(starts, len(rows)))
        is_best = matrix[:, 5] == np.repeat(best, counts)
        first = np.flatnonzero(is_best)
        owner = np.repeat(np.arange(len(starts)), counts)[first]
        _, keep = np.unique(owner, return_index=True)
        matrix[first[keep], 8] = 1.0
        return per_query, matrix

    def logits(self, matrix: np.ndarray) -> np.ndarray:
        """The uncalibrated ranking score of feature rows."""
        return matrix @ self._weights + self._bias

    def _score(self, matrix: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Calibrated scores; ``starts`` are the first rows of each title's candidates."""
        a, c, b = self._calibration
        logits = self.logits(matrix)
        if not len(logits):
            return logits
        counts = np.diff(np.append(starts, len(logits)))
        gap = logits - np.repeat(np.maximum.reduceat(logits, starts), counts)
        return 1.0 / (1.0 + np.exp(-(a * logits + c * gap + b)))

    def features(self, title: str) -> tuple[list[str], np.ndarray]:
        """Candidate codes and their feature rows for one title (used to calibrate the scorer)."""
        query = clean_title(title) or normalize(title)
        per_query, matrix = self._batch_features([query])
        codes, start, _ = per_query[0]
        return codes, matrix[start : start + len(codes)]

    @staticmethod
    def _similarity(vectorizer: TfidfVectorizer, matrix, texts: Sequence[str]) -> np.ndarray:
        return (vectorizer.transform(texts) @ matrix).toarray()

    def _synonym_hits(self, compact: str) -> list[tuple[int, int, str]]:
        hits = []
        n = len(compact)
        synonyms, lengths_by_first = self.synonyms, self._lengths_by_first
        for start in range(n):
            for length in lengths_by_first.get(compact[start], ()):
                end = start + length
                if end <= n and compact[start:end] in synonyms:
                    hits.append((start, end, compact[start:end]))
        # drop hits inside a longer hit: 叉车 and 司机 inside 叉车司机
        return [
            h
            for h in hits
            if not any(o != h and o[0] <= h[0] and h[1] <= o[1] and o[1] - o[0] > h[1] - h[0] for o in hits)
        ]

    @staticmethod
    def _is_job(term: str, end: int, query: str, segment_of: list[int]) -> bool:
        """A word for the worker (焊工), or a word closing a segment that names one (保险代理|人)."""
        if term[-1] in _JOB_SUFFIXES or term.endswith("司机"):
            return True
        segment = query.split(" ")[segment_of[end - 1]]
        seg_end = sum(len(s) for s in query.split(" ")[: segment_of[end - 1] + 1])
        tail = segment[len(segment) - (seg_end - end) :] if seg_end > end else ""
        return len(tail) <= 2 and (segment[-1] in _JOB_SUFFIXES or segment.endswith("司机"))

    @staticmethod
    def _segment_index(query: str) -> list[int]:
        """For each character of the compact query, the index of its segment."""
        index: list[int] = []
        for i, segment in enumerate(query.split(" ")):
            index.extend([i] * len(segment))
        return index

    def _industry(self, compact: str, start: int, end: int) -> str | None:
        """The industry named nearest before a generic word (else after it), as a code."""
        best_rank: tuple[int, int, int] | None = None
        best_code: str | None = None
        n = len(compact)
        for i in range(n):
            for length in self._industry_lengths:
                j = i + length
                if j > n or (i < end and j > start) or compact[i:j] not in self.industries:
                    continue
                # before the word beats after it, nearer beats farther, longer beats shorter
                rank = (0, start - j, -length) if j <= start else (1, i - end, -length)
                if best_rank is None or rank < best_rank:
                    best_rank, best_code = rank, self.industries[compact[i:j]]
                break
        return best_code

    def _flags(self, query: str, similar: Sequence[int]) -> tuple[list[str], list[list[float]], str]:
        """Candidate codes with their evidence flags (the first five features) for one query."""
        compact = query.replace(" ", "")
        feats: dict[str, list[float]] = {}
        n_features = len(FEATURES)

        def row(code: str) -> list[float]:
            found = feats.get(code)
            if found is None:
                found = feats[code] = [0.0] * n_features
            return found

        source = "similarity"
        for code in self._exact.get(compact, ()):
            row(code)[0] = 1.0
            source = "exact"
        hits = self._synonym_hits(compact)
        segment_of = self._segment_index(query)
        resolved = []  # (start, end, codes, is_specific, is_job)
        for start, end, term in hits:
            entries = self.synonyms[term]
            with_context = [e.code for e in entries if e.context is not None and e.context.search(compact)]
            if with_context:
                resolved.append((start, end, with_context, True, True))
                continue
            plain = [e for e in entries if e.context is None]
            strong = [e.code for e in plain if not e.is_weak]
            weak = [e.code for e in plain if e.is_weak]
            if strong:
                resolved.append((start, end, strong, True, self._is_job(term, end, query, segment_of)))
            if weak:
                industry = self._industry(compact, start, end) if any(e.by_industry for e in plain) else None
                if industry is not None:
                    resolved.append((start, end, [industry], True, True))
                else:
                    resolved.append((start, end, weak, False, False))
        specific = [r for r in resolved if r[3]]
        if specific:
            # the head: the first segment holding a job word (else any specific word), rightmost in it
            pool = [r for r in specific if r[4]] or specific
            first = min(segment_of[r[0]] for r in pool)
            head = max((r for r in pool if segment_of[r[0]] == first), key=lambda r: (r[1], r[1] - r[0]))
            for r in specific:
                for code in r[2]:
                    row(code)[2 if r is head else 3] = 1.0
            if source == "similarity":
                source = "synonym"
            head_segment = segment_of[head[0]]
        else:
            head_segment = 0
        for code in self._exact.get(query.split(" ")[head_segment], ()):
            row(code)[1] = 1.0
        for r in resolved:
            if not r[3]:
                for code in r[2]:
                    row(code)[4] = 1.0
                if source == "similarity":
                    source = "synonym"
        all_codes = self.codes
        for j in similar:
            code = all_codes[j]
            if code not in feats:
                feats[code] = [0.0] * n_features
        return list(feats), list(feats.values()), source

    def _answer(self, cleaned, query, codes, scores, evidence, source, top) -> Classification:
        learned = self._learned.get(query.replace(" ", "")) if query else None
        if not codes and learned is None:
            return Classification("", cleaned, (), False, 0, None, None, "empty")
        ranked = sorted(zip(codes, scores.tolist(), strict=True), key=lambda cs: (-cs[1], cs[0]))
        backed = {code for code, flag in zip(codes, evidence.tolist(), strict=True) if flag}
        if learned is not None:
            # the correction wins; the rest keep their order below it
            ranked = [(learned, 1.0)] + [(c, min(s, 0.99)) for c, s in ranked if c != learned]
            source = "learned"
            backed.add(learned)
        ranked = ranked[: max(top, 1)]
        candidates = tuple(
            Candidate(code, self.catalog.occupations[code].name, round(float(score), 4))
            for code, score in ranked
        )
        return self._backoff("", cleaned, candidates, ranked, scores, codes, source, backed)

    def _backoff(self, title, cleaned, candidates, ranked, scores, codes, source, backed) -> Classification:
        best_code, best_score = ranked[0]
        needed = CONFIDENT_AT if best_code in backed else SIMILARITY_ONLY_CONFIDENT_AT
        if best_score >= needed:
            return Classification(title, cleaned, candidates, True, 4, best_code, candidates[0].name, source)
        # share the probability mass among all scored candidates and climb the hierarchy
        mass = dict(zip(codes, scores.tolist(), strict=True))
        mass[best_code] = max(mass.get(best_code, 0.0), best_score)
        total = max(1.0, math.fsum(mass.values()))
        for level, width in ((3, 7), (2, 4)):
            prefix = best_code[:width]
            share = math.fsum(p for c, p in mass.items() if c[:width] == prefix) / total
            group = self._group(best_code, level)
            # a 小类 without 细类 is the occupation itself: no back-off there
            if group is not None and group[0] != best_code and share >= CONFIDENT_AT:
                return Classification(title, cleaned, candidates, False, level, group[0], group[1], source)
        return Classification(title, cleaned, candidates, False, 0, None, None, source)

    def _group(self, code: str, level: int) -> tuple[str, str] | None:
        occupation = self.catalog.occupations[code]
        group = occupation.minor if level == 3 else occupation.medium
        return (group.code, group.name) if group is not None else None


_default: OccupationClassifier | None = None
_default_lock = threading.Lock()


def get_classifier() -> OccupationClassifier:
    """The shared classifier without learned corrections, built on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = OccupationClassifier()
    return _default


def classify(title: str, top: int = 5) -> Classification:
    """Classify one title with the shared classifier."""
    return get_classifier().classify(title, top=top)


def classify_many(titles: Iterable[str], top: int = 5) -> list[Classification]:
    """Classify many titles with the shared classifier."""
    return get_classifier().classify_many(titles, top=top)
