"""The four-level chain (信息采集 → 镇级录入确认 → 县级审核 → 市级管理) for status changes.

A site clerk proposes a change, a township clerk confirms it, and a county reviewer approves
the changes that need review: those moving a person into or out of employment (they decide
一户一人 and the zero-employment list). Other changes (e.g. 县内务工 → 省外务工, 未就业 → 在校学生)
take effect on the township's confirmation. The applied change enters the dated history through
``people.services.record_status``, which also updates the zero-employment list.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.accounts.models import Role
from jobmatch.database import today, utcnow
from jobmatch.errors import NotFound, PermissionDenied, ValidationError
from jobmatch.extensions import db
from jobmatch.monitoring.enums import ProposalState
from jobmatch.monitoring.models import AssistancePlan, PlanMeasure, StatusProposal, Visit, ZeroEpisode
from jobmatch.people import services as people
from jobmatch.people.enums import EmploymentStatus, StatusSource
from jobmatch.people.models import Person
from jobmatch.places.models import Region, Site
from jobmatch.places.services import Scope

CONFIRMERS = (Role.TOWNSHIP_CLERK, Role.COUNTY_REVIEWER, Role.CITY_ADMIN)
REVIEWERS = (Role.COUNTY_REVIEWER, Role.CITY_ADMIN)


def needs_county_review(previous: EmploymentStatus, status: EmploymentStatus) -> bool:
    """Changes into or out of employment need the county's review."""
    return previous.is_employed != status.is_employed


def propose(person: Person, status: EmploymentStatus, effective_on: dt.date | None, *, discovered_on: dt.date | None,
            actor, workplace: str | None = None, monthly_income: float | None = None,
            note: str | None = None) -> StatusProposal:
    """A site clerk's (or anyone's) proposal; it waits for the township's confirmation."""
    on = today()
    effective_on = effective_on or on
    discovered_on = discovered_on or on
    errors = {}
    if effective_on > on:
        errors["effective_on"] = "生效日期不能晚于今天"
    if discovered_on > on:
        errors["discovered_on"] = "发现日期不能晚于今天"
    if status is person.employment_status and (workplace or None) == (person.workplace or None):
        errors["status"] = "与现有状态相同，无需上报"
    pending = db.session.scalar(sa.select(StatusProposal.id).where(
        StatusProposal.person_id == person.id,
        StatusProposal.state.in_([ProposalState.PENDING_TOWNSHIP, ProposalState.PENDING_COUNTY])))
    if pending:
        errors["status"] = "该人员已有待处理的状态变更，请等待审核完成"
    if errors:
        raise ValidationError(next(iter(errors.values())), fields=errors)
    proposal = StatusProposal(
        person_id=person.id, site_id=person.site_id, previous_status=person.employment_status, status=status,
        effective_on=effective_on, workplace=(workplace or "").strip()[:120] or None, monthly_income=monthly_income,
        note=(note or "").strip()[:300] or None, discovered_on=discovered_on, state=ProposalState.PENDING_TOWNSHIP,
        needs_county_review=needs_county_review(person.employment_status, status),
        proposed_by_id=getattr(actor, "id", None), proposed_at=utcnow(),
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record("proposal", "person", person.id, actor=actor, status=status.label, proposal=proposal.id)
    return proposal


def get_proposal(proposal_id: int, scope: Scope) -> StatusProposal:
    p = db.session.scalar(sa.select(StatusProposal).where(StatusProposal.id == proposal_id,
                                                          scope.filter(StatusProposal.site_id)))
    if p is None:
        raise NotFound("找不到该变更申请，或不在您的管辖范围内")
    return p


def confirm(proposal: StatusProposal, *, actor) -> StatusProposal:
    """Township confirmation: applies the change, or passes it to the county when it needs review."""
    if getattr(actor, "role", None) not in CONFIRMERS:
        raise PermissionDenied("只有镇级录入员或上级可以确认")
    if proposal.state is not ProposalState.PENDING_TOWNSHIP:
        raise ValidationError(f"该申请当前为“{proposal.state.label}”，不能确认")
    proposal.confirmed_by_id, proposal.confirmed_at = actor.id, utcnow()
    audit.record("proposal_confirm", "person", proposal.person_id, actor=actor, proposal=proposal.id)
    if proposal.needs_county_review:
        proposal.state = ProposalState.PENDING_COUNTY
        db.session.flush()
        return proposal
    return _apply(proposal, actor)


def approve(proposal: StatusProposal, *, actor) -> StatusProposal:
    """County review: the change enters the dated history."""
    if getattr(actor, "role", None) not in REVIEWERS:
        raise PermissionDenied("只有县级审核员可以审核")
    if proposal.state is not ProposalState.PENDING_COUNTY:
        raise ValidationError(f"该申请当前为“{proposal.state.label}”，不能审核")
    proposal.reviewed_by_id, proposal.reviewed_at = actor.id, utcnow()
    audit.record("proposal_approve", "person", proposal.person_id, actor=actor, proposal=proposal.id)
    return _apply(proposal, actor)


def reject(proposal: StatusProposal, reason: str, *, actor) -> StatusProposal:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写退回原因", fields={"reason": "必填"})
    allowed = {ProposalState.PENDING_TOWNSHIP: CONFIRMERS, ProposalState.PENDING_COUNTY: REVIEWERS}.get(proposal.state)
    if allowed is None:
        raise ValidationError("该申请已处理完毕")
    if getattr(actor, "role", None) not in allowed:
        raise PermissionDenied("您不能退回这一步的申请")
    proposal.state, proposal.rejected_reason = ProposalState.REJECTED, reason[:300]
    if proposal.confirmed_at is None:
        proposal.confirmed_by_id, proposal.confirmed_at = actor.id, utcnow()
    else:
        proposal.reviewed_by_id, proposal.reviewed_at = actor.id, utcnow()
    audit.record("proposal_reject", "person", proposal.person_id, actor=actor, proposal=proposal.id, reason=reason[:100])
    db.session.flush()
    return proposal


def _apply(proposal: StatusProposal, actor) -> StatusProposal:
    person = db.session.get(Person, proposal.person_id)
    people.record_status(person, proposal.status, proposal.effective_on, source=StatusSource.EDIT, actor=actor,
                         workplace=proposal.workplace, monthly_income=proposal.monthly_income,
                         note=f"四级联动审核通过（申请 {proposal.id}）{('：' + proposal.note) if proposal.note else ''}"[:200])
    proposal.state, proposal.applied_at = ProposalState.APPLIED, utcnow()
    db.session.flush()
    return proposal


def list_proposals(scope: Scope, states: list[ProposalState] | None = None, limit: int = 300) -> list[StatusProposal]:
    stmt = sa.select(StatusProposal).where(scope.filter(StatusProposal.site_id))
    if states:
        stmt = stmt.where(StatusProposal.state.in_(states))
    return list(db.session.scalars(stmt.order_by(StatusProposal.proposed_at.desc(), StatusProposal.id.desc())
                                   .limit(limit).options(sa.orm.joinedload(StatusProposal.person))))


# --- timeliness ----------------------------------------------------------------------------------

@dataclass
class Timeliness:
    name: str
    proposals: int = 0
    discover_to_entry: float | None = None  # days from discovery to the township's entry (confirmation)
    entry_to_applied: float | None = None  # days from entry to the change taking effect
    episodes: int = 0
    detect_to_help: float | None = None  # days from detection to the first help
    without_help: int = 0


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def timeliness_by_township(scope: Scope, since: dt.date | None = None) -> list[Timeliness]:
    """Median days discovery → entry → effect (proposals) and detection → first help (episodes) per township.

    First help is the earliest of: a referral of a member, a visit that reached the household, a plan
    measure done — on or after detection. Few rows (proposals and episodes), so medians are taken in Python.
    """
    since = since or (today() - dt.timedelta(days=365))
    names = dict(db.session.execute(sa.select(Site.id, Region.name).join(Region, Region.id == Site.township_id)
                                    .where(scope.filter(Site.id))).all())
    rows: dict[str, Timeliness] = {n: Timeliness(n) for n in sorted(set(names.values()))}
    entry: dict[str, list[float]] = {}
    applied: dict[str, list[float]] = {}
    for site_id, discovered, confirmed, done in db.session.execute(
        sa.select(StatusProposal.site_id, StatusProposal.discovered_on, StatusProposal.confirmed_at,
                  StatusProposal.applied_at)
        .where(scope.filter(StatusProposal.site_id), StatusProposal.discovered_on >= since)
    ):
        name = names.get(site_id)
        if name is None:
            continue
        rows[name].proposals += 1
        if confirmed is not None:
            entry.setdefault(name, []).append(max((confirmed.date() - discovered).days, 0))
            if done is not None:
                applied.setdefault(name, []).append(round((done - confirmed).total_seconds() / 86400, 1))
    from jobmatch.jobs.models import Referral

    first_referral = (sa.select(sa.func.min(Referral.referred_on)).join(Person, Person.id == Referral.person_id)
                      .where(Person.household_id == ZeroEpisode.household_id, Referral.referred_on >= ZeroEpisode.detected_on)
                      .correlate(ZeroEpisode).scalar_subquery())
    first_visit = (sa.select(sa.func.min(Visit.visited_on))
                   .where(Visit.household_id == ZeroEpisode.household_id, Visit.reached.is_(True),
                          Visit.visited_on >= ZeroEpisode.detected_on).correlate(ZeroEpisode).scalar_subquery())
    first_measure = (sa.select(sa.func.min(PlanMeasure.done_on)).join(AssistancePlan)
                     .where(AssistancePlan.household_id == ZeroEpisode.household_id,
                            PlanMeasure.done_on >= ZeroEpisode.detected_on).correlate(ZeroEpisode).scalar_subquery())
    helps: dict[str, list[float]] = {}
    for site_id, detected, a, b, c in db.session.execute(
        sa.select(ZeroEpisode.site_id, ZeroEpisode.detected_on, first_referral, first_visit, first_measure)
        .where(scope.filter(ZeroEpisode.site_id), ZeroEpisode.detected_on >= since)
    ):
        name = names.get(site_id)
        if name is None:
            continue
        rows[name].episodes += 1
        firsts = [d for d in (a, b, c) if d is not None]
        if firsts:
            helps.setdefault(name, []).append((min(firsts) - detected).days)
        else:
            rows[name].without_help += 1
    for name, row in rows.items():
        row.discover_to_entry = _median(entry.get(name, []))
        row.entry_to_applied = _median(applied.get(name, []))
        row.detect_to_help = _median(helps.get(name, []))
    return list(rows.values())
