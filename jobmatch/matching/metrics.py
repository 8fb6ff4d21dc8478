"""Held-out metrics: NDCG@k per query group, recall@k, AUC, calibration.

Query groups: a *query* is either one person (the postings they were referred
to) or one posting (the people referred to it); rows are ranked by score
inside their group. Groups without a positive (NDCG undefined) or with a
single row (nothing to rank) are skipped. Ties are broken by a seeded random
key so a constant scorer gets the random baseline, not an optimistic order.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score


def _rank_in_group(groups: np.ndarray, scores: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(order, rank) where rank[i] is row i's 0-based position within its group by descending score."""
    tiebreak = np.random.default_rng(seed).random(len(scores))
    order = np.lexsort((tiebreak, -np.asarray(scores, dtype=np.float64), groups))
    g_sorted = groups[order]
    starts = np.r_[0, np.flatnonzero(g_sorted[1:] != g_sorted[:-1]) + 1]
    sizes = np.diff(np.r_[starts, len(order)])
    pos = np.arange(len(order)) - np.repeat(starts, sizes)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = pos
    return order, rank


def ndcg_at_k(y: np.ndarray, scores: np.ndarray, groups: np.ndarray, k: int = 10, seed: int = 0) -> float:
    """Mean NDCG@k over groups with ≥ 1 positive and ≥ 2 rows (binary relevance)."""
    y = np.asarray(y, dtype=np.float64)
    if not len(y):
        return float("nan")
    _, gid = np.unique(groups, return_inverse=True)
    _, rank = _rank_in_group(gid, scores, seed)
    disc = np.where(rank < k, 1.0 / np.log2(rank + 2.0), 0.0)
    dcg = np.bincount(gid, weights=y * disc)
    n_pos = np.bincount(gid, weights=y).astype(np.int64)
    size = np.bincount(gid)
    ideal_table = np.r_[0.0, np.cumsum(1.0 / np.log2(np.arange(k) + 2.0))]
    idcg = ideal_table[np.minimum(n_pos, k)]
    ok = (n_pos > 0) & (size >= 2)
    if not ok.any():
        return float("nan")
    return float(np.mean(dcg[ok] / idcg[ok]))


def hits_at_k(scores: np.ndarray, groups: np.ndarray, k: int = 10, seed: int = 0) -> np.ndarray:
    """Boolean per row: ranked within the top k of its group."""
    _, gid = np.unique(groups, return_inverse=True)
    _, rank = _rank_in_group(gid, scores, seed)
    return rank < k


def auc(y: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC (NaN when only one class is present)."""
    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        return float("nan")
    return float(roc_auc_score(y, scores))


def calibration(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> dict:
    """Brier score, expected calibration error and reliability bins (equal-width on [0, 1])."""
    y = np.asarray(y, dtype=np.float64)
    p = np.clip(np.asarray(p, dtype=np.float64), 0, 1)
    if not len(y):
        return {"brier": float("nan"), "ece": float("nan"), "bins": []}
    idx = np.minimum((p * n_bins).astype(int), n_bins - 1)
    count = np.bincount(idx, minlength=n_bins)
    mean_p = np.bincount(idx, weights=p, minlength=n_bins)
    frac = np.bincount(idx, weights=y, minlength=n_bins)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        if count[b]:
            mp, fr = mean_p[b] / count[b], frac[b] / count[b]
            ece += count[b] / len(y) * abs(mp - fr)
            bins.append(
                {
                    "lo": b / n_bins,
                    "hi": (b + 1) / n_bins,
                    "n": int(count[b]),
                    "mean_score": round(mp, 4),
                    "positive_rate": round(fr, 4),
                }
            )
    return {"brier": float(brier_score_loss(y, p)), "ece": float(ece), "bins": bins}


AGE_BANDS = ((16, 30, "16–29"), (30, 40, "30–39"), (40, 50, "40–49"), (50, 60, "50–59"), (60, 200, "60+"))


def age_band(age: np.ndarray) -> np.ndarray:
    """Age band labels ('16–29' … '60+', '不详' when unknown)."""
    out = np.full(len(age), "不详", dtype=object)
    for lo, hi, label in AGE_BANDS:
        out[(age >= lo) & (age < hi)] = label
    out[age < 16] = "<16"
    return out


def group_report(y, scores, groups, attr, k: int = 10, seed: int = 0) -> dict:
    """Recall@k and score distribution per attribute value (e.g. sex, age band).

    recall@k for value a = (positives with attribute a ranked in the top k of their group)
    / (positives with attribute a). Score quantiles are over all rows with that value.
    """
    y = np.asarray(y).astype(bool)
    hit = hits_at_k(scores, groups, k, seed)
    out = {}
    for value in sorted(set(attr.tolist()), key=str):
        sel = attr == value
        pos = sel & y
        s = np.asarray(scores)[sel]
        out[str(value)] = {
            "n": int(sel.sum()),
            "positives": int(pos.sum()),
            f"recall@{k}": float(hit[pos].mean()) if pos.any() else float("nan"),
            "score_mean": float(s.mean()) if len(s) else float("nan"),
            "score_p25": float(np.quantile(s, 0.25)) if len(s) else float("nan"),
            "score_median": float(np.median(s)) if len(s) else float("nan"),
            "score_p75": float(np.quantile(s, 0.75)) if len(s) else float("nan"),
            "positive_rate": float(pos.sum() / sel.sum()) if sel.any() else float("nan"),
        }
    return out
