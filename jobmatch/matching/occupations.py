"""Similarity between CSCO occupation codes (职业分类大典 codes like '6-25-04-01').

This is the one place the engine defines it; the vocab package's version can
replace :func:`occupation_similarity` later without touching anything else,
because the engine only calls it on the (small) set of distinct codes and
caches the resulting matrix (see :func:`similarity_matrix`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: similarity by the deepest shared level: 大类, 中类, 小类, 细类 (full 4-level code)
LEVEL_SIMILARITY = (0.1, 0.3, 0.6, 1.0)


def split_code(code: str | None) -> tuple[str, ...]:
    """'6-25-04-01' → ('6', '25', '04', '01'); blanks and None → ()."""
    if not code:
        return ()
    parts = [p.strip() for p in code.replace("—", "-").replace("－", "-").strip().split("-")]
    return tuple(p for p in parts if p)


def occupation_similarity(a: str | None, b: str | None) -> float:
    """1.0 same 4-level code, 0.6 same 小类, 0.3 same 中类, 0.1 same 大类, else 0."""
    pa, pb = split_code(a), split_code(b)
    shared = 0
    for x, y in zip(pa, pb, strict=False):
        if x != y:
            break
        shared += 1
    if shared == 0:
        return 0.0
    if shared >= 4:
        return LEVEL_SIMILARITY[3]
    # a shorter code that is a full prefix (e.g. only 小类 known) counts at its depth
    return LEVEL_SIMILARITY[shared - 1]


def similarity_matrix(rows: Sequence[str], cols: Sequence[str]) -> np.ndarray:
    """Dense float32 matrix sim[i, j] = occupation_similarity(rows[i], cols[j])."""
    out = np.zeros((len(rows), len(cols)), dtype=np.float32)
    for i, a in enumerate(rows):
        for j, b in enumerate(cols):
            out[i, j] = occupation_similarity(a, b)
    return out
