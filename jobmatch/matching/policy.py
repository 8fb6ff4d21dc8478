"""Policy priority (政策优先), applied in the open *after* the model.

Members of zero-employment households (零就业家庭) and monitoring subjects
(防返贫监测对象) get priority on posting shortlists. The rule, with every number
configurable (:class:`PolicyConfig`):

1. Take the scorer's order of all eligible candidates and its top ``k`` places.
2. Reserve ``ceil(share × k)`` of those places for priority people, where ``share`` is
   ``reserved_share`` (default 20 %) or, for 公益性岗位, ``public_welfare_share`` (50 %).
3. If fewer priority people than that are already in the top ``k``, promote the
   best-scoring priority people from below into the top ``k`` — but only those whose
   score is at least ``min_score`` *and* at least ``min_relative`` × the score of the
   model's k-th place (a floor, so nobody unsuited is pushed onto a shortlist).
4. Each promoted person takes the place of the lowest-scoring non-priority person in the
   top ``k``; everyone inside the top ``k`` keeps the scorer's relative order, so the
   promoted people sit at the bottom of it. Nobody else moves.

Scores are never changed. Both orders are returned with per-row reasons, so a page can
show the model's order next to the policy's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PolicyConfig:
    """Numbers of the priority rule (the app may load them from its settings)."""

    reserved_share: float = 0.2
    public_welfare_share: float = 0.5
    min_score: float = 0.02
    min_relative: float = 0.5
    zero_employment: bool = True
    monitored: bool = True

    def describe(self, k: int, public_welfare: bool = False) -> str:
        """The rule in Chinese for a page footer."""
        share = self.public_welfare_share if public_welfare else self.reserved_share
        groups = "、".join(
            g for g, on in (("零就业家庭成员", self.zero_employment), ("监测对象", self.monitored)) if on
        )
        return (
            f"政策优先：前 {k} 名中至少预留 {math.ceil(share * k)} 个名额给{groups}，"
            f"其分数须不低于 {self.min_score:.2f} 且不低于第 {k} 名分数的 {self.min_relative:.0%}；分数不变，只调整顺序"
        )


@dataclass
class PolicyResult:
    """Both orders over candidate positions (indices into the candidate arrays)."""

    model_order: np.ndarray  # candidate indices, best first (all candidates)
    policy_order: np.ndarray  # same candidates, policy order
    priority: np.ndarray  # bool per candidate
    notes: dict[int, str]  # candidate index → why the policy moved it
    reserved: int
    floor: float


def priority_reasons(zero_employment: bool, monitored: bool, config: PolicyConfig) -> list[str]:
    """Why a person counts as a priority person (empty when they do not)."""
    out = []
    if config.zero_employment and zero_employment:
        out.append("零就业家庭成员")
    if config.monitored and monitored:
        out.append("监测对象")
    return out


def apply(
    scores: np.ndarray,
    priority: np.ndarray,
    k: int,
    config: PolicyConfig,
    public_welfare: bool = False,
    model_order: np.ndarray | None = None,
) -> PolicyResult:
    """Apply the priority rule to candidates with these scores (see module doc)."""
    scores = np.asarray(scores, dtype=np.float64)
    priority = np.asarray(priority, dtype=bool)
    order = np.argsort(-scores, kind="stable") if model_order is None else np.asarray(model_order)
    n = len(order)
    k = min(k, n)
    share = config.public_welfare_share if public_welfare else config.reserved_share
    reserved = min(k, math.ceil(share * k)) if k else 0
    notes: dict[int, str] = {}
    if k == 0:
        return PolicyResult(order, order.copy(), priority, notes, reserved, 0.0)
    kth = scores[order[k - 1]]
    floor = max(config.min_score, config.min_relative * kth)
    top, rest = order[:k], order[k:]
    have = int(priority[top].sum())
    need = max(0, reserved - have)
    if need == 0:
        return PolicyResult(order, order.copy(), priority, notes, reserved, floor)
    pool = rest[priority[rest] & (scores[rest] >= floor)][:need]
    if not len(pool):
        return PolicyResult(order, order.copy(), priority, notes, reserved, floor)
    # drop the lowest-scoring non-priority people from the top k, as many as are promoted
    non_pri_positions = np.flatnonzero(~priority[top])
    drop_positions = non_pri_positions[::-1][: len(pool)]
    pool = pool[: len(drop_positions)]
    dropped = top[drop_positions]
    keep = np.delete(top, drop_positions)
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order] = np.arange(n)
    for c in pool:
        notes[int(c)] = f"按政策优先进入前 {k} 名（按分数排第 {rank_of[c] + 1} 名）"
    for c in dropped:
        notes[int(c)] = f"因政策预留名额移出前 {k} 名（按分数排第 {rank_of[c] + 1} 名）"
    new_top = np.concatenate([keep, pool])
    new_top = new_top[np.argsort(rank_of[new_top], kind="stable")]
    remaining = np.setdiff1d(rest, pool, assume_unique=True)
    remaining = remaining[np.argsort(rank_of[remaining], kind="stable")]
    tail = np.concatenate([dropped, remaining])
    tail = tail[np.argsort(rank_of[tail], kind="stable")]
    policy_order = np.concatenate([new_top, tail])
    return PolicyResult(order, policy_order, priority, notes, reserved, floor)
