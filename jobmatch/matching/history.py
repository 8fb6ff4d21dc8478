"""Point-in-time history of referral outcomes (employer and person track records).

Every count here is "as known strictly before day t", so a training row for a
referral made on day t only sees outcomes that had become known before t —
no leakage from the future. When is an outcome known?

* a referral is known on its referral date;
* a final non-hire (未录用 / 本人放弃) is known ``OUTCOME_LAG_DAYS`` after the referral;
* a hire is known on its start date (or ``OUTCOME_LAG_DAYS`` after the referral
  when no start date was recorded);
* whether a hire *lasted* (still employed ``RETENTION_DAYS`` after starting) is
  known on start + ``RETENTION_DAYS``; an early departure is known on its end date
  (used only for the person's own "left early" count).

Queries are vectorised: events are sorted once by (key, day) and every query
is a ``searchsorted`` on the composite key plus a cumulative sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .records import RESULTS
from .tables import OutcomeTable

#: a hire "lasts" when the person is still employed this many days after starting
RETENTION_DAYS = 182
#: days after a referral by which a non-hire result is assumed to be known
OUTCOME_LAG_DAYS = 14
#: pseudo-count for the smoothed employer rates (shrinks small employers to the county rate)
EMPLOYER_PRIOR_WEIGHT = 10.0
#: county-wide rates used until at least this many outcomes are known
MIN_GLOBAL_EVENTS = 30
DEFAULT_HIRE_RATE = 0.3
DEFAULT_RETENTION_RATE = 0.6

_R = {name: i for i, name in enumerate(RESULTS)}
_SHIFT = 2**24  # day numbers are < 2**20; keys * 2**24 + day fits easily in int64


@dataclass(frozen=True)
class OutcomeEvents:
    """Derived per-outcome facts shared by history features and training labels."""

    is_hire: np.ndarray  # bool
    start: np.ndarray  # day the hire started (NaN for non-hires)
    final_nonhire: np.ndarray  # 未录用 / 本人放弃
    declined: np.ndarray  # 本人放弃
    retained: np.ndarray  # bool: still employed RETENTION_DAYS after start (valid where resolvable)
    resolvable: np.ndarray  # bool: the retention question has an answer at all (LEFT needs an end date)
    early_leave: np.ndarray  # bool: left before RETENTION_DAYS


def outcome_events(o: OutcomeTable) -> OutcomeEvents:
    """Classify every outcome row (hire, final non-hire, retained, left early)."""
    has_start = ~np.isnan(o.started)
    is_hire = np.isin(o.result, [_R["HIRED"], _R["LEFT"]]) | has_start
    start = np.where(has_start, o.started, o.referred + OUTCOME_LAG_DAYS)
    start = np.where(is_hire, start, np.nan)
    ended_early = ~np.isnan(o.ended) & (o.ended < start + RETENTION_DAYS)
    left_no_date = (o.result == _R["LEFT"]) & np.isnan(o.ended)
    resolvable = is_hire & ~left_no_date
    retained = resolvable & ~ended_early
    return OutcomeEvents(
        is_hire=is_hire,
        start=start,
        final_nonhire=~is_hire & np.isin(o.result, [_R["REJECTED"], _R["DECLINED"]]),
        declined=~is_hire & (o.result == _R["DECLINED"]),
        retained=retained,
        resolvable=resolvable,
        early_leave=is_hire & ended_early,
    )


class EventCounter:
    """Counts of weighted events per key, strictly before a query day."""

    def __init__(self, keys: np.ndarray, days: np.ndarray, **weights: np.ndarray):
        ok = ~np.isnan(days)
        comp = keys[ok].astype(np.int64) * _SHIFT + days[ok].astype(np.int64)
        order = np.argsort(comp, kind="stable")
        self._comp = comp[order]
        self._cum = {
            name: np.concatenate([[0.0], np.cumsum(w[ok][order].astype(np.float64))])
            for name, w in weights.items()
        }

    def counts(self, keys: np.ndarray | int, t: np.ndarray | float) -> dict[str, np.ndarray]:
        """{weight name: sum of that weight over events with this key and day < t}."""
        keys = np.asarray(keys, dtype=np.int64)
        t = np.floor(np.asarray(t, dtype=np.float64)).astype(np.int64)
        hi = np.searchsorted(self._comp, keys * _SHIFT + t, side="left")
        lo = np.searchsorted(self._comp, keys * _SHIFT, side="left")
        return {name: cum[hi] - cum[lo] for name, cum in self._cum.items()}


#: names of the history features, in the order features.py uses them
EMPLOYER_FEATURES = ("employer_hire_lift", "employer_retention_lift", "employer_log_decided")
PERSON_FEATURES = (
    "person_log_referrals",
    "person_hires",
    "person_early_leaves",
    "person_retained",
    "person_declines",
)


class OutcomeHistory:
    """Point-in-time employer and person track records built from outcome rows."""

    def __init__(self, o: OutcomeTable):
        ev = outcome_events(o)
        self.events = ev
        lag_day = o.referred + OUTCOME_LAG_DAYS
        decided_day = np.where(ev.is_hire, ev.start, np.where(ev.final_nonhire, lag_day, np.nan))
        resolved_day = np.where(ev.resolvable, ev.start + RETENTION_DAYS, np.nan)
        one = np.ones(len(o), dtype=np.float64)
        hire = ev.is_hire.astype(np.float64)
        zeros = np.zeros(len(o), dtype=np.int64)
        # employer: decided referrals and hires; resolved hires and how many lasted
        self._emp_decided = EventCounter(o.employer, decided_day, decided=one, hires=hire)
        self._emp_resolved = EventCounter(
            o.employer, resolved_day, resolved=one, retained=ev.retained.astype(np.float64)
        )
        self._all_decided = EventCounter(zeros, decided_day, decided=one, hires=hire)
        self._all_resolved = EventCounter(
            zeros, resolved_day, resolved=one, retained=ev.retained.astype(np.float64)
        )
        # person: referrals, hires, early departures, hires that lasted, declines
        self._p_ref = EventCounter(o.person, o.referred, referrals=one)
        self._p_hire = EventCounter(o.person, np.where(ev.is_hire, ev.start, np.nan), hires=one)
        self._p_early = EventCounter(o.person, np.where(ev.early_leave, o.ended, np.nan), early=one)
        self._p_kept = EventCounter(o.person, resolved_day, retained=ev.retained.astype(np.float64))
        self._p_decl = EventCounter(o.person, np.where(ev.declined, lag_day, np.nan), declines=one)

    def global_rates(self, t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """County-wide (hire rate, retention rate) known before t, with defaults while data is thin."""
        zero = np.zeros(np.shape(t), dtype=np.int64)
        d = self._all_decided.counts(zero, t)
        r = self._all_resolved.counts(zero, t)
        hire = np.where(
            d["decided"] >= MIN_GLOBAL_EVENTS, d["hires"] / np.maximum(d["decided"], 1), DEFAULT_HIRE_RATE
        )
        keep = np.where(
            r["resolved"] >= MIN_GLOBAL_EVENTS,
            r["retained"] / np.maximum(r["resolved"], 1),
            DEFAULT_RETENTION_RATE,
        )
        return np.clip(hire, 0.01, 0.99), np.clip(keep, 0.01, 0.99)

    def employer_features(self, employer: np.ndarray, t: np.ndarray | float) -> dict[str, np.ndarray]:
        """Smoothed employer hire and retention rates relative to the county rate (1.0 = average).

        ``rate = (events + m·county_rate) / (trials + m)`` with m = EMPLOYER_PRIOR_WEIGHT, reported
        as a *lift* over the county rate so the scale carries over between counties.
        """
        employer, t = np.broadcast_arrays(np.asarray(employer), np.asarray(t, dtype=np.float64))
        g_hire, g_keep = self.global_rates(t)
        d = self._emp_decided.counts(employer, t)
        r = self._emp_resolved.counts(employer, t)
        m = EMPLOYER_PRIOR_WEIGHT
        hire = (d["hires"] + m * g_hire) / (d["decided"] + m)
        keep = (r["retained"] + m * g_keep) / (r["resolved"] + m)
        return {
            "employer_hire_lift": (hire / g_hire).astype(np.float32),
            "employer_retention_lift": (keep / g_keep).astype(np.float32),
            "employer_log_decided": np.log1p(d["decided"]).astype(np.float32),
        }

    def person_features(self, person: np.ndarray, t: np.ndarray | float) -> dict[str, np.ndarray]:
        """The person's own record before t: referrals (log), hires, early departures, lasting hires, declines."""
        person, t = np.broadcast_arrays(np.asarray(person), np.asarray(t, dtype=np.float64))
        return {
            "person_log_referrals": np.log1p(self._p_ref.counts(person, t)["referrals"]).astype(np.float32),
            "person_hires": np.minimum(self._p_hire.counts(person, t)["hires"], 5).astype(np.float32),
            "person_early_leaves": np.minimum(self._p_early.counts(person, t)["early"], 5).astype(np.float32),
            "person_retained": np.minimum(self._p_kept.counts(person, t)["retained"], 5).astype(np.float32),
            "person_declines": np.minimum(self._p_decl.counts(person, t)["declines"], 5).astype(np.float32),
        }
