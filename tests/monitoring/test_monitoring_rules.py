"""Zero-employment episodes follow the register: each rule proved with hand-built households."""

from __future__ import annotations

import datetime as dt

import pytest

from jobmatch.database import today
from jobmatch.errors import ValidationError
from jobmatch.extensions import db
from jobmatch.monitoring import episodes
from jobmatch.monitoring.enums import ClearReason, EpisodeOrigin, EscalationLevel, ExitState
from jobmatch.people import services as people
from jobmatch.people.enums import EmploymentStatus, Relation, StatusSource
from jobmatch.places.services import all_sites_scope
from tests.factories import make_site
from tests.monitoring.helpers import episodes_of, frozen_today, household

U, L, OUT = EmploymentStatus.UNEMPLOYED, EmploymentStatus.LOCAL, EmploymentStatus.OUT_OF_PROVINCE


@pytest.fixture
def site(app):
    return make_site()


def test_imported_zero_employment_household_appears_with_its_origin(site):
    worker, _elder = household("HH100001", U)
    eps = episodes_of(worker.household_id)
    assert len(eps) == 1 and eps[0].is_active
    assert eps[0].origin is EpisodeOrigin.IMPORT and eps[0].detected_on == today()
    assert eps[0].referrals_due_on == today() + dt.timedelta(days=30)


def test_household_with_a_worker_or_without_able_members_is_not_listed(site):
    working, _u, _e = household("HH100002", L, U)
    elders_only = household("HH100003", elders=2)
    assert episodes_of(working.household_id) == []
    assert episodes_of(elders_only[0].household_id) == []


def test_only_worker_returning_home_puts_the_household_on_the_list(site):
    back = today() - dt.timedelta(days=3)
    worker, _ = household("HH100004", OUT, effective_on=today() - dt.timedelta(days=200))
    assert episodes_of(worker.household_id) == []
    people.record_status(worker, U, back, source=StatusSource.EDIT)
    db.session.commit()
    [ep] = episodes_of(worker.household_id)
    assert ep.origin is EpisodeOrigin.RETURNED_HOME and ep.detected_on == back
    assert ep.cause_person_id == worker.id and ep.is_active


def test_other_status_change_is_recorded_as_such(site):
    a, b, _ = household("HH100005", L, EmploymentStatus.STUDENT, effective_on=today() - dt.timedelta(days=100))
    people.record_status(a, EmploymentStatus.OTHER, today(), source=StatusSource.EDIT)
    db.session.commit()
    [ep] = episodes_of(a.household_id)
    assert ep.origin is EpisodeOrigin.STATUS_CHANGE


def test_member_hired_takes_the_household_off_with_the_date(site):
    worker, _ = household("HH100006", U, effective_on=today() - dt.timedelta(days=60))
    hired_on = today() - dt.timedelta(days=2)
    people.record_status(worker, L, hired_on, source=StatusSource.PLACEMENT, workplace="社区工厂")
    db.session.commit()
    [ep] = episodes_of(worker.household_id)
    assert not ep.is_active
    assert ep.cleared_on == hired_on and ep.clear_reason is ClearReason.EMPLOYED
    assert ep.cleared_by_person_id == worker.id
    # back home again: a new episode, the old one stays as history
    people.record_status(worker, U, today(), source=StatusSource.EDIT)
    db.session.commit()
    old, new = episodes_of(worker.household_id)
    assert old.cleared_on == hired_on and new.is_active and new.origin is EpisodeOrigin.RETURNED_HOME


def test_bulk_placement_changes_update_the_list(site):
    w1, _ = household("HH100007", U, effective_on=today() - dt.timedelta(days=60))
    w2, _ = household("HH100008", L, effective_on=today() - dt.timedelta(days=60))
    people.record_dated_changes([
        people.DatedChange(w1.id, L, today() - dt.timedelta(days=1), workplace="工厂"),
        people.DatedChange(w2.id, U, today()),
    ], source=StatusSource.PLACEMENT)
    db.session.commit()
    assert episodes_of(w1.household_id)[0].cleared_on == today() - dt.timedelta(days=1)
    assert episodes_of(w2.household_id)[0].origin is EpisodeOrigin.RETURNED_HOME


def test_new_member_joining_by_import_is_named(site):
    from tests.factories import make_people, person_fields

    [elder] = household("HH100009", elders=1)
    assert episodes_of(elder.household_id) == []
    make_people(person_fields(household_code="HH100009", name="新成员", relation=Relation.CHILD,
                              birth_date=dt.date(1999, 5, 5)))
    [ep] = episodes_of(elder.household_id)
    assert ep.origin is EpisodeOrigin.NEW_MEMBER


def test_sweep_catches_ageing_and_escalates_after_thirty_days_with_a_frozen_clock(site):
    worker, _ = household("HH100010", U)
    [ep] = episodes_of(worker.household_id)
    scope = all_sites_scope()
    with frozen_today(today() + dt.timedelta(days=30)):
        assert episodes.sweep(scope)["escalated"] == 0  # the promise runs to day 30 inclusive
    with frozen_today(today() + dt.timedelta(days=31)):
        result = episodes.sweep(scope)
        db.session.commit()
        assert result["escalated"] == 1
        assert [r.episode.id for r in episodes.list_episodes(scope, "county")] == [ep.id]
    [ep] = episodes_of(worker.household_id)
    assert ep.escalation is EscalationLevel.COUNTY and ep.escalated_on == today() + dt.timedelta(days=31)


def test_three_referrals_in_time_keep_the_household_at_township_level(site):
    worker, _ = household("HH100011", U)
    _three_referrals(worker)
    with frozen_today(today() + dt.timedelta(days=45)):
        assert episodes.sweep(all_sites_scope())["escalated"] == 0
    assert episodes_of(worker.household_id)[0].escalation is EscalationLevel.TOWNSHIP


def _three_referrals(person, outcome=None):
    from jobmatch.jobs.enums import ReferralOutcome
    from jobmatch.jobs.models import Referral
    from tests.jobs.helpers import make_posting

    for i in range(3):
        posting = make_posting(title=f"岗位{i}")
        db.session.add(Referral(person_id=person.id, posting_id=posting.id, referred_on=today(),
                                outcome=outcome or ReferralOutcome.REFERRED))
    db.session.commit()


def test_policy_exit_needs_evidence_and_the_data_behind_it(site, app):
    from jobmatch.jobs.enums import ReferralOutcome
    from tests.factories import make_user

    clerk = make_user("township_clerk")
    worker, _ = household("HH100012", U)
    [ep] = episodes_of(worker.household_id)
    with pytest.raises(ValidationError):
        episodes.record_exit(ep, ExitState.REFUSED_THREE, "本人三次拒绝推荐的岗位，已签字确认。", actor=clerk)
    with pytest.raises(ValidationError):
        episodes.record_exit(ep, ExitState.REFUSED_THREE, "太短", actor=clerk)
    _three_referrals(worker, ReferralOutcome.DECLINED)
    episodes.record_exit(ep, ExitState.REFUSED_THREE, "本人三次拒绝推荐的岗位，已签字确认。", actor=clerk)
    db.session.commit()
    [ep] = episodes_of(worker.household_id)
    assert not ep.is_active and ep.exit_state is ExitState.REFUSED_THREE
    assert ep.exit_by_id == clerk.id and ep.exit_at is not None and "签字" in ep.exit_evidence
    scope = all_sites_scope()
    assert [r.episode.id for r in episodes.list_episodes(scope, "exited")] == [ep.id]
    assert episodes.list_episodes(scope, "active") == []
    # the data still says zero-employment: the exit is not undone by the next write or sweep
    episodes.sweep(scope)
    assert len(episodes_of(worker.household_id)) == 1
    # employment later closes the exited episode too
    people.record_status(worker, L, today(), source=StatusSource.EDIT, workplace="工厂")
    db.session.commit()
    [ep] = episodes_of(worker.household_id)
    assert ep.cleared_on == today() and ep.exit_state is ExitState.REFUSED_THREE


def test_lost_contact_exit_needs_unanswered_visits(site):
    from jobmatch.monitoring import plans
    from tests.factories import make_user

    clerk = make_user("township_clerk")
    worker, _ = household("HH100013", U)
    [ep] = episodes_of(worker.household_id)
    with pytest.raises(ValidationError):
        episodes.record_exit(ep, ExitState.LOST_CONTACT, "电话停机，上门三次无人应答。", actor=clerk)
    plans.add_visit(worker.household, visited_on=today(), reached=False, note="上门无人", actor=clerk)
    episodes.record_exit(ep, ExitState.LOST_CONTACT, "电话停机，上门三次无人应答。", actor=clerk)
    assert ep.exit_state is ExitState.LOST_CONTACT


def test_promise_is_configurable(site, app):
    app.config["ZERO_EMPLOYMENT_REFERRAL_DAYS"] = 10
    worker, _ = household("HH100014", U)
    assert episodes_of(worker.household_id)[0].referrals_due_on == today() + dt.timedelta(days=10)


def test_a_member_turning_sixteen_is_caught_when_figures_are_read(site):
    from jobmatch.monitoring import indicators as ind
    from tests.factories import make_people, person_fields

    born = today().replace(year=today().year - 16) + dt.timedelta(days=1)
    [elder] = household("HH100015", elders=1)
    make_people(person_fields(household_code="HH100015", name="小王", relation=Relation.GRANDCHILD, birth_date=born))
    scope = all_sites_scope()
    assert ind.total(ind.figures_by_site(scope)).zero_employment_households == 0
    assert episodes_of(elder.household_id) == []
    with frozen_today(today() + dt.timedelta(days=1)):
        figures = ind.total(ind.figures_by_site(scope))
        assert (figures.able_workers, figures.zero_employment_households) == (1, 1)
    [ep] = episodes_of(elder.household_id)
    assert ep.origin is EpisodeOrigin.SWEEP and ep.detected_on == today() + dt.timedelta(days=1)


def test_month_end_snapshots_follow_back_dated_changes(site):
    from jobmatch.monitoring import indicators as ind
    from jobmatch.monitoring.models import MonthlySnapshot

    worker, _ = household("HH100016", U, effective_on=today() - dt.timedelta(days=120))
    scope = all_sites_scope()
    last_end = today().replace(day=1) - dt.timedelta(days=1)
    before = {m["month"]: m for m in ind.monthly_trend(scope, 3)}
    assert before[f"{last_end:%Y-%m}"]["zero_employment_households"] == 1
    assert db.session.query(MonthlySnapshot).count() == 2
    people.record_status(worker, L, last_end - dt.timedelta(days=3), source=StatusSource.EDIT, workplace="工厂")
    db.session.commit()
    after = {m["month"]: m for m in ind.monthly_trend(scope, 3)}
    assert after[f"{last_end:%Y-%m}"]["zero_employment_households"] == 0
    assert after[f"{last_end:%Y-%m}"]["one_per_household_coverage"] == 1.0
