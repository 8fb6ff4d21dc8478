"""一户一策: assistance plans with measures, and the visit log; each user's queue of measures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.accounts.models import Role, User
from jobmatch.accounts.services import user_scope
from jobmatch.database import today
from jobmatch.errors import NotFound, ValidationError
from jobmatch.extensions import db
from jobmatch.monitoring.enums import MeasureKind
from jobmatch.monitoring.models import AssistancePlan, PlanMeasure, Visit
from jobmatch.people.models import Household
from jobmatch.places.models import Site
from jobmatch.places.services import Scope

STAFF = (Role.SITE_CLERK, Role.TOWNSHIP_CLERK, Role.COUNTY_REVIEWER, Role.CITY_ADMIN)


def plan_of(household_id: int) -> AssistancePlan | None:
    return db.session.scalar(sa.select(AssistancePlan).where(AssistancePlan.household_id == household_id))


def ensure_plan(household: Household, *, actor, summary: str | None = None) -> AssistancePlan:
    """The household's plan, created on first use; ``summary`` replaces the text when given."""
    plan = plan_of(household.id)
    if plan is None:
        plan = AssistancePlan(household_id=household.id, site_id=household.site_id, created_by_id=getattr(actor, "id", None))
        db.session.add(plan)
        audit.record("plan_create", "household", household.id, actor=actor)
    if summary is not None:
        plan.summary = summary.strip()[:2000] or None
    db.session.flush()
    return plan


def responsible_choices(site_id: int) -> list[User]:
    """Active staff whose region covers the site (who may be made responsible for a measure)."""
    users = db.session.scalars(sa.select(User).where(User.is_active.is_(True), User.role.in_(STAFF))
                               .order_by(User.role, User.username)).all()
    return [u for u in users if user_scope(u).allows(site_id)]


def add_measure(plan: AssistancePlan, *, kind: MeasureKind | None, description: str, responsible_id: int | None,
                due_on: dt.date | None, actor) -> PlanMeasure:
    """Add a measure with a responsible person and a deadline."""
    errors = {}
    description = (description or "").strip()
    if kind is None:
        errors["kind"] = "请选择帮扶措施类型"
    if not description:
        errors["description"] = "请填写措施内容"
    if due_on is None:
        errors["due_on"] = "请填写完成期限"
    if responsible_id is not None and responsible_id not in {u.id for u in responsible_choices(plan.site_id)}:
        errors["responsible_id"] = "责任人须是管辖该安置点的工作人员"
    if errors:
        raise ValidationError(next(iter(errors.values())), fields=errors)
    measure = PlanMeasure(plan=plan, kind=kind, description=description[:300], responsible_id=responsible_id, due_on=due_on)
    db.session.add(measure)
    db.session.flush()
    audit.record("plan_measure", "household", plan.household_id, actor=actor, kind=kind.label, due_on=due_on)
    return measure


def complete_measure(measure: PlanMeasure, *, done_on: dt.date | None, note: str | None, actor) -> PlanMeasure:
    done_on = done_on or today()
    if done_on > today():
        raise ValidationError("完成日期不能晚于今天")
    if measure.done_on is not None:
        raise ValidationError("该措施已办结")
    measure.done_on, measure.done_note = done_on, (note or "").strip()[:300] or None
    audit.record("plan_measure_done", "household", measure.plan.household_id, actor=actor, measure=measure.id)
    db.session.flush()
    return measure


def get_measure(measure_id: int, scope: Scope) -> PlanMeasure:
    measure = db.session.scalar(sa.select(PlanMeasure).join(AssistancePlan)
                                .where(PlanMeasure.id == measure_id, scope.filter(AssistancePlan.site_id)))
    if measure is None:
        raise NotFound("找不到该帮扶措施，或不在您的管辖范围内")
    return measure


def add_visit(household: Household, *, visited_on: dt.date | None, reached: bool, note: str, actor) -> Visit:
    """Log a visit (or call) to a household."""
    note = (note or "").strip()
    if visited_on is None:
        raise ValidationError("请填写走访日期", fields={"visited_on": "请填写走访日期"})
    if visited_on > today():
        raise ValidationError("走访日期不能晚于今天", fields={"visited_on": "走访日期不能晚于今天"})
    if not note:
        raise ValidationError("请填写走访情况", fields={"note": "请填写走访情况"})
    visit = Visit(household_id=household.id, site_id=household.site_id, visited_on=visited_on, reached=reached,
                  note=note[:2000], visitor_id=getattr(actor, "id", None))
    db.session.add(visit)
    db.session.flush()
    audit.record("visit", "household", household.id, actor=actor, visited_on=visited_on, reached=reached)
    return visit


def visits_of(household_id: int, limit: int = 100) -> list[Visit]:
    return list(db.session.scalars(sa.select(Visit).where(Visit.household_id == household_id)
                                   .order_by(Visit.visited_on.desc(), Visit.id.desc()).limit(limit)))


@dataclass
class QueueRow:
    measure: PlanMeasure
    household_id: int
    household_code: str
    site_name: str

    @property
    def is_overdue(self) -> bool:
        return self.measure.due_on < today()


def my_queue(user: User, scope: Scope, include_done: bool = False) -> list[QueueRow]:
    """Measures the user is responsible for (open ones, soonest deadline first), inside their scope."""
    stmt = (sa.select(PlanMeasure, Household.id, Household.code, Site.name)
            .join(AssistancePlan, AssistancePlan.id == PlanMeasure.plan_id)
            .join(Household, Household.id == AssistancePlan.household_id).join(Site, Site.id == AssistancePlan.site_id)
            .where(PlanMeasure.responsible_id == user.id, scope.filter(AssistancePlan.site_id)))
    if not include_done:
        stmt = stmt.where(PlanMeasure.done_on.is_(None))
    rows = db.session.execute(stmt.order_by(PlanMeasure.due_on, PlanMeasure.id)).all()
    return [QueueRow(m, hid, code, site) for m, hid, code, site in rows]


def overdue_measures(scope: Scope, on: dt.date | None = None) -> int:
    on = on or today()
    return db.session.scalar(sa.select(sa.func.count(PlanMeasure.id)).join(AssistancePlan)
                             .where(scope.filter(AssistancePlan.site_id), PlanMeasure.done_on.is_(None),
                                    PlanMeasure.due_on < on)) or 0
