"""Hard checks and the rule order: the SQL pool agrees with the Python checks; channel rules hold at referral."""

import datetime as dt
import random

import pytest

from jobmatch.database import today
from jobmatch.errors import ValidationError
from jobmatch.extensions import db
from jobmatch.jobs import services as jobs
from jobmatch.jobs import shortlist as ranking
from jobmatch.jobs.enums import ReferralOutcome
from jobmatch.people.enums import EmploymentStatus, LaborCapacity, Relation, StatusSource, WorkPreference
from jobmatch.people.rules import age_band
from jobmatch.people.services import record_status
from jobmatch.places.services import all_sites_scope
from tests.factories import make_id, make_people, make_site, person_fields
from tests.jobs.helpers import make_posting

DAY = dt.timedelta(days=1)


@pytest.fixture
def sites(app):
    make_site()
    make_site(township="长安镇", site="长安1号安置点", lon=109.51, lat=32.14)


def random_people(n: int, seed: int = 3):
    rng = random.Random(seed)
    fields = []
    for i in range(n):
        age = rng.randint(14, 68)
        birth = today().replace(year=today().year - age) - dt.timedelta(days=rng.randint(1, 300))
        fields.append(person_fields(
            name=f"测试{i}", household_code=f"HH{i // 2:06d}", id_number=make_id(birth, rng.random() < 0.5),
            township=["城关镇", "长安镇"][(i // 2) % 2], site=None,
            labor_capacity=rng.choice(list(LaborCapacity)),
            employment_status=rng.choice([EmploymentStatus.UNEMPLOYED] * 3 + [EmploymentStatus.OTHER,
                                          EmploymentStatus.LOCAL, EmploymentStatus.STUDENT]),
            work_preference=rng.choice(list(WorkPreference) + [None]),
            has_care_duty=rng.random() < 0.3, is_monitored=rng.random() < 0.15,
            skills=rng.sample(["缝纫", "电焊", "采茶", "做饭", "开叉车"], rng.randint(0, 2)),
            certificates=rng.sample(["C1驾驶证", "焊工证", "养老护理员(四级)"], rng.randint(0, 1)),
            expected_wage=rng.choice([None, 2000.0, 3500.0, 6000.0]),
        ))
    for f in fields:
        f.site = "城关1号安置点" if f.township == "城关镇" else "长安1号安置点"
    heads = set()
    for f in fields:
        f.relation = Relation.HEAD if f.household_code not in heads else Relation.SPOUSE
        heads.add(f.household_code)
    return make_people(*fields, effective_on=today() - 400 * DAY)


POSTINGS = [
    {},
    {"intensity": "中", "hours": "三班倒", "must_skills": "电焊", "certificates": "焊工证", "min_age": "20",
     "max_age": "", "title": "焊工", "employer": "县机械厂", "channel": "县内企业"},
    {"channel": "劳务输出", "province": "浙江", "site": "", "workplace": "浙江宁波", "employer": "浙江劳务协作站",
     "title": "叉车司机", "nice_skills": "开叉车", "certificates": "C1驾驶证", "max_age": ""},
    {"channel": "公益性岗位", "employer": "城关镇人民政府", "title": "保洁", "max_age": "65", "hours": "弹性"},
    {"channel": "其他", "site": "", "workplace": "安康市汉滨区", "employer": "安康某物流", "title": "搬运工",
     "hours": "两班倒", "intensity": "重", "max_age": "62"},
]


@pytest.mark.parametrize("kw", POSTINGS, ids=["factory", "welder", "export", "public-welfare", "in-province"])
def test_sql_pool_agrees_with_the_python_checks(sites, kw):
    people = random_people(160)
    posting = make_posting(**kw)
    result = ranking.shortlist(posting, all_sites_scope(), limit=10_000)
    listed = {c.person_id for c in result.candidates}
    facts = ranking.posting_facts(posting)
    expected = set()
    for p in people:
        pf = ranking.person_facts(p, today())
        if p.employment_status in ranking.SEEKING and not ranking.check(pf, facts, today(), age_band().maximum):
            expected.add(p.id)
    assert listed == expected
    assert result.eligible == len(expected) and len(expected) > 0


def test_rule_order_and_reasons(sites):
    must = dict(skills=["缝纫"], work_preference=WorkPreference.ANY)
    a, b, c, d = make_people(
        person_fields(name="无技能", household_code="HH1", work_preference=WorkPreference.ANY),
        person_fields(name="有技能有工作家人", household_code="HH2", **must),
        person_fields(name="家人在岗", household_code="HH2", relation=Relation.SPOUSE,
                      employment_status=EmploymentStatus.LOCAL),
        person_fields(name="零就业有技能", household_code="HH3", **must),
        effective_on=today() - 400 * DAY,
    )
    posting = make_posting(must_skills="缝纫", wage_max="3000")
    result = ranking.shortlist(posting, all_sites_scope())
    names = [c.name for c in result.candidates]
    assert names == ["零就业有技能", "有技能有工作家人", "无技能"]
    top = result.candidates[0]
    assert top.reasons[:3] == ["具备必备技能：缝纫", "零就业家庭成员（优先）", "目前未就业"]
    assert result.candidates[2].reasons[0] == "缺少必备技能：缝纫"
    assert top.masked_id.count("*") == 8 and top.distance_km == 0.0


def test_distance_breaks_ties_for_local_jobs(sites):
    near, far = make_people(
        person_fields(name="近", household_code="HH1", work_preference=WorkPreference.LOCAL),
        person_fields(name="远", household_code="HH2", township="长安镇", site="长安1号安置点",
                      work_preference=WorkPreference.LOCAL),
        effective_on=today() - 400 * DAY,
    )
    result = ranking.shortlist(make_posting(), all_sites_scope())
    assert [c.name for c in result.candidates] == ["近", "远"]
    assert result.candidates[1].distance_km > 20


def test_broker_shortlist_has_only_consenting_people(sites):
    make_people(
        person_fields(name="同意", household_code="HH1", broker_consent=True, work_preference=WorkPreference.ANY),
        person_fields(name="不同意", household_code="HH2", work_preference=WorkPreference.ANY),
        effective_on=today() - 400 * DAY,
    )
    posting = make_posting()
    assert [c.name for c in ranking.shortlist(posting, all_sites_scope(), consenting_only=True).candidates] == ["同意"]
    assert {c.name for c in ranking.shortlist(posting, all_sites_scope()).candidates} == {"同意", "不同意"}


def public_welfare_holder(years: float, **kw):
    """Someone who has held a public-welfare post for ``years`` and is unemployed since last week."""
    (person,) = make_people(person_fields(employment_status=EmploymentStatus.PUBLIC_WELFARE, **kw),
                            effective_on=today() - dt.timedelta(days=int(years * 365) + 7))
    record_status(person, EmploymentStatus.UNEMPLOYED, today() - 7 * DAY, source=StatusSource.EDIT)
    db.session.commit()
    return person


def test_public_welfare_eligibility_cannot_be_overridden(sites):
    (strong,) = make_people(person_fields(name="强劳力", labor_capacity=LaborCapacity.FULL,
                                          work_preference=WorkPreference.LOCAL, household_code="HH1"))
    # make the household not zero-employment: a working spouse
    make_people(person_fields(name="配偶", household_code="HH1", relation=Relation.SPOUSE,
                              employment_status=EmploymentStatus.LOCAL))
    posting = make_posting(channel="公益性岗位", employer="城关镇人民政府", title="护林员", hours="弹性")
    with pytest.raises(ValidationError, match="公益性岗位只安置弱劳动力、半劳动力、零就业家庭成员和防返贫监测对象"):
        jobs.refer(strong, posting, override_reason="镇里同意")
    assert strong.id not in {c.person_id for c in ranking.shortlist(posting, all_sites_scope()).candidates}


def test_public_welfare_three_year_cap_is_warned_and_enforced(sites):
    posting = make_posting(channel="公益性岗位", employer="城关镇人民政府", title="护林员", hours="弹性", max_age="65")
    near_cap = public_welfare_holder(2.8, name="快满三年", labor_capacity=LaborCapacity.WEAK, household_code="HH1")
    over_cap = public_welfare_holder(3.1, name="已满三年", labor_capacity=LaborCapacity.WEAK, household_code="HH2")
    violations, warnings = ranking.check_pair(near_cap, posting)
    assert violations == [] and any("距 3 年上限只剩约" in w for w in warnings)
    referral = jobs.refer(near_cap, posting)
    assert "距 3 年上限只剩约" in referral.warnings
    with pytest.raises(ValidationError, match="达到 3 年上限"):
        jobs.refer(over_cap, posting, override_reason="本人困难")
    listed = {c.name for c in ranking.shortlist(posting, all_sites_scope()).candidates}
    assert "已满三年" not in listed
    # and at hire time: counted up to the start date
    jobs.record_outcome(referral, ReferralOutcome.HIRED)
    assert referral.started_on == today()


@pytest.mark.parametrize("kw,person_kw,code", [
    ({"hours": "两班倒"}, {"has_care_duty": True}, "CARE_SHIFT"),
    ({"channel": "劳务输出", "province": "广东", "site": "", "employer": "广东劳务协作站"},
     {"has_care_duty": True, "work_preference": WorkPreference.ANY}, "CARE_FAR"),
    ({"channel": "劳务输出", "province": "广东", "site": "", "employer": "广东劳务协作站"},
     {"work_preference": WorkPreference.IN_PROVINCE}, "PLACE"),
    ({"intensity": "重"}, {"labor_capacity": LaborCapacity.HALF}, "INTENSITY"),
    ({"certificates": "C1驾驶证"}, {}, "CERT"),
    ({"min_age": "45"}, {}, "AGE"),
    ({}, {"labor_capacity": LaborCapacity.NONE}, "CAPACITY"),
])
def test_each_hard_check_has_a_reason(sites, kw, person_kw, code):
    (person,) = make_people(person_fields(**{"work_preference": WorkPreference.LOCAL, **person_kw}))
    posting = make_posting(**kw)
    violations, _warnings = ranking.check_pair(person, posting)
    assert [v.code for v in violations] == [code] and violations[0].reason
    if violations[0].overridable:
        with pytest.raises(ValidationError, match="如确需推荐，请填写推荐理由"):
            jobs.refer(person, posting)
        referral = jobs.refer(person, posting, override_reason="企业同意面试")
        assert referral.violations == violations[0].reason
    else:
        with pytest.raises(ValidationError, match="不能推荐"):
            jobs.refer(person, posting, override_reason="企业同意面试")


def test_person_to_postings(sites):
    (person,) = make_people(person_fields(name="找工作", work_preference=WorkPreference.LOCAL, skills=["缝纫"]))
    sewing = make_posting(title="缝纫工", must_skills="缝纫")
    other = make_posting(title="包装工", employer="城关包装厂")
    away = make_posting(channel="劳务输出", province="江苏", site="", employer="江苏劳务协作站", title="普工")
    matches = ranking.eligible_postings(person, include_excluded=True, limit=None)
    assert [m.posting.id for m in matches] == [sewing.id, other.id, away.id]
    assert [m.eligible for m in matches] == [True, True, False]
    assert matches[0].reasons[0] == "具备必备技能：缝纫"
    assert matches[2].violations[0].code == "PLACE"
    assert [m.posting.id for m in ranking.eligible_postings(person)] == [sewing.id, other.id]
