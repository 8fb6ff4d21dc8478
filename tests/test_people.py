"""People services: zero-employment rule, status history, search, monthly update."""

import datetime as dt

import pytest

from jobmatch.extensions import db
from jobmatch.people import services
from jobmatch.people.enums import EmploymentStatus, LaborCapacity, Relation, StatusSource
from jobmatch.people.search import search_people
from jobmatch.people.stats import register_counts, zero_employment_household_ids
from jobmatch.places.services import all_sites_scope, scope_for
from tests.factories import make_people, make_site, person_fields

TODAY = dt.date.today()


def years_ago(n: int, days: int = 0) -> dt.date:
    return TODAY.replace(year=TODAY.year - n) - dt.timedelta(days=days)


@pytest.fixture
def site(app):
    return make_site()


def household(code, *members):
    return [person_fields(household_code=code, relation=Relation.HEAD if i == 0 else Relation.CHILD, **m)
            for i, m in enumerate(members)]


@pytest.mark.parametrize("members,zero", [
    # one able unemployed member → zero-employment
    ([dict(birth_date=years_ago(40))], True),
    # an able member employed → not
    ([dict(birth_date=years_ago(40)), dict(birth_date=years_ago(20), employment_status=EmploymentStatus.LOCAL)], False),
    # nobody able (too old, student, no capacity) → not a zero-employment household
    ([dict(birth_date=years_ago(70)), dict(birth_date=years_ago(18), employment_status=EmploymentStatus.STUDENT),
      dict(birth_date=years_ago(45), labor_capacity=LaborCapacity.NONE)], False),
    # only a 65-year-old works, the 35-year-old does not → still zero-employment (working-age members count)
    ([dict(birth_date=years_ago(65), employment_status=EmploymentStatus.PUBLIC_WELFARE), dict(birth_date=years_ago(35))], True),
    # age bounds are inclusive: 16 today and 60 (61st birthday tomorrow) are able
    ([dict(birth_date=years_ago(16))], True),
    ([dict(birth_date=years_ago(61, days=-1))], True),
    ([dict(birth_date=years_ago(15, days=-1))], False),
    ([dict(birth_date=years_ago(61))], False),
    # weak labor is still able; public-welfare post counts as employed
    ([dict(birth_date=years_ago(50), labor_capacity=LaborCapacity.WEAK, employment_status=EmploymentStatus.PUBLIC_WELFARE)], False),
])
def test_zero_employment_rule_in_python_and_sql_agree(site, members, zero):
    people = make_people(*household("HH1", *members))
    view = services.household_view(people[0].household)
    assert view.standing.is_zero_employment is zero
    counts = register_counts(all_sites_scope())
    assert counts.zero_employment_households == (1 if zero else 0)
    assert zero_employment_household_ids(all_sites_scope()) == ([people[0].household_id] if zero else [])


def test_counts_match_a_hand_count(site):
    make_people(
        *household("A", dict(birth_date=years_ago(40)), dict(birth_date=years_ago(38), employment_status=EmploymentStatus.OUT_OF_PROVINCE)),
        *household("B", dict(birth_date=years_ago(50))),
        *household("C", dict(birth_date=years_ago(80))),
    )
    counts = register_counts(all_sites_scope())
    assert (counts.people, counts.households, counts.able_workers, counts.employed) == (4, 3, 3, 1)
    assert (counts.households_with_able_members, counts.zero_employment_households) == (2, 1)
    assert counts.one_per_household_coverage == 0.5


def test_status_history_answers_as_of_questions(site):
    (person,) = make_people(person_fields(), effective_on=dt.date(2026, 1, 5))
    services.record_status(person, EmploymentStatus.OUT_OF_PROVINCE, dt.date(2026, 3, 10), source=StatusSource.EDIT,
                           workplace="江苏苏州")
    services.record_status(person, EmploymentStatus.UNEMPLOYED, dt.date(2026, 8, 1), source=StatusSource.EDIT)
    db.session.commit()
    assert services.status_as_of(person.id, dt.date(2026, 2, 28)) is EmploymentStatus.UNEMPLOYED
    assert services.status_as_of(person.id, dt.date(2026, 3, 31)) is EmploymentStatus.OUT_OF_PROVINCE
    assert services.status_as_of(person.id, dt.date(2026, 9, 1)) is EmploymentStatus.UNEMPLOYED
    assert person.employment_status is EmploymentStatus.UNEMPLOYED
    march = services.changes_in_month(all_sites_scope(), "2026-03")
    assert [(e.previous_status, e.status) for e in march] == [(EmploymentStatus.UNEMPLOYED, EmploymentStatus.OUT_OF_PROVINCE)]
    assert services.changes_in_month(all_sites_scope(), "2026-05") == []
    # a backdated change slots into history without disturbing later ones
    services.record_status(person, EmploymentStatus.LOCAL, dt.date(2026, 2, 1), source=StatusSource.EDIT)
    db.session.commit()
    assert services.status_as_of(person.id, dt.date(2026, 2, 15)) is EmploymentStatus.LOCAL
    assert person.employment_status is EmploymentStatus.UNEMPLOYED
    assert len([e for e in person.status_events]) == 4


def test_no_event_for_an_unchanged_status_and_none_in_the_future(site):
    from jobmatch.errors import ValidationError

    (person,) = make_people(person_fields())
    assert services.record_status(person, EmploymentStatus.UNEMPLOYED, TODAY, source=StatusSource.EDIT) is None
    with pytest.raises(ValidationError):
        services.record_status(person, EmploymentStatus.LOCAL, TODAY + dt.timedelta(days=3), source=StatusSource.EDIT)


def test_monthly_update_lists_who_is_pending(site):
    people = make_people(*household("M", dict(name="甲"), dict(name="乙"), dict(name="丙")))
    progress = services.monthly_update(site, all_sites_scope())
    assert (progress.total, progress.checked) == (3, 0)
    services.confirm_status(people[0])
    services.record_status(people[1], EmploymentStatus.LOCAL, TODAY, source=StatusSource.MONTHLY)
    db.session.commit()
    progress = services.monthly_update(site, all_sites_scope())
    assert (progress.checked, [p.name for p in progress.pending]) == (2, ["丙"])


@pytest.mark.parametrize("query", ["王秀英", "秀英", "wxy", "WXY", "wangxiuying", "wangx"])
def test_search_by_name_and_pinyin(site, query):
    make_people(person_fields(name="王秀英"), person_fields(name="李建国", household_code="H2"))
    assert [p.name for p in search_people(all_sites_scope(), query)] == ["王秀英"]


def test_search_by_id_number_and_phone(site):
    a, b = make_people(person_fields(name="王秀英", phone="13812345678"), person_fields(name="李建国", household_code="H2"))
    id_a = services.reveal_id(a)
    assert [p.id for p in search_people(all_sites_scope(), id_a)] == [a.id]
    assert [p.id for p in search_people(all_sites_scope(), id_a[-4:])] == [a.id]
    assert [p.id for p in search_people(all_sites_scope(), id_a[-8:])] == [a.id]
    assert [p.id for p in search_people(all_sites_scope(), "13812345678")] == [a.id]
    assert [p.id for p in search_people(all_sites_scope(), "5678")] == [a.id]
    assert search_people(all_sites_scope(), "%") == []


def test_search_never_leaves_the_scope(app):
    home = make_site()
    other = make_site(township="长安镇", site="长安1号安置点")
    make_people(person_fields(name="王秀英"), person_fields(name="王秀兰", household_code="H2", township="长安镇", site="长安1号安置点"))
    assert [p.name for p in search_people(scope_for(site=home), "wx")] == ["王秀英"]
    assert [p.name for p in search_people(scope_for(site=other), "王秀")] == ["王秀兰"]
