"""Subsidy arithmetic (month boundaries, a worker who leaves after 4 months), the ledger, rules and export."""

import datetime as dt
import io
import json

import openpyxl
import pytest
import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent
from jobmatch.database import today
from jobmatch.errors import ValidationError
from jobmatch.extensions import db
from jobmatch.jobs import services as jobs
from jobmatch.jobs import subsidies
from jobmatch.jobs.enums import ReferralOutcome, SubsidyKind
from jobmatch.jobs.models import Referral, SubsidyEntry, SubsidyRun
from jobmatch.people.enums import WorkPreference
from jobmatch.people.services import reveal_id
from jobmatch.places.services import find_county
from tests.factories import make_people, make_site, person_fields
from tests.jobs.helpers import make_posting

D = dt.date


def months(start, end, through, max_months=6, min_days=15):
    return [f"{m:%Y-%m}" for m in subsidies.retention_months(start, end, through, max_months=max_months,
                                                             min_days=min_days)]


@pytest.mark.parametrize("start,end,through,expected", [
    # a whole first month counts; six months at most
    (D(2025, 1, 1), None, D(2025, 12, 31), ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]),
    # leaves after 4 months: January to April, nothing for May
    (D(2025, 1, 1), D(2025, 4, 30), D(2025, 12, 31), ["2025-01", "2025-02", "2025-03", "2025-04"]),
    # starts on the 17th: 15 days of January count, the 18th would not
    (D(2025, 1, 17), None, D(2025, 3, 31), ["2025-01", "2025-02", "2025-03"]),
    (D(2025, 1, 18), None, D(2025, 3, 31), ["2025-02", "2025-03"]),
    # leaves on the 14th of May after starting on the 5th of January: 4 months (May has only 14 days)
    (D(2025, 1, 5), D(2025, 5, 14), D(2025, 12, 31), ["2025-01", "2025-02", "2025-03", "2025-04"]),
    (D(2025, 1, 5), D(2025, 5, 15), D(2025, 12, 31), ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]),
    # February: 14 of 28 days is not enough, 15 is
    (D(2025, 2, 15), None, D(2025, 2, 28), []),
    (D(2025, 2, 14), None, D(2025, 2, 28), ["2025-02"]),
    # a month is paid only once it has ended
    (D(2025, 1, 1), None, D(2025, 3, 30), ["2025-01", "2025-02"]),
    # across a year end
    (D(2025, 11, 16), None, D(2026, 6, 30), ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]),
    # left the same month
    (D(2025, 3, 1), D(2025, 3, 10), D(2025, 12, 31), []),
])
def test_retention_months(start, end, through, expected):
    assert months(start, end, through) == expected


def test_retention_months_follow_the_county_rules():
    assert months(D(2025, 1, 1), None, D(2025, 12, 31), max_months=3) == ["2025-01", "2025-02", "2025-03"]
    assert months(D(2025, 1, 25), None, D(2025, 2, 28), min_days=5) == ["2025-01", "2025-02"]


@pytest.mark.parametrize("start,end,through,due", [
    (D(2025, 1, 31), None, D(2025, 12, 31), D(2025, 7, 31)),
    (D(2025, 8, 31), None, D(2026, 3, 31), D(2026, 2, 28)),  # no 31 February
    (D(2025, 1, 10), D(2025, 7, 9), D(2025, 12, 31), None),  # left a day early
    (D(2025, 1, 10), D(2025, 7, 10), D(2025, 12, 31), D(2025, 7, 10)),
    (D(2025, 1, 10), None, D(2025, 7, 9), None),  # not yet
])
def test_hiring_subsidy_due_day(start, end, through, due):
    assert subsidies.hiring_due(start, end, through, min_months=6) == due


@pytest.fixture
def placements(app):
    """Out-of-province and local placements with known dates, relative to today."""
    make_site()
    first = (today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # first day of last month

    def months_ago(n: int, day: int = 1) -> dt.date:
        year, month = first.year, first.month - n
        while month < 1:
            year, month = year - 1, month + 12
        return D(year, month, day)

    a, b, c = make_people(
        person_fields(name="甲外出", work_preference=WorkPreference.ANY),
        person_fields(name="乙外出", household_code="HH900002", work_preference=WorkPreference.ANY),
        person_fields(name="丙本地", household_code="HH900003", work_preference=WorkPreference.ANY),
        effective_on=today() - dt.timedelta(days=800),
    )
    out = make_posting(employer="江苏劳务协作站", channel="劳务输出", title="电子厂普工", province="江苏", site="",
                       workplace="江苏昆山", headcount="5")
    local = make_posting(headcount="5")
    stay = jobs.refer(a, out, on=months_ago(9))
    jobs.record_outcome(stay, ReferralOutcome.HIRED, started_on=months_ago(8))          # still there: 6 months
    gone = jobs.refer(b, out, on=months_ago(9))
    jobs.record_outcome(gone, ReferralOutcome.HIRED, started_on=months_ago(8))
    jobs.record_outcome(gone, ReferralOutcome.LEFT, ended_on=months_ago(4) - dt.timedelta(days=1))  # 4 months
    factory = jobs.refer(c, local, on=months_ago(9))
    jobs.record_outcome(factory, ReferralOutcome.HIRED, started_on=months_ago(8, 10))    # local: hiring subsidy only
    db.session.commit()
    return {"stay": stay, "gone": gone, "factory": factory, "county": find_county("平利县"), "months_ago": months_ago}


def ledger_amounts(county_id):
    rows = db.session.execute(sa.select(SubsidyEntry.kind, SubsidyEntry.referral_id, sa.func.count(),
                                        sa.func.sum(SubsidyEntry.amount))
                              .where(SubsidyEntry.county_id == county_id, SubsidyEntry.voided_run_id.is_(None))
                              .group_by(SubsidyEntry.kind, SubsidyEntry.referral_id)).all()
    return {(k, rid): (n, amount) for k, rid, n, amount in rows}


def test_ledger_from_placements_and_idempotent_recompute(placements):
    county = placements["county"]
    run = subsidies.recompute(county.id)
    db.session.commit()
    stay, gone, factory = placements["stay"].id, placements["gone"].id, placements["factory"].id
    amounts = ledger_amounts(county.id)
    assert amounts[(SubsidyKind.RETENTION, stay)] == (6, 1200.0)
    assert amounts[(SubsidyKind.RETENTION, gone)] == (4, 800.0)
    assert amounts[(SubsidyKind.HIRING, factory)] == (1, 1000.0)
    # labor export is not a hiring-subsidy channel by default
    assert (SubsidyKind.HIRING, stay) not in amounts and (SubsidyKind.HIRING, gone) not in amounts
    assert (run.added, run.voided, run.total_amount) == (11, 0, 3000.0)
    again = subsidies.recompute(county.id)
    db.session.commit()
    assert (again.added, again.voided, again.unchanged, again.total_amount) == (0, 0, 11, 3000.0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubsidyEntry)) == 11
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "subsidy_recompute")).all()
    assert len(actions) == 2


def test_changed_rules_void_and_replace_entries(placements):
    county = placements["county"]
    subsidies.recompute(county.id)
    subsidies.update_settings(county.id, {"retention_monthly": "300", "retention_max_months": "3",
                                          "retention_min_days": "15", "hiring_amount": "1000",
                                          "hiring_min_months": "6", "hiring_channels": ["COMMUNITY_FACTORY"]})
    run = subsidies.recompute(county.id)
    db.session.commit()
    amounts = ledger_amounts(county.id)
    assert amounts[(SubsidyKind.RETENTION, placements["stay"].id)] == (3, 900.0)
    assert amounts[(SubsidyKind.RETENTION, placements["gone"].id)] == (3, 900.0)
    assert (run.added, run.voided, run.unchanged) == (6, 10, 1)
    assert json.loads(run.rules)["retention_monthly"] == 300.0
    voided = db.session.scalar(sa.select(sa.func.count()).select_from(SubsidyEntry)
                               .where(SubsidyEntry.voided_run_id == run.id))
    assert voided == 10  # kept, marked void: the trail of what was computed before


def test_a_corrected_exit_date_voids_the_months_no_longer_earned(placements):
    county = placements["county"]
    subsidies.recompute(county.id)
    stay = db.session.get(Referral, placements["stay"].id)
    jobs.record_outcome(stay, ReferralOutcome.LEFT, ended_on=placements["months_ago"](6, 20))
    run = subsidies.recompute(county.id)
    db.session.commit()
    assert ledger_amounts(county.id)[(SubsidyKind.RETENTION, stay.id)] == (3, 600.0)
    assert run.voided == 3


@pytest.mark.parametrize("raw,field", [
    ({"retention_monthly": "-5"}, "retention_monthly"),
    ({"retention_max_months": "abc"}, "retention_max_months"),
    ({"retention_min_days": "40"}, "retention_min_days"),
    ({"hiring_channels": ["NOPE"]}, "hiring_channels"),
])
def test_bad_rules_are_refused(placements, raw, field):
    good = {"retention_monthly": "200", "retention_max_months": "6", "retention_min_days": "15",
            "hiring_amount": "1000", "hiring_min_months": "6", "hiring_channels": ["ENTERPRISE"]}
    with pytest.raises(ValidationError) as err:
        subsidies.update_settings(placements["county"].id, good | raw)
    assert field in err.value.fields


def test_export_for_payment_has_full_ids_and_is_audited(placements, client, login_as):
    county = placements["county"]
    subsidies.recompute(county.id)
    db.session.commit()
    login_as("county_reviewer")
    response = client.get("/staff/jobs/subsidies/export")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0] == subsidies.LEDGER_HEADER and len(rows) == 12
    stay = db.session.get(Referral, placements["stay"].id)
    assert reveal_id(stay.person) in {r[3] for r in rows[1:]}
    assert sum(r[10] for r in rows[1:]) == 3000
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "subsidy_export")) == 1


def test_ledger_page_recompute_and_rules_form(placements, client, login_as):
    from tests.conftest import csrf_token_from

    login_as("county_reviewer")
    page = client.get("/staff/jobs/subsidies").get_data(as_text=True)
    assert "台账为空" in page
    token = csrf_token_from(page)
    response = client.post("/staff/jobs/subsidies/recompute", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get("/staff/jobs/subsidies").get_data(as_text=True)
    assert 'id="ledger-amount">3,000<' in page and "甲外出" in page
    response = client.post("/staff/jobs/subsidies/rules", data={
        "csrf_token": token, "retention_monthly": "250", "retention_max_months": "6", "retention_min_days": "15",
        "hiring_amount": "800", "hiring_min_months": "6", "hiring_channels": ["COMMUNITY_FACTORY", "ENTERPRISE"]})
    assert response.status_code == 302
    assert subsidies.settings_for(placements["county"].id).retention_monthly == 250
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubsidyRun)) == 1


def test_clerks_see_the_ledger_but_cannot_recompute_or_export(placements, client, login_as):
    login_as("township_clerk")
    assert client.get("/staff/jobs/subsidies").status_code == 200
    assert client.get("/staff/jobs/subsidies/export").status_code == 403
