"""Ranking: postings for a person, a shortlist of people for a posting, and everyone at once.

Every path is the same four steps, vectorised over the candidates:
hard limits (limits.py) → features of the allowed pairs (features.py) → scorer
(rules or model) → explanations (explain.py); shortlists then get the policy
layer (policy.py).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from threadpoolctl import threadpool_limits

from . import explain as ex
from . import limits, policy
from .data import MatchingData
from .features import compute
from .pairs import PairBlock
from .records import CHANNELS
from .rules import RuleScorer

_PW = CHANNELS.index("PUBLIC_WELFARE")
#: rows explained together when a page reads past the eagerly explained ones
LAZY_CHUNK = 100
#: postings per person kept by the rule pre-screen in batch mode for slow (non-additive) models
PRESCREEN = 200


@dataclass
class RankedPosting:
    """One posting in a person's ranking."""

    posting_id: Hashable
    code: str
    title: str
    score: float
    rank: int
    explanation: ex.Explanation = field(repr=False, default=None)

    @property
    def positives(self) -> list[str]:
        """Reasons for."""
        return self.explanation.positives

    @property
    def negatives(self) -> list[str]:
        """Reasons against."""
        return self.explanation.negatives

    @property
    def reasons(self) -> list[str]:
        """Positives then negatives."""
        return self.explanation.reasons

    def to_dict(self) -> dict:
        """The JSONL shape of the CLI: posting code, score, reasons."""
        return {"posting": self.code, "score": round(float(self.score), 4), "reasons": self.reasons}


@dataclass
class ExcludedPosting:
    """A posting a hard limit keeps out, with its reasons (为什么没有推荐这个岗位)."""

    posting_id: Hashable
    code: str
    title: str
    mask: int
    _data: MatchingData = field(repr=False)
    _person_row: int = field(repr=False)
    _posting_row: int = field(repr=False)

    @cached_property
    def reasons(self) -> list[str]:
        """Chinese reasons, one per violated hard limit."""
        return limits.reasons(self._data, self._person_row, self._posting_row, self.mask)


class RankedList(Sequence):
    """A person's ranked postings; the row objects (and late explanations) are made on access.

    Building a Python object per posting for ~3,000 postings would cost more than all the
    numpy work of ranking, so rows materialise only when a page or the CLI reads them.
    """

    def __init__(self, data, person_row, posting_rows, scores, X, eager):
        self._d, self._i = data, person_row
        self._rows, self._scores, self._X, self._eager = posting_rows, scores, X, eager
        self._cache: dict[int, RankedPosting] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[x] for x in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        row = self._cache.get(k)
        if row is None:
            if k >= len(self._eager):
                # explain a chunk at a time: one call per row would repeat the per-call setup
                end = min(len(self), max(k + 1, len(self._eager) + LAZY_CHUNK))
                start = len(self._eager)
                self._eager = self._eager + ex.explain(
                    self._d, self._i, self._rows[start:end], self._X[start:end]
                )
            j = int(self._rows[k])
            rec = self._d.postings.records[j]
            row = self._cache[k] = RankedPosting(
                rec.posting_id, rec.code, rec.title, float(self._scores[k]), k + 1, self._eager[k]
            )
        return row


class ExcludedList(Sequence):
    """Postings kept out by hard limits, made on access."""

    def __init__(self, data, person_row, posting_rows, masks):
        self._d, self._i, self._rows, self._masks = data, person_row, posting_rows, masks

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[x] for x in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        j = int(self._rows[k])
        rec = self._d.postings.records[j]
        return ExcludedPosting(rec.posting_id, rec.code, rec.title, int(self._masks[k]), self._d, self._i, j)

    def for_posting(self, posting_id: Hashable) -> ExcludedPosting | None:
        """The exclusion of one posting (by id or code), or None if it was not excluded."""
        j = self._d.posting_row(posting_id)
        hit = np.flatnonzero(self._rows == j)
        return self[int(hit[0])] if len(hit) else None


@dataclass
class PersonRanking:
    """All open postings for one person: ranked, and excluded with reasons."""

    person_id: Hashable
    scorer: str
    results: Sequence[RankedPosting]
    excluded: Sequence[ExcludedPosting]
    raise_chances: str | None
    excluded_summary: dict[str, int]

    def to_dict(self, top: int | None = None) -> dict:
        """JSON-ready (the CLI adds the person's ID number)."""
        rows = self.results if top is None else self.results[:top]
        return {
            "person_id": self.person_id,
            "scorer": self.scorer,
            "results": [r.to_dict() for r in rows],
            "raise_chances": self.raise_chances,
            "excluded": self.excluded_summary,
        }


@dataclass
class ShortlistRow:
    """One person on a posting's shortlist."""

    person_id: Hashable
    score: float
    model_rank: int
    policy_rank: int
    is_priority: bool
    priority_reasons: list[str]
    policy_note: str | None
    positives: list[str]
    negatives: list[str]

    def to_dict(self) -> dict:
        """JSON-ready."""
        return {
            "person_id": self.person_id,
            "score": round(float(self.score), 4),
            "model_rank": self.model_rank,
            "policy_rank": self.policy_rank,
            "priority": self.priority_reasons,
            "policy_note": self.policy_note,
            "reasons": self.positives + self.negatives,
        }


@dataclass
class Shortlist:
    """A posting's top candidates in the scorer's order and in the policy's order."""

    posting_id: Hashable
    code: str
    scorer: str
    model_order: list[ShortlistRow]
    policy_order: list[ShortlistRow]
    policy_rule: str
    n_candidates: int
    n_eligible: int
    excluded_summary: dict[str, int]

    def to_dict(self) -> dict:
        """JSON-ready."""
        return {
            "posting": self.code,
            "scorer": self.scorer,
            "policy_rule": self.policy_rule,
            "n_candidates": self.n_candidates,
            "n_eligible": self.n_eligible,
            "model_order": [r.to_dict() for r in self.model_order],
            "policy_order": [r.to_dict() for r in self.policy_order],
            "excluded": self.excluded_summary,
        }


class MatchingEngine:
    """Ranks with one scorer over one :class:`MatchingData` snapshot."""

    def __init__(self, data: MatchingData, scorer=None, policy_config: policy.PolicyConfig | None = None):
        self.data = data
        self.scorer = scorer or RuleScorer()
        self.policy = policy_config or policy.PolicyConfig()

    # -- one person ---------------------------------------------------------------------------
    def rank_for_person(
        self,
        person_id: Hashable,
        *,
        top: int | None = None,
        ask_out_of_area: bool = False,
        explain_top: int = 50,
        raise_chances: bool = True,
    ) -> PersonRanking:
        """All open postings for a person, best first, with reasons; excluded ones keep theirs.

        Explanations are built eagerly for the first ``explain_top`` results and on first access
        for the rest. ``ask_out_of_area`` lifts the willingness-versus-place limit.
        """
        d = self.data
        i = d.person_row(person_id)
        block = PairBlock.for_person(d, i)
        mask = limits.check(block, limits.LimitOptions(ask_out_of_area=ask_out_of_area))
        ok = np.flatnonzero(mask == 0)
        X = compute(block, ok)
        scores = self.scorer.score(X)
        order = np.lexsort((block.qi[ok], -scores))  # ties: the earlier posting first
        if top is not None:
            order = order[:top]
        posting_rows = block.qi[ok][order]
        Xo = X[order]
        n_eager = min(explain_top, len(order))
        eager = ex.explain(d, i, posting_rows[:n_eager], Xo[:n_eager])
        results = RankedList(d, i, posting_rows, scores[order], Xo, eager)
        bad = np.flatnonzero(mask)
        excluded = ExcludedList(d, i, block.qi[bad], mask[bad])
        chance = None
        if raise_chances:
            must = block.must_overlap[None, :]
            u = ex.unlocks(d, np.array([i]), block.qi, mask[None, :], must)[0]
            chance = u.text if u else None
        return PersonRanking(
            d.people.records[i].person_id,
            self.scorer.label,
            results,
            excluded,
            chance,
            limits.summarize(mask[bad]),
        )

    # -- one posting --------------------------------------------------------------------------
    def shortlist(
        self,
        posting_id: Hashable,
        *,
        top: int = 50,
        person_ids: Sequence[Hashable] | None = None,
        person_rows: np.ndarray | None = None,
        ask_out_of_area: bool = False,
    ) -> Shortlist:
        """The best ``top`` candidates for a posting among job seekers (or ``person_ids``), both orders.

        ``person_rows`` (row numbers in ``data.people``) may replace ``person_ids`` when the caller
        already holds them.
        """
        d = self.data
        j = d.posting_row(posting_id)
        rows = person_rows
        if person_ids is not None:
            rows = np.array([d.person_row(pid) for pid in person_ids], np.int32)
        block = PairBlock.for_posting(d, j, rows)
        mask = limits.check(block, limits.LimitOptions(ask_out_of_area=ask_out_of_area))
        ok = np.flatnonzero(mask == 0)
        X = compute(block, ok)
        scores = self.scorer.score(X)
        people = block.pi[ok]
        # only the candidates that can reach the list matter: top + everyone who could be promoted
        k = min(top, len(ok))
        pri = self._priority(people)
        if len(ok) > 4 * top:
            part = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, np.int64)
            cand = np.union1d(part, np.flatnonzero(pri))
        else:
            cand = np.arange(len(ok))
        cand = cand[np.argsort(-scores[cand], kind="stable")]
        is_pw = d.postings.channel[j] == _PW
        res = policy.apply(
            scores[cand], pri[cand], k, self.policy, public_welfare=is_pw, model_order=np.arange(len(cand))
        )
        model_rank = {int(c): r + 1 for r, c in enumerate(res.model_order)}
        policy_rank = {int(c): r + 1 for r, c in enumerate(res.policy_order)}
        shown = np.union1d(res.model_order[:k], res.policy_order[:k])
        expl = ex.explain(d, people[cand[shown]], j, X[cand[shown]], audience="staff")
        rows_by_c: dict[int, ShortlistRow] = {}
        p = d.people
        for c, e in zip(shown, expl, strict=True):
            i = int(people[cand[c]])
            rows_by_c[int(c)] = ShortlistRow(
                person_id=p.records[i].person_id,
                score=float(scores[cand[c]]),
                model_rank=model_rank[int(c)],
                policy_rank=policy_rank[int(c)],
                is_priority=bool(pri[cand[c]]),
                priority_reasons=policy.priority_reasons(p.zero_employment[i], p.monitored[i], self.policy),
                policy_note=res.notes.get(int(c)),
                positives=e.positives,
                negatives=e.negatives,
            )
        rec = d.postings.records[j]
        return Shortlist(
            posting_id=rec.posting_id,
            code=rec.code,
            scorer=self.scorer.label,
            model_order=[rows_by_c[int(c)] for c in res.model_order[:k]],
            policy_order=[rows_by_c[int(c)] for c in res.policy_order[:k]],
            policy_rule=self.policy.describe(k, is_pw),
            n_candidates=block.size,
            n_eligible=len(ok),
            excluded_summary=limits.summarize(mask[mask != 0]),
        )

    def _priority(self, person_rows: np.ndarray) -> np.ndarray:
        p = self.data.people
        out = np.zeros(len(person_rows), dtype=bool)
        if self.policy.zero_employment:
            out |= p.zero_employment[person_rows]
        if self.policy.monitored:
            out |= p.monitored[person_rows]
        return out

    # -- everyone ---------------------------------------------------------------------------
    def recommend_all(
        self,
        person_ids: Iterable[Hashable] | None = None,
        *,
        top: int = 10,
        block_size: int = 128,
        raise_chances: bool = True,
        prescreen: int | None = None,
    ) -> Iterator[PersonRanking]:
        """Top postings for every job seeker (or the given people), in blocks of people × postings.

        Yields one :class:`PersonRanking` per person with ``top`` results, explanations and the
        raise-chances line; the excluded list is left empty (use :meth:`rank_for_person`).

        A scorer without a fast vectorised form (gradient boosting: ~4 µs per pair) would need
        minutes for everyone × every posting, so for such a scorer each person's allowed
        postings are first cut to their ``prescreen`` best by the rule scorer (default 200) and
        only those are scored by the model. Additive models and the rules score every pair.
        While the generator runs, BLAS/OpenMP use one thread (process-wide): close it when done.
        """
        if prescreen is None and getattr(self.scorer, "kind", "") == "model" and self.scorer.fast is None:
            prescreen = PRESCREEN
        rules = RuleScorer() if prescreen else None
        d = self.data
        rows = (
            d.job_seekers()
            if person_ids is None
            else np.array([d.person_row(x) for x in person_ids], np.int32)
        )
        q = d.postings
        with threadpool_limits(limits=1):
            for start in range(0, len(rows), block_size):
                prow = rows[start : start + block_size]
                block = PairBlock.for_grid(d, prow)
                mask = limits.check(block)
                n, P = mask.shape
                flat_ok = np.flatnonzero(mask.ravel() == 0)
                ok_i, ok_j = np.divmod(flat_ok, P)
                X = compute(block, flat_ok)
                S = np.full((n, P), -np.inf, dtype=np.float32)
                if rules is not None and prescreen < P:
                    S[ok_i, ok_j] = rules.score(X)
                    keep, keep_scores = _top_per_row(S, prescreen)
                    S[:] = -np.inf
                    kr, kc = np.nonzero(np.isfinite(keep_scores))
                    cols = keep[kr, kc]
                    pos = np.full((n, P), -1, dtype=np.int64)
                    pos[ok_i, ok_j] = np.arange(len(ok_i))
                    S[kr, cols] = self.scorer.score(X[pos[kr, cols]])
                else:
                    S[ok_i, ok_j] = self.scorer.score(X)
                best, best_scores = _top_per_row(S, min(top, P))
                # feature rows of the chosen pairs, for the explanations
                pos_of = np.full((n, P), -1, dtype=np.int64)
                pos_of[ok_i, ok_j] = np.arange(len(ok_i))
                summaries = limits.summarize_rows(mask)
                chances = [None] * n
                if raise_chances:
                    must = block.must_overlap
                    chances = ex.unlocks(d, prow, block.qi[0], mask, must)
                for r in range(n):
                    valid = np.isfinite(best_scores[r])
                    cols = best[r][valid]
                    xr = pos_of[r, cols]
                    expl = ex.explain(d, prow[r], block.qi[0][cols], X[xr]) if len(cols) else []
                    results = [
                        RankedPosting(
                            q.records[c].posting_id,
                            q.records[c].code,
                            q.records[c].title,
                            float(best_scores[r][m]),
                            m + 1,
                            expl[m],
                        )
                        for m, c in enumerate(block.qi[0][cols])
                    ]
                    u = chances[r]
                    yield PersonRanking(
                        d.people.records[prow[r]].person_id,
                        self.scorer.label,
                        results,
                        [],
                        u.text if u else None,
                        summaries[r],
                    )


def _top_per_row(S: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and scores of each row's k best entries, ties broken by column (as lexsort)."""
    n = S.shape[0]
    if k == 0:
        return np.zeros((n, 0), np.int64), np.zeros((n, 0), S.dtype)
    part = np.argpartition(-S, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(S, part, 1).min(axis=1)
    best = np.empty((n, k), dtype=np.int64)
    for r in range(n):
        cand = np.flatnonzero(S[r] >= kth[r]) if np.isfinite(kth[r]) else np.flatnonzero(np.isfinite(S[r]))
        cand = cand[np.lexsort((cand, -S[r, cand]))][:k]
        best[r, : len(cand)] = cand
        best[r, len(cand) :] = 0
    scores = np.take_along_axis(S, best, 1)
    if not np.all(np.isfinite(kth)):  # rows with fewer than k allowed postings
        for r in np.flatnonzero(~np.isfinite(kth)):
            m = int(np.isfinite(S[r]).sum())
            scores[r, m:] = -np.inf
    return best, scores
