"""MatchingData: the columnar snapshot the engine works on."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from . import occupations
from .history import OutcomeHistory
from .records import (
    EMPLOYMENT_STATUSES,
    LABOR_CAPACITIES,
    WORK_PREFERENCES,
    Names,
    OutcomeRecord,
    PersonRecord,
    PostingRecord,
)
from .tables import (
    OutcomeTable,
    PeopleTable,
    PostingsTable,
    Space,
    Spaces,
    build_outcomes,
    build_people,
    build_postings,
    day,
    finalize,
)

#: used when no posting states a wage at all
DEFAULT_REFERENCE_WAGE = 3000.0


class MatchingData:
    """People, postings and outcomes as arrays, plus caches for one reference day.

    ``as_of`` is the day ages, certificate expiry and track records are evaluated at
    when ranking (default: today). Pass *all* postings that outcomes refer to,
    closed ones with ``is_open=False``; only open postings are ranked.
    """

    def __init__(
        self,
        people: Sequence[PersonRecord],
        postings: Sequence[PostingRecord],
        outcomes: Sequence[OutcomeRecord] = (),
        names: Names | None = None,
        as_of: date | None = None,
    ):
        self.spaces = Spaces(Space(), Space(), Space(), Space(), Space())
        self.people: PeopleTable = build_people(
            people, self.spaces.skills, self.spaces.certs, self.spaces.provinces, self.spaces.codes
        )
        self.postings: PostingsTable = build_postings(
            postings,
            self.spaces.skills,
            self.spaces.certs,
            self.spaces.provinces,
            self.spaces.employers,
            self.spaces.codes,
        )
        finalize(self.people, self.postings, self.spaces)
        self.outcomes: OutcomeTable = build_outcomes(outcomes, self.people, self.postings)
        self.history = OutcomeHistory(self.outcomes)
        self.names = names or Names()
        self.as_of = as_of or date.today()
        self.t = day(self.as_of)

    # -- lookups ---------------------------------------------------------------------------
    def person_row(self, person_id: Hashable) -> int:
        """Row of a person (KeyError if unknown)."""
        return self.people.index[person_id]

    def posting_row(self, posting_id: Hashable) -> int:
        """Row of a posting by id, or by its code such as 'GW00001' (KeyError if unknown)."""
        row = self.postings.index.get(posting_id)
        if row is None:
            row = self.postings.code_index[posting_id]
        return row

    # -- caches ----------------------------------------------------------------------------
    @cached_property
    def open_postings(self) -> np.ndarray:
        """Rows of open postings."""
        return np.flatnonzero(self.postings.is_open).astype(np.int32)

    @cached_property
    def occupation_sim(self) -> np.ndarray:
        """Similarity between every pair of occupation codes seen (C × C, float32)."""
        codes = [str(c) for c in self.spaces.codes.values]
        return occupations.similarity_matrix(codes, codes)

    @cached_property
    def reference_wage(self) -> float:
        """Median posting wage (open postings, else all) — makes wage features scale-free."""
        for rows in (self.open_postings, np.arange(len(self.postings))):
            w = self.postings.wage_mid[rows]
            w = w[~np.isnan(w)]
            if len(w):
                return float(np.median(w))
        return DEFAULT_REFERENCE_WAGE

    @cached_property
    def certs_held(self) -> sp.csr_matrix:
        """N × C binary: certificates held, expired or not."""
        m = self.people.cert_expiry.copy()
        m.data = np.ones_like(m.data, dtype=np.float32)
        return m.astype(np.float32)

    def certs_valid_at(self, t: float) -> sp.csr_matrix:
        """N × C binary: certificates not yet expired on day t."""
        if t == self.t:
            return self._certs_valid_now
        return _valid(self.people.cert_expiry, t)

    @cached_property
    def _certs_valid_now(self) -> sp.csr_matrix:
        return _valid(self.people.cert_expiry, self.t)

    @cached_property
    def employer_history_now(self) -> dict[str, np.ndarray]:
        """Employer track-record features at ``as_of``, one value per employer."""
        return self.history.employer_features(np.arange(len(self.spaces.employers)), self.t)

    @cached_property
    def person_history_now(self) -> dict[str, np.ndarray]:
        """Person track-record features at ``as_of``, one value per person."""
        return self.history.person_features(np.arange(len(self.people)), self.t)

    @cached_property
    def ages_now(self) -> np.ndarray:
        """Age in whole years at ``as_of`` (NaN unknown)."""
        return age_years(self.people.birth_day, self.t)

    # -- who is looking for work ---------------------------------------------------------------
    def job_seekers(self) -> np.ndarray:
        """Rows of people the batch recommendation and shortlists consider.

        A job seeker has some labor capacity (not 无劳动能力), is not a student, has stated
        some willingness to work (not 暂无意愿) and is of working age (16 or older when the
        birth date is known). Employed people who stated a willingness are included: they may
        be looking for a better job. The app may pass its own list instead.
        """
        p = self.people
        age = self.ages_now
        ok = (
            (p.capacity != LABOR_CAPACITIES.index("NONE"))
            & (p.status != EMPLOYMENT_STATUSES.index("STUDENT"))
            & (p.preference != WORK_PREFERENCES.index("NONE"))
            & ~(age < 16)
        )
        return np.flatnonzero(ok).astype(np.int32)


def age_years(birth_day: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Completed years between birth day numbers and day t (NaN when the birth date is unknown)."""
    return np.floor((np.asarray(t, dtype=np.float64) - birth_day) / 365.2425)


def _valid(expiry: sp.csr_matrix, t: float) -> sp.csr_matrix:
    m = expiry.copy()
    m.data = (m.data >= t).astype(np.float32)
    m.eliminate_zeros()
    return m.astype(np.float32)
