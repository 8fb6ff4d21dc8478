"""Demo monitoring data: the zero-employment list is already kept by the register writes; this
step adds assistance plans, measures, visits and status proposals so the pages are alive."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.monitoring import chain, episodes, plans
from jobmatch.monitoring.enums import MeasureKind
from jobmatch.monitoring.models import StatusProposal, ZeroEpisode
from jobmatch.people.enums import EmploymentStatus
from jobmatch.people.models import Household, Person
from jobmatch.places.services import all_sites_scope

MEASURES = [
    (MeasureKind.REFERRAL, "推荐到社区工厂缝纫岗位"),
    (MeasureKind.TRAINING, "报名家政服务员培训"),
    (MeasureKind.PUBLIC_WELFARE, "申请安置点保洁公益性岗位"),
    (MeasureKind.SUBSIDY, "办理一次性求职创业补贴"),
    (MeasureKind.SELF_EMPLOYMENT, "协助办理创业担保贷款"),
]
VISITS = ["上门了解就业意愿，愿意在县内就近务工", "电话联系，本人在家照顾老人，希望有弹性工时岗位",
          "上门无人，邻居说外出走亲戚", "陪同参加安置点招聘会，登记了两个意向岗位"]


def monitoring_step(rng: random.Random, context: dict, echo: Callable[[str], None]) -> None:
    """Plans, measures and visits for active zero-employment households of the first township; proposals."""
    on = today()
    users = {u.username: u for u in context["users"]}
    town, site_clerk, county = users.get("town"), users.get("site"), users.get("county")
    scope = all_sites_scope()
    active = list(db.session.scalars(
        sa.select(ZeroEpisode).where(episodes.active_clause()).order_by(ZeroEpisode.id)))
    planned = [ep for ep in active if town is not None and _covers(town, ep.site_id)][:40]
    for ep in planned:
        household = db.session.get(Household, ep.household_id)
        plan = plans.ensure_plan(household, actor=town, summary="家庭劳动力均未就业，优先推荐就近岗位，同步安排技能培训。")
        for kind, text in rng.sample(MEASURES, 2):
            responsible = site_clerk if site_clerk is not None and _covers(site_clerk, ep.site_id) and rng.random() < 0.5 \
                else town
            due = on + dt.timedelta(days=rng.randrange(-20, 40))
            measure = plans.add_measure(plan, kind=kind, description=text, responsible_id=responsible.id, due_on=due,
                                        actor=town)
            if due < on and rng.random() < 0.5:
                plans.complete_measure(measure, done_on=due, note="已办理", actor=responsible)
        for _ in range(rng.randrange(1, 3)):
            note = rng.choice(VISITS)
            plans.add_visit(household, visited_on=max(ep.detected_on, on - dt.timedelta(days=rng.randrange(0, 60))),
                            reached="无人" not in note, note=note, actor=town)
    _proposals(rng, context, site_clerk, town, county)
    result = episodes.sweep(scope)
    count = db.session.scalar(sa.select(sa.func.count(StatusProposal.id)))
    echo(f"零就业家庭在册 {len(active)} 户，已制定一户一策 {len(planned)} 户；状态变更申请 {count} 条；"
         f"转县级督办 {result['escalated']} 户")


def _covers(user, site_id: int) -> bool:
    from jobmatch.accounts.services import user_scope

    return user_scope(user).allows(site_id)


def _proposals(rng, context, site_clerk, town, county) -> None:
    if site_clerk is None or town is None or county is None or site_clerk.site_id is None:
        return
    people = list(db.session.scalars(sa.select(Person).where(Person.site_id == site_clerk.site_id)
                                     .order_by(Person.id).limit(400)))
    workers = [p for p in people if p.employment_status.is_employed]
    idle = [p for p in people if p.employment_status is EmploymentStatus.UNEMPLOYED and p.birth_date.year > 1970]
    on = today()
    picks = [(p, EmploymentStatus.UNEMPLOYED) for p in rng.sample(workers, min(4, len(workers)))]
    picks += [(p, EmploymentStatus.LOCAL) for p in rng.sample(idle, min(5, len(idle)))]
    for k, (person, status) in enumerate(picks):
        discovered = on - dt.timedelta(days=rng.randrange(1, 20))
        proposal = chain.propose(person, status, discovered, discovered_on=discovered, actor=site_clerk,
                                 workplace="城关社区工厂" if status.is_employed else None,
                                 note="返乡，暂未找到工作" if status is EmploymentStatus.UNEMPLOYED else "入职社区工厂")
        if k % 3 == 0:
            continue  # waits for the township
        chain.confirm(proposal, actor=town)
        if k % 3 == 1 and proposal.state.name == "PENDING_COUNTY":
            chain.approve(proposal, actor=county)

