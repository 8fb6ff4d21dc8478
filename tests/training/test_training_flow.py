"""The full path: enrolment → attendance → completion → exam → certificate → the person's skills
and certificates → the indicators; and every bad input leaves nothing written."""

import datetime as dt

import pytest
import sqlalchemy as sa

from jobmatch.errors import Conflict, PermissionDenied, ValidationError
from jobmatch.extensions import db
from jobmatch.people.enums import EmploymentStatus, LaborCapacity
from jobmatch.people.models import PersonCertificate, PersonSkill
from jobmatch.people.services import reveal_id
from jobmatch.places.services import all_sites_scope, find_county, scope_for
from jobmatch.training import services as training
from jobmatch.training.enums import EnrollmentStatus, ExamResult
from jobmatch.training.indicators import monthly_series, rates_by_area, training_rates
from jobmatch.training.models import CertificateAward, Enrollment
from tests.factories import make_people, make_site, person_fields
from tests.training.helpers import certificate, make_course

TODAY = dt.date.today()


@pytest.fixture
def county(app):
    make_site()
    make_site(township="长安镇", site="长安1号安置点", lon=109.51, lat=32.14)
    people = make_people(
        person_fields(name="王秀英", male=False, birth_date=dt.date(1980, 3, 1), wants_training=True),
        person_fields(name="张小花", household_code="HH900002", male=False, birth_date=dt.date(1990, 5, 1)),
        person_fields(name="李长安", household_code="HH900003", township="长安镇", site="长安1号安置点",
                      birth_date=dt.date(1975, 1, 1), certificates=["C1驾驶证"]),
        person_fields(name="赵老汉", household_code="HH900004", birth_date=dt.date(1950, 1, 1)),
        person_fields(name="孙学生", household_code="HH900005", birth_date=dt.date(2004, 1, 1),
                      employment_status=EmploymentStatus.STUDENT),
        person_fields(name="周无力", household_code="HH900006", birth_date=dt.date(1970, 1, 1),
                      labor_capacity=LaborCapacity.NONE),
    )
    return all_sites_scope(), people


def test_enrolment_to_certificate_flows_into_skills_certificates_and_indicators(county):
    scope, (wang, zhang, li, *_rest) = county
    before = training_rates(scope)
    assert before["able_workers"] == 3 and before["trained"] == 0 and before["certified"] == 0
    assert before["wants_training_untrained"] == 1

    course = make_course(scope, starts_on=TODAY - dt.timedelta(days=20), days=10)
    assert course.code == f"PX{course.starts_on.year}-0001"
    e_wang = training.enroll(course, wang, scope=scope, on=course.starts_on)
    e_li = training.enroll(course, li, scope=scope, on=course.starts_on)
    for offset in range(5):
        session = training.add_session(course, course.starts_on + dt.timedelta(days=offset), topic=f"第{offset + 1}课")
        training.record_attendance(session, {e_wang.id} | ({e_li.id} if offset < 2 else set()), scope=scope)
    db.session.commit()

    training.complete(e_wang, completed_on=course.ends_on)
    with pytest.raises(ValidationError, match="出勤 2/5 次"):
        training.complete(e_li, completed_on=course.ends_on)
    training.record_exam(e_wang, ExamResult.PASSED, course.ends_on)
    award = training.award_certificate(wang, certificate("养老护理员"), level=5, awarded_on=course.ends_on,
                                       number="S2026-0001", enrollment=e_wang)
    db.session.commit()

    db.session.refresh(wang)
    assert [(s.raw, s.source) for s in wang.skills] == [("养老护理", "培训")]
    (held,) = wang.certificates
    assert (held.raw, held.source, held.level, held.awarded_on) == ("养老护理员(五级)", "培训", 5, course.ends_on)
    assert held.certificate.name == "养老护理员" and award.person_certificate_id == held.id
    assert held.expires_on is None  # skill-level certificates do not expire

    after = training_rates(scope)
    assert after == {
        "able_workers": 3, "trained": 1, "trained_this_year": 1 if course.ends_on.year == TODAY.year else 0,
        "certified": 1, "training_rate": pytest.approx(1 / 3),
        "training_rate_year": pytest.approx(1 / 3) if course.ends_on.year == TODAY.year else 0.0,
        "certificate_rate": pytest.approx(1 / 3), "skills_per_worker": pytest.approx(1 / 3),
        "wants_training_untrained": 0,
    }
    townships = {r.name: r.rates for r in rates_by_area(scope, "township")}
    assert townships["城关镇"]["trained"] == 1 and townships["长安镇"]["trained"] == 0
    series = monthly_series(scope, months=3)
    assert series[-1]["trained"] == 1 and series[-1]["certified"] == 1 and series[-1]["able_workers"] == 3
    assert sum(m["completions"] for m in series) == 1 and sum(m["awards"] for m in series) == 1


def test_special_operation_certificate_expires_at_review_and_counts_only_while_valid(county):
    scope, (wang, *_rest) = county
    awarded = TODAY - dt.timedelta(days=3 * 365 - 30)  # review due in about a month
    training.award_certificate(wang, certificate("焊工"), awarded_on=awarded, evidence="原件已核验")
    db.session.commit()
    (held,) = [c for c in wang.certificates if c.certificate and c.certificate.name == "焊工"]
    assert held.expires_on == training.add_years(awarded, 3)
    assert training_rates(scope)["certified"] == 1
    assert training_rates(scope, on=held.expires_on)["certified"] == 0
    # welding implies the welding skill
    assert "电焊" in [s.raw for s in wang.skills]


@pytest.mark.parametrize("kwargs,message", [
    ({"enrollment": "not-completed"}, "尚未结业"),
    ({"evidence": ""}, "核验依据"),
    ({"evidence": "原件已核验", "awarded_on": TODAY - dt.timedelta(days=7 * 365)}, "证书已过期"),
    ({"evidence": "原件已核验", "expires_on": TODAY - dt.timedelta(days=1)}, "证书已过期"),
    ({"evidence": "原件已核验", "level": None}, "请填写等级"),
])
def test_bad_awards_write_nothing(county, kwargs, message):
    scope, (wang, *_rest) = county
    kwargs = dict(kwargs)
    if kwargs.get("enrollment") == "not-completed":
        course = make_course(scope)
        kwargs["enrollment"] = training.enroll(course, wang, scope=scope)
        db.session.commit()
    name = "焊工" if "awarded_on" in kwargs or "expires_on" in kwargs else "养老护理员"
    level = kwargs.pop("level", 5 if name == "养老护理员" else None)
    kwargs.setdefault("awarded_on", TODAY - dt.timedelta(days=10))
    with pytest.raises(ValidationError, match=message):
        training.award_certificate(wang, certificate(name), level=level, **kwargs)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateAward)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonCertificate).where(
        PersonCertificate.source == "培训")) == 0


def test_capacity_course_end_and_scope_are_enforced(county):
    scope, (wang, zhang, li, *_rest) = county
    course = make_course(scope, capacity=2)
    training.enroll(course, wang, scope=scope)
    training.enroll(course, zhang, scope=scope)
    with pytest.raises(Conflict, match="已满"):
        training.enroll(course, li, scope=scope)
    with pytest.raises(Conflict, match="已报名"):
        training.enroll(course, wang, scope=scope)
    township = scope_for(region=find_county("平利县").children[0])
    outsider = li if not township.allows(li.site_id) else wang
    with pytest.raises(PermissionDenied):
        training.enroll(course, outsider, scope=township)
    ended = make_course(scope, starts_on=TODAY - dt.timedelta(days=60), days=5, name="已结束的班")
    with pytest.raises(ValidationError, match="已于"):
        training.enroll(ended, li, scope=scope)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 2


def test_sessions_and_attendance_must_fall_within_the_course(county):
    scope, (wang, *_rest) = county
    course = make_course(scope, starts_on=TODAY - dt.timedelta(days=3), days=10)
    with pytest.raises(ValidationError, match="不在课程日期"):
        training.add_session(course, course.ends_on + dt.timedelta(days=1))
    future = training.add_session(course, course.ends_on)
    e = training.enroll(course, wang, scope=scope)
    with pytest.raises(ValidationError, match="还没到上课日期"):
        training.record_attendance(future, {e.id}, scope=scope)
    with pytest.raises(ValidationError, match="开班"):
        training.complete(e, completed_on=course.starts_on - dt.timedelta(days=1))


def test_training_items_survive_a_register_reimport_which_stays_idempotent(county):
    scope, (wang, *_rest) = county
    training.award_certificate(wang, certificate("养老护理员"), level=4, awarded_on=TODAY - dt.timedelta(days=5),
                               evidence="原件已核验")
    db.session.commit()
    from jobmatch.people.register import apply_register

    # the clerk's register row names the same certificate text and another skill
    fields = person_fields(name="王秀英", male=False, birth_date=dt.date(1980, 3, 1), wants_training=True,
                           id_number=reveal_id(wang),
                           skills=["采茶"], certificates=["养老护理员(四级)"])
    first = apply_register([(2, fields)])
    db.session.commit()
    assert first.ok and first.updated == 1
    again = apply_register([(2, fields)])
    assert again.ok and again.unchanged == 1 and again.updated == 0
    db.session.commit()
    rows = db.session.execute(sa.select(PersonCertificate.raw, PersonCertificate.source)
                              .where(PersonCertificate.person_id == wang.id)).all()
    assert rows == [("养老护理员(四级)", "培训")]
    skills = set(db.session.execute(sa.select(PersonSkill.raw, PersonSkill.source)
                                    .where(PersonSkill.person_id == wang.id)).all())
    assert skills == {("采茶", "台账"), ("养老护理", "培训")}
    # a register file without them removes only the register's own items
    fields.skills, fields.certificates = [], []
    apply_register([(2, fields)])
    db.session.commit()
    assert db.session.execute(sa.select(PersonCertificate.raw).where(PersonCertificate.person_id == wang.id)).all() == [
        ("养老护理员(四级)",)]


def test_dropped_trainee_cannot_complete_and_can_reenrol(county):
    scope, (wang, *_rest) = county
    course = make_course(scope, starts_on=TODAY - dt.timedelta(days=2), days=10)
    e = training.enroll(course, wang, scope=scope)
    training.drop(e)
    with pytest.raises(ValidationError, match="中途退出"):
        training.complete(e)
    again = training.enroll(course, wang, scope=scope)
    assert again.id == e.id and again.status is EnrollmentStatus.ENROLLED


def test_kiosk_sees_open_courses_and_signs_up(county):
    scope, (wang, _zhang, li, *_rest) = county
    open_course = make_course(scope, starts_on=TODAY + dt.timedelta(days=5), capacity=1)
    make_course(scope, starts_on=TODAY - dt.timedelta(days=40), days=3, name="过去的班")
    listed = training.open_courses_for(wang)
    assert [o.course.id for o in listed] == [open_course.id] and listed[0].seats_left == 1
    enrollment = training.sign_up_at_kiosk(wang, open_course.id)
    assert enrollment.source.label == "自助终端报名"
    assert training.open_courses_for(li) == []  # full now
    assert find_county("平利县") is not None


def test_progress_figures_equal_the_separate_indicators_at_the_age_edges(county):
    """The progress page's one-pass figures (people/rules age windows re-evaluated per month,
    trained / certified per site from the same rows) equal counts_by_site and monthly_series,
    with people entering and leaving working age inside the 24 months."""
    from jobmatch.people.rules import age_band
    from jobmatch.training.indicators import counts_by_site, progress_figures

    scope, (wang, zhang, li, *_rest) = county
    band = age_band()
    turns_16 = TODAY.replace(year=TODAY.year - 16) - dt.timedelta(days=40)  # became able ~40 days ago
    turned_61 = TODAY.replace(year=TODAY.year - 61) + dt.timedelta(days=200)  # not yet 61: able
    left = TODAY.replace(year=TODAY.year - 61) - dt.timedelta(days=150)  # left working age ~5 months ago
    young, older, gone = make_people(
        person_fields(name="刘十六", household_code="HH900101", birth_date=turns_16, wants_training=True),
        person_fields(name="陈六十", household_code="HH900102", birth_date=turned_61, township="长安镇",
                      site="长安1号安置点"),
        person_fields(name="何退龄", household_code="HH900103", birth_date=left),
    )
    course = make_course(scope, starts_on=TODAY - dt.timedelta(days=300), days=10)
    for person in (wang, young, gone):
        e = training.enroll(course, person, scope=scope, on=course.starts_on)
        training.complete(e, completed_on=course.ends_on)
    training.award_certificate(gone, certificate("焊工"), awarded_on=course.ends_on, evidence="原件已核验")
    training.award_certificate(older, certificate("养老护理员"), level=4, awarded_on=TODAY - dt.timedelta(days=3),
                               evidence="原件已核验")
    db.session.commit()

    counts, series = progress_figures(scope, months=24)
    assert counts == counts_by_site(scope) and series == monthly_series(scope, months=24)
    assert band.minimum == 16
    totals = training_rates(scope)
    assert totals["able_workers"] == 5 and totals["trained"] == 2 and totals["certified"] == 1
    # 何退龄 counted while of working age: trained ~10 months ago, left working age ~5 months ago
    months = {m["month"]: m for m in series}
    ten_months_ago = f"{course.ends_on + dt.timedelta(days=31):%Y-%m}"
    assert months[ten_months_ago]["trained"] == 2  # 王秀英 and 何退龄 (刘十六 was 15)
    assert series[-1]["trained"] == 2  # 王秀英 and 刘十六
