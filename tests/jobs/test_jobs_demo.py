"""The site-scale demo: job data that keeps every rule the system enforces."""

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from jobmatch.accounts.models import Role, User
from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs.enums import Channel, PostingStatus, ReferralOutcome
from jobmatch.jobs.models import DepartureBatch, Employer, Posting, Referral, SubsidyEntry
from jobmatch.people.enums import EmploymentStatus, StatusSource
from jobmatch.people.models import Person, StatusEvent


def test_site_demo_jobs_keep_the_rules(app, runner):
    result = runner.invoke(args=["demo-data", "--scale", "site"])
    assert result.exit_code == 0, result.output
    assert "已生成推荐记录" in result.output
    count = lambda model, *w: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*w))  # noqa: E731
    assert count(Employer) > 10 and count(Posting, Posting.status == PostingStatus.OPEN) >= 30
    assert {c for (c,) in db.session.execute(sa.select(Posting.channel).distinct())} == set(Channel)
    assert count(Referral) > 500 and count(DepartureBatch) >= 1 and count(SubsidyEntry) > 0
    assert count(User, User.role == Role.BROKER) == 5
    referrals = db.session.scalars(sa.select(Referral).options(sa.orm.joinedload(Referral.posting),
                                                               sa.orm.joinedload(Referral.person))).all()
    hires, spans = defaultdict(int), defaultdict(list)
    for r in referrals:
        assert r.referred_on <= today()
        if r.started_on:
            hires[r.posting_id] += 1
            spans[r.person_id].append((r.started_on, r.ended_on or dt.date.max))
            assert r.referred_on <= r.started_on <= today()
            assert r.outcome is (ReferralOutcome.LEFT if r.ended_on else ReferralOutcome.HIRED)
        if r.referred_by_id is not None:  # brokers only refer people who consented before
            assert r.person.broker_consent_on is not None and r.person.broker_consent_on <= r.referred_on
    assert all(hires[p.id] <= p.headcount for p in db.session.scalars(sa.select(Posting)))
    for person_spans in spans.values():
        person_spans.sort()
        assert all(a[1] < b[0] for a, b in zip(person_spans, person_spans[1:], strict=False)), person_spans
    outcomes = {o for (o,) in db.session.execute(sa.select(Referral.outcome).distinct())}
    assert {ReferralOutcome.HIRED, ReferralOutcome.LEFT, ReferralOutcome.REJECTED, ReferralOutcome.DECLINED} <= outcomes
    # hires and exits are in the dated status history
    assert count(StatusEvent, StatusEvent.source == StatusSource.PLACEMENT) > 100
    active = db.session.scalars(sa.select(Referral).where(Referral.started_on.is_not(None), Referral.ended_on.is_(None))
                                .limit(20)).all()
    assert all(db.session.get(Person, r.person_id).employment_status is not EmploymentStatus.UNEMPLOYED
               for r in active)
