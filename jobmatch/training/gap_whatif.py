""""How many more postings would open up if N job seekers earned certificate X" — with the
matching engine's hard limits (``jobmatch/matching/limits.py``) on the engine's records
(``jobmatch/matching/service.py``: one cached engine per process, rebuilt on data changes).

For the open postings of the user's counties that require X, and the job seekers of the
user's region (the report's: able, 未就业 / 其他) who are also the engine's job seekers (some
stated willingness to work) — only ``service.get_engine()`` and the engine's data are used:

1. ``limits.check`` gives every (person, posting) pair its hard-limit mask as things are;
2. the same rule with X held and valid: a person lacking X gets X added to what they hold
   (``certs_held_any`` / ``certs_valid`` + 1 for X), so the certificate bits are recomputed and
   every other limit (age, place, care duty, intensity, public-welfare rules, open slots) keeps
   its verdict;
3. N people are chosen greedily among those lacking X, each time the one who opens the most
   postings nobody could take yet, then (ties) who adds the most still-unfilled slots (a slot
   is unfilled while a posting has fewer eligible job seekers than open slots);
4. a posting *opens up* when no job seeker passed its hard limits before and at least one
   (one of the N) does after; ``fillable`` counts the open slots that could be filled at once
   with each person taking at most one job (a maximum flow, people → postings they pass →
   open slots), so N people never add more than N.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs.models import Posting, PostingCertificate
from jobmatch.people.models import Person
from jobmatch.places.services import Scope
from jobmatch.training.gaps import open_postings_clause, seeker_clause

#: the most people a what-if may add (the page's field allows 1 … MAX_N)
MAX_N = 500


@dataclass
class WhatIf:
    certificate_id: int
    n: int
    postings: int = 0  # open postings of the scope that require the certificate
    slots: int = 0  # their open slots
    reachable_before: int = 0  # postings with ≥ 1 job seeker passing every hard limit
    reachable_after: int = 0
    fillable_before: int = 0  # slots that job seekers passing the limits could fill, one job each
    fillable_after: int = 0
    candidates: int = 0  # job seekers lacking a valid certificate who would pass some posting's limits with it
    chosen_person_ids: list[int] = field(default_factory=list)
    opened_posting_ids: list[int] = field(default_factory=list)
    upper_bound_opened: int = 0  # if every candidate earned it

    @property
    def opened(self) -> int:
        return self.reachable_after - self.reachable_before

    @property
    def slots_gained(self) -> int:
        return self.fillable_after - self.fillable_before


def postings_opened_if_certified(scope: Scope, certificate_id: int, n: int, *, engine=None) -> WhatIf:
    """The what-if of the module docstring for one certificate and N people."""
    from jobmatch.matching import limits
    from jobmatch.matching import service as matching
    from jobmatch.matching.pairs import PairBlock

    n = max(0, min(int(n), MAX_N))
    result = WhatIf(certificate_id, n)
    posting_ids = list(db.session.scalars(
        sa.select(Posting.id).join(PostingCertificate, PostingCertificate.posting_id == Posting.id)
        .where(open_postings_clause(scope, today()), PostingCertificate.certificate_id == certificate_id)
        .distinct().order_by(Posting.id)))
    if not posting_ids:
        return result
    engine = engine or matching.get_engine()
    d = engine.data
    qrows = np.array([d.postings.index[p] for p in posting_ids if p in d.postings.index], dtype=np.int32)
    qrows = qrows[d.postings.is_open[qrows]]
    # the region's job seekers not in work (SQL, as the report), among the engine's job seekers
    # (who also stated some willingness to work)
    ids = db.session.connection().execute(sa.select(Person.id).where(seeker_clause(scope, today()))).scalars().all()
    index = d.people.index
    rows = np.array([index[i] for i in ids if i in index], dtype=np.int32)
    prows = np.intersect1d(rows, d.job_seekers()).astype(np.int32)
    slots = d.postings.slots[qrows].astype(np.int64)
    result.postings, result.slots = len(qrows), int(slots.sum())
    if not len(prows) or not len(qrows):
        return result

    block = PairBlock.for_grid(d, prows, qrows)
    before = limits.check(block)
    col = d.spaces.certs.get(int(certificate_id))
    if col is None:  # nobody holds it: the engine's certificate space has no column for it
        held_x = valid_x = np.zeros(len(prows), dtype=bool)
    else:
        held_x = _column(d.certs_held, prows, col)
        valid_x = _column(d.certs_valid_at(d.t), prows, col)
    cert_bits = limits.CERT_MISSING | limits.CERT_EXPIRED
    held = block.certs_held_any + (~held_x)[:, None]
    valid = block.certs_valid + (~valid_x)[:, None]
    n_req = d.postings.n_required[qrows][None, :]
    after = (before & ~cert_bits) | np.where(n_req - held > 0, limits.CERT_MISSING, 0) \
        | np.where(held - valid > 0, limits.CERT_EXPIRED, 0)
    after = after.astype(np.int32)

    eligible = (before == 0).sum(0).astype(np.int64)
    gains = (after == 0) & (before != 0) & (~valid_x)[:, None]  # candidates: lacking a valid X
    cand = np.flatnonzero(gains.any(1))
    result.candidates = len(cand)
    result.reachable_before = int((eligible > 0).sum())
    result.fillable_before = _fillable(before == 0, slots)
    result.upper_bound_opened = int(((eligible == 0) & gains.any(0)).sum())

    need = np.maximum(slots - eligible, 0)
    added = np.zeros(len(qrows), dtype=np.int64)
    g = gains[cand]
    chosen: list[int] = []
    for _ in range(min(n, len(cand))):
        # opening a posting nobody could take first, then filling open slots
        current = eligible + added
        score = (g & (current == 0)[None, :]).sum(1) * 10_000 + (g & (need > 0)[None, :]).sum(1)
        score[chosen] = -1
        best = int(score.argmax())
        if score[best] <= 0:
            break
        chosen.append(best)
        added += g[best]
        need = np.maximum(need - g[best], 0)
    after_eligible = eligible + added
    result.reachable_after = int((after_eligible > 0).sum())
    allowed = before == 0
    if chosen:
        allowed = allowed.copy()
        allowed[cand[chosen]] |= g[chosen]
    result.fillable_after = _fillable(allowed, slots)
    result.chosen_person_ids = [int(d.people.records[prows[cand[i]]].person_id) for i in chosen]
    result.opened_posting_ids = [int(d.postings.records[qrows[j]].posting_id)
                                 for j in np.flatnonzero((eligible == 0) & (after_eligible > 0))]
    return result


def _fillable(allowed: np.ndarray, slots: np.ndarray) -> int:
    """Most open slots that can be filled at once, each person taking at most one job and only
    jobs whose hard limits they pass: a maximum flow source → person (1) → posting (slots) → sink."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import maximum_flow

    people = np.flatnonzero(allowed.any(1))
    if not len(people):
        return 0
    sub = allowed[people]
    n_p, n_q = sub.shape
    source, sink = 0, 1 + n_p + n_q
    pi, qj = np.nonzero(sub)
    rows = np.concatenate([np.zeros(n_p, np.int64), 1 + pi, 1 + n_p + np.arange(n_q)])
    cols = np.concatenate([1 + np.arange(n_p), 1 + n_p + qj, np.full(n_q, sink)])
    caps = np.concatenate([np.ones(n_p, np.int32), np.ones(len(pi), np.int32), slots.astype(np.int32)])
    graph = sp.csr_matrix((caps, (rows, cols)), shape=(sink + 1, sink + 1), dtype=np.int32)
    return int(maximum_flow(graph, source, sink).flow_value)


def _column(matrix, rows: np.ndarray, col: int) -> np.ndarray:
    """Whether each of ``rows`` has a stored entry in column ``col`` of a CSR matrix."""
    return np.asarray(matrix[rows][:, [col]].toarray()).ravel() != 0
