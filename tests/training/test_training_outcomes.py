"""Outcomes: employment within 3 and 6 months of completion, and the change in monthly income."""

import datetime as dt

from jobmatch.extensions import db
from jobmatch.people.enums import EmploymentStatus, StatusSource
from jobmatch.people.services import record_status
from jobmatch.places.services import all_sites_scope
from jobmatch.training import services as training
from jobmatch.training.outcomes import training_outcomes
from tests.factories import make_people, make_site, person_fields
from tests.training.helpers import make_course

TODAY = dt.date.today()


def test_employment_after_completion_and_income_change(app):
    make_site()
    wang, zhang = make_people(person_fields(name="王秀英", male=False),
                              person_fields(name="张小花", household_code="HH900002", male=False),
                              effective_on=TODAY - dt.timedelta(days=400))
    scope = all_sites_scope()
    course = make_course(scope, starts_on=TODAY - dt.timedelta(days=250), days=10)
    for person in (wang, zhang):
        e = training.enroll(course, person, scope=scope, on=course.starts_on)
        training.complete(e, completed_on=course.ends_on)
    record_status(wang, EmploymentStatus.LOCAL, course.ends_on + dt.timedelta(days=30), source=StatusSource.EDIT,
                  monthly_income=3000)
    db.session.commit()
    (by_course,), (by_provider,) = training_outcomes(scope)
    for o in (by_course, by_provider):
        assert (o.completed, o.due_3, o.employed_3, o.due_6, o.employed_6) == (2, 2, 1, 2, 1)
        assert o.rate_3 == 0.5 and o.income_before == 0 and o.income_after == 1500 and o.income_change == 1500
