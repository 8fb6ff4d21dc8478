"""Similarity between CSCO occupation codes (职业分类大典 codes like '6-25-04-01').

The definition lives in the occupations package (``jobmatch.occupations.similarity``:
1.0 same 细类, 0.75 same 小类, 0.5 same 中类, 0.25 same 大类); the engine only calls it on
the (small) set of distinct codes and caches the resulting matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jobmatch.occupations import similarity as occupation_similarity

__all__ = ["occupation_similarity", "similarity_matrix"]


def similarity_matrix(rows: Sequence[str], cols: Sequence[str]) -> np.ndarray:
    """Dense float32 matrix sim[i, j] = occupation_similarity(rows[i], cols[j])."""
    out = np.zeros((len(rows), len(cols)), dtype=np.float32)
    for i, a in enumerate(rows):
        for j, b in enumerate(cols):
            out[i, j] = occupation_similarity(a, b)
    return out
