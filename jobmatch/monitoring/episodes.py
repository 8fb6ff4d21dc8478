"""Zero-employment episodes, kept in step with the register the moment it changes.

The register sends ``people.signals.status_written`` after every write (imports, edits,
placements, approved proposals); ``on_status_written`` re-reads the standing of the touched
households with one grouped query per chunk and opens or clears episodes in the same
transaction. ``sweep`` does the same for a whole region (ages change without any write) and
escalates households whose referral promise is overdue.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from jobmatch.accounts import audit
from jobmatch.database import today, utcnow
from jobmatch.errors import NotFound, PermissionDenied, ValidationError
from jobmatch.extensions import db
from jobmatch.jobs.models import Referral
from jobmatch.monitoring.enums import ClearReason, EpisodeOrigin, EscalationLevel, ExitState
from jobmatch.monitoring.models import HouseholdStanding, MonthlySnapshot, Visit, ZeroEpisode
from jobmatch.people.enums import EMPLOYED_STATUSES, EmploymentStatus, StatusSource
from jobmatch.people.models import Household, Person
from jobmatch.people.rules import able_clause, age_band, employed_clause
from jobmatch.people.signals import StatusWrite, status_written
from jobmatch.places.services import Scope

CHUNK = 900


def _flag(clause) -> sa.ColumnElement[int]:
    return sa.case((clause, 1), else_=0)


def promise() -> tuple[int, int]:
    """(referrals, days) of the service promise from the app config."""
    cfg = current_app.config
    return cfg.get("ZERO_EMPLOYMENT_REFERRALS", 3), cfg.get("ZERO_EMPLOYMENT_REFERRAL_DAYS", 30)


@dataclass
class _Hint:
    origin: EpisodeOrigin
    on: dt.date
    person_id: int | None
    employed_person_id: int | None = None
    employed_on: dt.date | None = None


def _hints(writes: list[StatusWrite], source: StatusSource) -> dict[int, _Hint]:
    """What each touched household's writes say: how a zero-employment would have arisen, and who got work."""
    household_of: dict[int, int] = {}
    ids = sorted({w.person_id for w in writes})
    for start in range(0, len(ids), CHUNK):
        household_of.update(db.session.execute(
            sa.select(Person.id, Person.household_id).where(Person.id.in_(ids[start:start + CHUNK]))).all())
    by_household: dict[int, list[StatusWrite]] = defaultdict(list)
    for w in writes:
        if w.person_id in household_of:
            by_household[household_of[w.person_id]].append(w)
    new_members = {hid: sum(1 for w in ws if w.previous is None) for hid, ws in by_household.items()}
    sizes = {}
    households = sorted(h for h, n in new_members.items() if n)
    for start in range(0, len(households), CHUNK):
        sizes.update(db.session.execute(
            sa.select(Person.household_id, sa.func.count()).where(Person.household_id.in_(households[start:start + CHUNK]))
            .group_by(Person.household_id)).all())
    hints: dict[int, _Hint] = {}
    for hid, ws in by_household.items():
        returned = [w for w in ws if w.previous in EMPLOYED_STATUSES and w.status is EmploymentStatus.UNEMPLOYED]
        added = [w for w in ws if w.previous is None]
        changed = [w for w in ws if w.previous is not None and w.previous is not w.status]
        if returned:
            cause, origin = max(returned, key=lambda w: w.effective_on), EpisodeOrigin.RETURNED_HOME
        elif added:
            cause = max(added, key=lambda w: w.effective_on)
            origin = EpisodeOrigin.NEW_MEMBER if sizes.get(hid, 0) > new_members[hid] else EpisodeOrigin.IMPORT
        elif changed:
            cause, origin = max(changed, key=lambda w: w.effective_on), EpisodeOrigin.STATUS_CHANGE
        else:
            cause, origin = max(ws, key=lambda w: w.effective_on), EpisodeOrigin.PROFILE_CHANGE
        hint = _Hint(origin, cause.effective_on, cause.person_id)
        hired = [w for w in ws if w.status in EMPLOYED_STATUSES and w.previous is not w.status]
        if hired:
            last = max(hired, key=lambda w: w.effective_on)
            hint.employed_person_id, hint.employed_on = last.person_id, last.effective_on
        hints[hid] = hint
    return hints


def on_status_written(source: StatusSource, writes: list[StatusWrite], actor=None) -> None:
    """Receiver of the register's ``status_written`` signal."""
    hints = _hints(writes, source)
    refresh_households(sorted(hints), hints)
    _drop_snapshots(writes, hints)


def connect() -> None:
    """Subscribe to the register's writes (called once by ``create_app``)."""
    status_written.connect(on_status_written, weak=False)


def refresh_households(household_ids: list[int], hints: dict[int, _Hint] | None = None,
                       on: dt.date | None = None, origin: EpisodeOrigin = EpisodeOrigin.SWEEP) -> tuple[int, int]:
    """Recompute these households' standings from their members today, and open or clear their
    episodes; returns (opened, cleared)."""
    on = on or today()
    hints = hints or {}
    band = age_band()
    able = able_clause(Person.birth_date, Person.labor_capacity, Person.employment_status, on, band)
    employed = employed_clause(Person.employment_status)
    earning = sa.and_(employed, Person.monthly_income > 0)
    _n, days = promise()
    opened = cleared = 0
    now = utcnow()
    for start in range(0, len(household_ids), CHUNK):
        chunk = household_ids[start:start + CHUNK]
        rows = db.session.execute(
            sa.select(Person.household_id, sa.func.count(), sa.func.sum(_flag(able)), sa.func.sum(_flag(employed)),
                      sa.func.sum(_flag(sa.and_(able, employed))),
                      sa.func.sum(_flag(Person.employment_status == EmploymentStatus.OUT_OF_PROVINCE)),
                      sa.func.sum(_flag(Person.employment_status == EmploymentStatus.PUBLIC_WELFARE)),
                      sa.func.coalesce(sa.func.sum(sa.case((earning, Person.monthly_income), else_=0.0)), 0.0),
                      sa.func.sum(_flag(earning)))
            .where(Person.household_id.in_(chunk)).group_by(Person.household_id)).all()
        standing = {r[0]: (int(r[2]), int(r[4])) for r in rows}
        sites = dict(db.session.execute(sa.select(Household.id, Household.site_id).where(Household.id.in_(chunk))).all())
        db.session.execute(sa.delete(HouseholdStanding).where(HouseholdStanding.household_id.in_(chunk)))
        standings = [{
            "household_id": r[0], "site_id": sites[r[0]], "as_of": on, "people": int(r[1]), "able": int(r[2]),
            "employed": int(r[3]), "able_employed": int(r[4]), "out_of_province": int(r[5]),
            "public_welfare": int(r[6]), "income_total": float(r[7]), "income_people": int(r[8]),
        } for r in rows if r[0] in sites]
        if standings:
            db.session.execute(HouseholdStanding.__table__.insert(), standings)
        open_eps = {ep.household_id: ep for ep in db.session.scalars(
            sa.select(ZeroEpisode).where(ZeroEpisode.household_id.in_(chunk), ZeroEpisode.cleared_on.is_(None)))}
        new_rows = []
        for hid in chunk:
            able_n, able_employed = standing.get(hid, (0, 0))
            is_zero = bool(able_n) and not able_employed
            episode = open_eps.get(hid)
            hint = hints.get(hid)
            if is_zero and episode is None and hid in sites:
                detected = min(hint.on if hint else on, on)
                new_rows.append({
                    "household_id": hid, "site_id": sites[hid], "detected_on": detected,
                    "origin": hint.origin if hint else origin, "cause_person_id": hint.person_id if hint else None,
                    "referrals_due_on": detected + dt.timedelta(days=days), "escalation": EscalationLevel.TOWNSHIP,
                    "created_at": now, "updated_at": now,
                })
            elif episode is not None and not is_zero:
                if able_employed:
                    episode.clear_reason = ClearReason.EMPLOYED
                    episode.cleared_by_person_id = hint.employed_person_id if hint else _employed_member(hid, on)
                    day = hint.employed_on if hint and hint.employed_on else on
                else:
                    episode.clear_reason = ClearReason.NO_ABLE_MEMBERS
                    day = hint.on if hint else on
                episode.cleared_on = max(min(day, on), episode.detected_on)
                cleared += 1
            elif episode is not None and hid in sites and episode.site_id != sites[hid]:
                episode.site_id = sites[hid]  # the household moved
        if new_rows:
            db.session.execute(ZeroEpisode.__table__.insert(), new_rows)
            opened += len(new_rows)
    db.session.flush()
    return opened, cleared


def stale_households(scope: Scope, on: dt.date) -> list[int]:
    """Households of ``scope`` whose standing is missing, sits on another site, or may have changed
    since it was taken because a member turned 16 or 61 (the age band) in between; standings that
    cannot have changed are moved to ``on`` in place."""
    band = age_band()
    ids = set(db.session.scalars(
        sa.select(Household.id).outerjoin(HouseholdStanding, HouseholdStanding.household_id == Household.id)
        .where(scope.filter(Household.site_id),
               sa.or_(HouseholdStanding.as_of.is_(None), HouseholdStanding.site_id != Household.site_id))))
    old_days = list(db.session.scalars(sa.select(HouseholdStanding.as_of).distinct()
                                       .where(scope.filter(HouseholdStanding.site_id), HouseholdStanding.as_of < on)))
    for then in old_days:
        (out_then, in_then), (out_now, in_now) = band.birth_window(then), band.birth_window(on)
        crossed = sa.or_(sa.and_(Person.birth_date > out_then, Person.birth_date <= out_now),
                         sa.and_(Person.birth_date > in_then, Person.birth_date <= in_now))
        ids.update(db.session.scalars(
            sa.select(Person.household_id).join(HouseholdStanding, HouseholdStanding.household_id == Person.household_id)
            .where(scope.filter(Person.site_id), HouseholdStanding.as_of == then, crossed).distinct()))
        db.session.execute(sa.update(HouseholdStanding)
                           .where(scope.filter(HouseholdStanding.site_id), HouseholdStanding.as_of == then)
                           .values(as_of=on).execution_options(synchronize_session=False))
    return sorted(ids)


def ensure_standings(scope: Scope, on: dt.date | None = None) -> int:
    """Bring the standings of ``scope`` up to ``on`` (ages move daily); returns how many were recomputed."""
    on = on or today()
    try:
        with db.session.begin_nested():
            ids = stale_households(scope, on)
            if ids:
                refresh_households(ids, on=on)
    except sa.exc.IntegrityError:
        return 0  # another request refreshed the same standings meanwhile
    return len(ids)


def _drop_snapshots(writes: list[StatusWrite], hints: dict[int, _Hint]) -> None:
    """Forget the month-end snapshots a write may have changed (its sites, from its month on)."""
    household_ids = sorted(hints)
    site_ids: set[int] = set()
    for start in range(0, len(household_ids), CHUNK):
        site_ids.update(db.session.scalars(sa.select(Household.site_id)
                                           .where(Household.id.in_(household_ids[start:start + CHUNK]))))
    if not site_ids:
        return
    # a profile-only write (capacity, birth date) changes every month; a status change from its date on
    earliest = min((w.effective_on if w.previous is not w.status else dt.date.min) for w in writes)
    db.session.execute(sa.delete(MonthlySnapshot).where(MonthlySnapshot.site_id.in_(sorted(site_ids)),
                                                        MonthlySnapshot.month_end >= earliest))


def _employed_member(household_id: int, on: dt.date) -> int | None:
    band = age_band()
    return db.session.scalar(
        sa.select(Person.id).where(
            Person.household_id == household_id, employed_clause(Person.employment_status),
            able_clause(Person.birth_date, Person.labor_capacity, Person.employment_status, on, band))
        .order_by(Person.status_since.desc(), Person.id).limit(1))


def sweep(scope: Scope, on: dt.date | None = None) -> dict:
    """Re-check every household of ``scope`` (ages move without a write) and escalate overdue ones."""
    on = on or today()
    ids = list(db.session.scalars(sa.select(Household.id).where(scope.filter(Household.site_id)).order_by(Household.id)))
    opened, cleared = refresh_households(ids, on=on)
    escalated = escalate_overdue(scope, on)
    return {"households": len(ids), "opened": opened, "cleared": cleared, "escalated": escalated}


# --- the service promise ------------------------------------------------------------------------

def referrals_since_detection(due_only: bool = False) -> sa.ScalarSelect:
    """Correlated count of referrals of the episode household's members since detection
    (up to the promise date with ``due_only``)."""
    window = Referral.referred_on >= ZeroEpisode.detected_on
    if due_only:
        window = sa.and_(window, Referral.referred_on <= ZeroEpisode.referrals_due_on)
    return (
        sa.select(sa.func.count(Referral.id))
        .join(Person, Person.id == Referral.person_id)
        .where(Person.household_id == ZeroEpisode.household_id, window)
        .correlate(ZeroEpisode)
        .scalar_subquery()
    )


def active_clause() -> sa.ColumnElement[bool]:
    return sa.and_(ZeroEpisode.cleared_on.is_(None), ZeroEpisode.exit_state.is_(None))


def overdue_clause(on: dt.date) -> sa.ColumnElement[bool]:
    """Active, past the promise date, and fewer referrals than promised within it."""
    needed, _days = promise()
    return sa.and_(active_clause(), ZeroEpisode.referrals_due_on < on, referrals_since_detection(True) < needed)


def escalate_overdue(scope: Scope, on: dt.date | None = None, actor=None) -> int:
    """Move overdue township-level episodes of ``scope`` to county supervision; returns how many."""
    on = on or today()
    episodes = list(db.session.scalars(
        sa.select(ZeroEpisode).where(scope.filter(ZeroEpisode.site_id), overdue_clause(on),
                                     ZeroEpisode.escalation == EscalationLevel.TOWNSHIP)))
    for ep in episodes:
        ep.escalation, ep.escalated_on = EscalationLevel.COUNTY, on
    if episodes:
        audit.record("zero_escalate", "zero_episode", None, actor=actor or "系统", count=len(episodes))
    db.session.flush()
    return len(episodes)


# --- policy exits --------------------------------------------------------------------------------

def get_episode(episode_id: int, scope: Scope) -> ZeroEpisode:
    ep = db.session.scalar(sa.select(ZeroEpisode).where(ZeroEpisode.id == episode_id, scope.filter(ZeroEpisode.site_id)))
    if ep is None:
        raise NotFound("找不到该零就业记录，或不在您的管辖范围内")
    return ep


def current_episode(household_id: int) -> ZeroEpisode | None:
    """The household's open episode (active or policy-exited), if any."""
    return db.session.scalar(sa.select(ZeroEpisode).where(ZeroEpisode.household_id == household_id,
                                                          ZeroEpisode.cleared_on.is_(None)))


def record_exit(episode: ZeroEpisode, state: ExitState, evidence: str, *, actor, on: dt.date | None = None,
                county_level: bool = False) -> ZeroEpisode:
    """Take an active household off the list by a policy exit, with its evidence (checked against the data)."""
    on = on or today()
    evidence = (evidence or "").strip()
    if not episode.is_active:
        raise ValidationError("该户已不在零就业名单上，不能再办理退出")
    if len(evidence) < 10:
        raise ValidationError("请填写退出依据（不少于 10 个字）：时间、经过、证明材料", fields={"evidence": "不少于 10 个字"})
    if state is ExitState.REFUSED_THREE:
        from jobmatch.jobs.enums import ReferralOutcome

        declined = db.session.scalar(
            sa.select(sa.func.count(Referral.id)).join(Person, Person.id == Referral.person_id)
            .where(Person.household_id == episode.household_id, Referral.referred_on >= episode.detected_on,
                   Referral.outcome == ReferralOutcome.DECLINED))
        if declined < 3:
            raise ValidationError(f"“三次推荐均拒绝”需要检出后至少 3 次“本人放弃”的推荐记录，目前只有 {declined} 次")
    elif state is ExitState.LOST_CONTACT:
        days = current_app.config.get("LOST_CONTACT_DAYS", 90)
        since = on - dt.timedelta(days=days)
        reached = db.session.scalar(sa.select(sa.func.count(Visit.id)).where(
            Visit.household_id == episode.household_id, Visit.reached.is_(True), Visit.visited_on > since))
        tries = db.session.scalar(sa.select(sa.func.count(Visit.id)).where(
            Visit.household_id == episode.household_id, Visit.reached.is_(False), Visit.visited_on > since))
        if reached or not tries:
            raise ValidationError(f"“三个月失联”需要近 {days} 天内有未联系上的走访记录，且没有联系上的记录")
    elif state is ExitState.OTHER and not county_level:
        raise PermissionDenied("“其他”退出须由县级审核员办理")
    episode.exit_state, episode.exit_on, episode.exit_evidence = state, on, evidence
    episode.exit_by_id, episode.exit_at = getattr(actor, "id", None), utcnow()
    audit.record("zero_exit", "zero_episode", episode.id, actor=actor, state=state.label, evidence=evidence[:200])
    db.session.flush()
    return episode


# --- lists ----------------------------------------------------------------------------------------

LISTS = {
    "active": "在册（未清零）",
    "overdue": "推荐逾期",
    "county": "县级督办",
    "exited": "政策退出",
    "cleared": "已清零",
}


@dataclass
class EpisodeRow:
    episode: ZeroEpisode
    household_code: str
    site_name: str
    referrals: int
    has_plan: bool
    last_visit: dt.date | None

    @property
    def days_open(self) -> int:
        return ((self.episode.cleared_on or today()) - self.episode.detected_on).days


def list_episodes(scope: Scope, which: str = "active", on: dt.date | None = None, limit: int = 500) -> list[EpisodeRow]:
    """Episodes of ``scope`` for one of the LISTS, with referrals since detection, plan and last visit."""
    from jobmatch.monitoring.models import AssistancePlan
    from jobmatch.places.models import Site

    on = on or today()
    where = {
        "active": active_clause(),
        "overdue": overdue_clause(on),
        "county": sa.and_(active_clause(), ZeroEpisode.escalation == EscalationLevel.COUNTY),
        "exited": sa.and_(ZeroEpisode.exit_state.is_not(None), ZeroEpisode.cleared_on.is_(None)),
        "cleared": ZeroEpisode.cleared_on.is_not(None),
    }.get(which)
    if where is None:
        raise NotFound("没有这个名单")
    order = ZeroEpisode.cleared_on.desc() if which == "cleared" else ZeroEpisode.detected_on
    has_plan = sa.exists().where(AssistancePlan.household_id == ZeroEpisode.household_id)
    last_visit = (sa.select(sa.func.max(Visit.visited_on)).where(Visit.household_id == ZeroEpisode.household_id)
                  .correlate(ZeroEpisode).scalar_subquery())
    rows = db.session.execute(
        sa.select(ZeroEpisode, Household.code, Site.name, referrals_since_detection(), has_plan, last_visit)
        .join(Household, Household.id == ZeroEpisode.household_id).join(Site, Site.id == ZeroEpisode.site_id)
        .where(scope.filter(ZeroEpisode.site_id), where)
        .order_by(order, ZeroEpisode.id).limit(limit)
    ).all()
    return [EpisodeRow(ep, code, site, n, bool(plan), visit) for ep, code, site, n, plan, visit in rows]


def list_counts(scope: Scope, on: dt.date | None = None) -> dict[str, int]:
    """How many episodes each list holds."""
    on = on or today()
    base = scope.filter(ZeroEpisode.site_id)
    q = sa.select(
        sa.func.coalesce(sa.func.sum(_flag(active_clause())), 0),
        sa.func.coalesce(sa.func.sum(_flag(sa.and_(active_clause(), ZeroEpisode.escalation == EscalationLevel.COUNTY))), 0),
        sa.func.coalesce(sa.func.sum(_flag(sa.and_(ZeroEpisode.exit_state.is_not(None), ZeroEpisode.cleared_on.is_(None)))), 0),
        sa.func.coalesce(sa.func.sum(_flag(ZeroEpisode.cleared_on.is_not(None))), 0),
    ).where(base)
    active, county, exited, cleared = db.session.execute(q).one()
    overdue = db.session.scalar(sa.select(sa.func.count(ZeroEpisode.id)).where(base, overdue_clause(on)))
    return {"active": active, "overdue": overdue, "county": county, "exited": exited, "cleared": cleared}
