"""Blocks of (person, posting) pairs and the shared quantities limits and features need.

A :class:`PairBlock` is one of four shapes, all handled by the same numpy
broadcasting so hard limits and features are written once:

* ``person``  — one person × many postings: person arrays have shape (1,), postings (P,)
* ``posting`` — one posting × many people: people (N,), posting (1,)
* ``pairs``   — M arbitrary pairs, each with its own reference day (training rows)
* ``grid``    — n people × P postings as an (n, P) matrix (batch recommendation)

Only the sparse skill / certificate / occupation overlaps need a per-shape
strategy (a sparse mat-vec for one side fixed, a row-wise product for pairs,
a sparse mat-mat for grids); :meth:`PairBlock.overlap` hides that.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .data import MatchingData, age_years

#: a posting whose county is unknown counts as local when it is at most this far from home
LOCAL_RADIUS_KM = 50.0
EARTH_RADIUS_KM = 6371.0088

#: place levels
PLACE_LOCAL, PLACE_PROVINCE, PLACE_OUT = 0.0, 1.0, 2.0


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km between points given in radians (NaN when any is NaN)."""
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    a = np.sin(dlat / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def place_level(p_county, q_county, p_prov, q_prov, km, local_radius_km=LOCAL_RADIUS_KM) -> np.ndarray:
    """Where the job is relative to home: 0 same county, 1 same province, 2 other province, NaN unknown.

    * both provinces known and different → 2 (省外);
    * both counties known → 0 if equal, else 1 (provinces not known to differ);
    * otherwise the distance decides: ≤ ``local_radius_km`` → 0, farther → 1;
    * otherwise unknown (NaN): the job may or may not be near home.
    """
    p_county, q_county, p_prov, q_prov, km = np.broadcast_arrays(p_county, q_county, p_prov, q_prov, km)
    out = np.full(p_county.shape, np.nan, dtype=np.float32)
    counties = (p_county >= 0) & (q_county >= 0)
    out = np.where(counties, np.where(p_county == q_county, PLACE_LOCAL, PLACE_PROVINCE), out)
    by_km = ~counties & ~np.isnan(km)
    out = np.where(by_km, np.where(km <= local_radius_km, PLACE_LOCAL, PLACE_PROVINCE), out)
    other_prov = (p_prov >= 0) & (q_prov >= 0) & (p_prov != q_prov)
    return np.where(other_prov, PLACE_OUT, out).astype(np.float32)


class PairBlock:
    """A block of pairs with lazily computed, cached shared quantities."""

    def __init__(self, data: MatchingData, mode: str, pi: np.ndarray, qi: np.ndarray, t):
        self.data = data
        self.mode = mode
        self.pi = pi
        self.qi = qi
        self.t = t

    # -- constructors --------------------------------------------------------------------------
    @classmethod
    def for_person(cls, data: MatchingData, person_row: int, posting_rows: np.ndarray | None = None):
        """One person × postings (default: all open postings) at ``data.as_of``."""
        rows = data.open_postings if posting_rows is None else np.asarray(posting_rows, dtype=np.int32)
        return cls(data, "person", np.array([person_row], dtype=np.int32), rows, data.t)

    @classmethod
    def for_posting(cls, data: MatchingData, posting_row: int, person_rows: np.ndarray | None = None):
        """One posting × people (default: all job seekers) at ``data.as_of``."""
        rows = data.job_seekers() if person_rows is None else np.asarray(person_rows, dtype=np.int32)
        return cls(data, "posting", rows, np.array([posting_row], dtype=np.int32), data.t)

    @classmethod
    def for_pairs(cls, data: MatchingData, person_rows, posting_rows, days):
        """Arbitrary pairs, each evaluated at its own day (training rows: the referral date)."""
        pi = np.asarray(person_rows, dtype=np.int32)
        qi = np.asarray(posting_rows, dtype=np.int32)
        t = np.broadcast_to(np.asarray(days, dtype=np.float64), pi.shape)
        return cls(data, "pairs", pi, qi, t)

    @classmethod
    def for_grid(cls, data: MatchingData, person_rows, posting_rows=None):
        """People × postings as a matrix at ``data.as_of`` (batch recommendation)."""
        q = data.open_postings if posting_rows is None else np.asarray(posting_rows, dtype=np.int32)
        p = np.asarray(person_rows, dtype=np.int32)
        return cls(data, "grid", p[:, None], q[None, :], data.t)

    #: cached per-pair quantities that a subset of the block can reuse (see features.subset)
    CACHED = (
        "age",
        "km",
        "place",
        "must_overlap",
        "nice_overlap",
        "certs_held_any",
        "certs_valid",
        "person_valid_cert_count",
        "occupation_similarity",
    )

    @cached_property
    def shape(self) -> tuple[int, ...]:
        """Broadcast shape of every per-pair array in this block."""
        return np.broadcast_shapes(self.pi.shape, self.qi.shape)

    @property
    def size(self) -> int:
        """Number of pairs."""
        return int(np.prod(self.shape))

    # -- sparse overlaps -----------------------------------------------------------------------
    def overlap(self, a: sp.csr_matrix, b: sp.csr_matrix) -> np.ndarray:
        """Σ_k a[person, k] · b[posting, k] for every pair (a: people × K, b: postings × K)."""
        if self.mode == "person":
            i = int(self.pi[0])
            vec = np.zeros(a.shape[1], dtype=np.float32)
            sl = slice(a.indptr[i], a.indptr[i + 1])
            vec[a.indices[sl]] = a.data[sl]
            return (b @ vec)[self.qi].astype(np.float32)
        if self.mode == "posting":
            j = int(self.qi[0])
            vec = np.zeros(b.shape[1], dtype=np.float32)
            sl = slice(b.indptr[j], b.indptr[j + 1])
            vec[b.indices[sl]] = b.data[sl]
            if b.indptr[j] == b.indptr[j + 1]:
                return np.zeros(self.shape, dtype=np.float32)
            return (a @ vec)[self.pi].astype(np.float32)
        if self.mode == "pairs":
            return np.asarray(a[self.pi].multiply(b[self.qi]).sum(axis=1), dtype=np.float32).ravel()
        return (a[self.pi[:, 0]] @ b[self.qi[0]].T).toarray().astype(np.float32)

    def cert_valid_overlap(self, required: sp.csr_matrix) -> np.ndarray:
        """Required certificates the person holds unexpired on the pair's day."""
        if self.mode != "pairs":
            return self.overlap(self.data.certs_valid_at(self.t), required)
        sub = self.data.people.cert_expiry[self.pi]
        t_rep = np.repeat(self.t, np.diff(sub.indptr))
        sub = sub.copy()
        sub.data = (sub.data >= t_rep).astype(np.float32)
        return np.asarray(sub.multiply(required[self.qi]).sum(axis=1), dtype=np.float32).ravel()

    # -- shared quantities ---------------------------------------------------------------------
    @cached_property
    def age(self) -> np.ndarray:
        """Person age in years on the pair's day (NaN unknown)."""
        if self.mode != "pairs":
            return self.data.ages_now[self.pi].astype(np.float32)
        return age_years(self.data.people.birth_day[self.pi], self.t).astype(np.float32)

    @cached_property
    def km(self) -> np.ndarray:
        """Distance from the person's site to the workplace in km (NaN unknown)."""
        p, q = self.data.people, self.data.postings
        return haversine_km(p.lon[self.pi], p.lat[self.pi], q.lon[self.qi], q.lat[self.qi]).astype(np.float32)

    @cached_property
    def place(self) -> np.ndarray:
        """Place level (see :func:`place_level`)."""
        p, q = self.data.people, self.data.postings
        return place_level(
            p.county[self.pi], q.county[self.qi], p.province[self.pi], q.province[self.qi], self.km
        )

    @cached_property
    def must_overlap(self) -> np.ndarray:
        """Must-have skills of the posting the person has."""
        return self.overlap(self.data.people.skills, self.data.postings.must)

    @cached_property
    def nice_overlap(self) -> np.ndarray:
        """Nice-to-have skills of the posting the person has."""
        return self.overlap(self.data.people.skills, self.data.postings.nice)

    @cached_property
    def certs_held_any(self) -> np.ndarray:
        """Required certificates the person holds, expired or not."""
        return self.overlap(self.data.certs_held, self.data.postings.required_certs)

    @cached_property
    def certs_valid(self) -> np.ndarray:
        """Required certificates the person holds and that are still valid."""
        return self.cert_valid_overlap(self.data.postings.required_certs)

    @cached_property
    def person_valid_cert_count(self) -> np.ndarray:
        """How many unexpired certificates the person holds."""
        if self.mode == "pairs":
            sub = self.data.people.cert_expiry[self.pi]
            n = np.diff(sub.indptr)
            ok = sub.data >= np.repeat(self.t, n)
            owner = np.repeat(np.arange(len(n)), n)
            return np.bincount(owner, weights=ok, minlength=len(n)).astype(np.float32)
        valid = self.data.certs_valid_at(self.t)
        return np.diff(valid.indptr).astype(np.float32)[self.pi]

    @cached_property
    def occupation_similarity(self) -> np.ndarray:
        """Best similarity between any of the person's occupation codes and the posting's code."""
        occ = self.data.people.occupations
        q_code = self.data.postings.occupation[self.qi]
        sim = self.data.occupation_sim
        if sim.size == 0:
            return np.zeros(self.shape, dtype=np.float32)
        if self.mode == "posting":
            c = int(q_code[0])
            if c < 0:
                return np.zeros(self.shape, dtype=np.float32)
            per_person = _row_max(occ, sim[:, c][occ.indices])
            return per_person[self.pi]
        if self.mode == "person":
            i = int(self.pi[0])
            codes = occ.indices[occ.indptr[i] : occ.indptr[i + 1]]
            if not len(codes):
                return np.zeros(self.shape, dtype=np.float32)
            best = sim[codes].max(axis=0)
            return np.where(q_code >= 0, best[np.maximum(q_code, 0)], 0).astype(np.float32)
        rows = self.pi[:, 0] if self.mode == "grid" else self.pi
        uniq, inv = np.unique(rows, return_inverse=True)
        profile = _profiles(occ, uniq, sim)  # len(uniq) × C
        safe = np.maximum(q_code, 0)
        if self.mode == "grid":
            out = profile[inv][:, safe[0]]
            return np.where(q_code >= 0, out, 0).astype(np.float32)
        out = profile[inv, safe]
        return np.where(q_code >= 0, out, 0).astype(np.float32)


def _row_max(m: sp.csr_matrix, values: np.ndarray) -> np.ndarray:
    """Per-row max of ``values`` laid out like ``m.data`` (0 for empty rows)."""
    out = np.zeros(m.shape[0], dtype=np.float32)
    n = np.diff(m.indptr)
    nz = n > 0
    if values.size:
        out[nz] = np.maximum.reduceat(values, m.indptr[:-1][nz])
    return out


def _profiles(occ: sp.csr_matrix, rows: np.ndarray, sim: np.ndarray) -> np.ndarray:
    """For each person row: the best similarity to every code (len(rows) × C)."""
    sub = occ[rows]
    out = np.zeros((len(rows), sim.shape[1]), dtype=np.float32)
    n = np.diff(sub.indptr)
    nz = n > 0
    if sub.indices.size:
        out[nz] = np.maximum.reduceat(sim[sub.indices], sub.indptr[:-1][nz], axis=0)
    return out
