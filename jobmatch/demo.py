"""The demo county generator. It sits above every domain and only calls services.

``--scale county`` builds a county shaped like Pingli (~96,000 people in ~32,000
households at ~110 sites in 8 townships, ~18% employed, ~40% of them outside the
province, ~10% on public-welfare posts); ``--scale site`` a quick one of a few sites.
Each person's status history covers the last twelve months, so monthly trends exist.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from jobmatch.accounts.models import Role, User
from jobmatch.accounts.services import create_user
from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.people.enums import (
    Education,
    EmploymentStatus,
    LaborCapacity,
    Relation,
    StatusSource,
    WorkPreference,
)
from jobmatch.people.idnumber import check_char
from jobmatch.people.register import apply_register
from jobmatch.people.services import bulk_record_changes
from jobmatch.people.validation import PersonFields
from jobmatch.places.models import RegionLevel
from jobmatch.places.services import ensure_region, ensure_site

DEMO_PASSWORD = "jobmatch-demo-2026"
COUNTY = "平利县"
CITY = "安康市"
REGION_CODE = "610926"
#: township → (longitude, latitude) of its centre
TOWNSHIPS = {
    "城关镇": (109.357, 32.389), "长安镇": (109.510, 32.140), "老县镇": (109.252, 32.226), "大贵镇": (109.572, 32.346),
    "洛河镇": (109.403, 32.563), "兴隆镇": (109.481, 32.099), "八仙镇": (109.266, 32.094), "广佛镇": (109.493, 32.516),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_M = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁健林峰建国志德福兴文海东俊成荣新春龙"
GIVEN_F = "芳娟敏静丽艳娜燕霞玲桂英秀兰红梅琴萍云莲凤珍翠花彩霞春梅月丹婷雪慧"
#: skills as clerks type them: (text, weight); several texts are variants of one skill
SKILL_TEXTS = [
    ("采茶", 9), ("制茶", 5), ("茶叶加工", 4), ("缝纫", 6), ("车衣", 3), ("缝纫工", 3), ("平车", 2), ("缝纫机操作", 2),
    ("袜机操作", 4), ("织袜", 3), ("电子线束", 3), ("线束加工", 2), ("毛绒玩具", 3), ("毛绒玩具加工", 2),
    ("普工", 4), ("流水线", 3), ("电焊", 3), ("焊工", 2), ("会电焊", 2), ("电焊工", 1), ("钢筋工", 2), ("木工", 2),
    ("木匠", 2), ("瓦工", 2), ("泥瓦工", 1), ("装修", 2), ("水电工", 1), ("电工", 2), ("司机", 3), ("开车", 2),
    ("开叉车", 1), ("叉车", 1), ("挖掘机", 1), ("保洁", 3), ("保安", 2), ("老人护理", 2), ("养老护理", 1), ("护工", 1),
    ("带孩子", 2), ("育婴员", 1), ("做饭", 3), ("厨师", 2), ("面点", 1), ("服务员", 2), ("种植", 4), ("种菜", 2),
    ("养猪", 3), ("养殖", 2), ("养牛", 1), ("香菇种植", 2), ("中药材种植", 2), ("护林", 2), ("搬运", 2),
    ("快递分拣", 1), ("电商", 1), ("直播带货", 1), ("家政", 2), ("理发", 1), ("修车", 1), ("缝纫机操做", 1),
]
CERT_TEXTS = [
    ("C1驾驶证", 8), ("养老护理员(五级)", 3), ("养老护理员(四级)", 2), ("焊工证", 3), ("电工证", 3), ("叉车证", 2),
    ("中式烹调师(五级)", 3), ("中式烹调师(四级)", 1), ("育婴员(五级)", 2), ("保安员证", 2), ("家政服务员", 2),
    ("茶叶加工工(五级)", 2), ("缝纫工证", 2), ("B2驾驶证", 1), ("电子商务师(五级)", 1), ("挖掘机证", 1),
]
OUT_PROVINCE_PLACES = ["江苏苏州", "江苏昆山", "浙江宁波", "浙江义乌", "广东东莞", "广东深圳", "福建晋江", "上海", "北京", "山东青岛"]
IN_PROVINCE_PLACES = ["安康市汉滨区", "西安市", "汉中市", "安康高新区", "宝鸡市"]


@dataclass
class Scale:
    sites_per_township: tuple[int, ...]
    households: int


SCALES = {
    "site": Scale(sites_per_township=(2, 1, 1, 0, 0, 0, 0, 0), households=400),
    "county": Scale(sites_per_township=(24, 14, 13, 12, 13, 11, 12, 11), households=32_000),
}

#: later domains (postings, outcomes, training …) append steps: fn(rng, context, echo)
DEMO_STEPS: list[Callable] = []


def _training_step(rng, context, echo) -> None:
    from jobmatch.training.demo import build_training_demo

    build_training_demo(rng, context, echo)


DEMO_STEPS.append(_training_step)


def _id_number(rng: random.Random, birth: dt.date, male: bool, used: set[str]) -> str:
    while True:
        seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
        body = f"{REGION_CODE}{birth:%Y%m%d}{seq:03d}"
        number = body + check_char(body)
        if number not in used:
            used.add(number)
            return number


def _birth(rng: random.Random, age: int, on: dt.date) -> dt.date:
    return on - dt.timedelta(days=age * 365 + rng.randrange(0, 365))


def _name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    given = GIVEN_M if male else GIVEN_F
    name = (surname or rng.choice(SURNAMES)) + rng.choice(given)
    return name + rng.choice(given) if rng.random() < 0.7 else name


def _pick(rng: random.Random, weighted: list[tuple[str, int]], k: int) -> list[str]:
    texts, weights = zip(*weighted, strict=True)
    out: list[str] = []
    while len(out) < k:
        choice = rng.choices(texts, weights)[0]
        if choice not in out:
            out.append(choice)
    return out


def _capacity(rng: random.Random, age: int) -> LaborCapacity:
    if age < 16 or age >= 75:
        return LaborCapacity.NONE
    if age >= 61:
        return rng.choices([LaborCapacity.HALF, LaborCapacity.WEAK, LaborCapacity.NONE], [4, 3, 3])[0]
    roll = rng.random()
    if roll < 0.05:
        return LaborCapacity.NONE
    if roll < 0.14:
        return LaborCapacity.WEAK
    if roll < 0.24:
        return LaborCapacity.HALF
    return LaborCapacity.FULL


def _status(rng: random.Random, age: int, capacity: LaborCapacity, preference: WorkPreference) -> EmploymentStatus:
    """Current status, tuned so ~18% of all people are employed (40% of them out of province)."""
    if age < 16 or (age <= 22 and rng.random() < 0.55):
        return EmploymentStatus.STUDENT
    if capacity is LaborCapacity.NONE or age > 64:
        return EmploymentStatus.OTHER
    works = {LaborCapacity.FULL: 0.35, LaborCapacity.WEAK: 0.17, LaborCapacity.HALF: 0.15}[capacity]
    if age > 55:
        works *= 0.7
    if rng.random() > works:
        return EmploymentStatus.UNEMPLOYED if rng.random() < 0.8 else EmploymentStatus.OTHER
    if capacity is not LaborCapacity.FULL:
        return rng.choices([EmploymentStatus.PUBLIC_WELFARE, EmploymentStatus.LOCAL, EmploymentStatus.SELF_EMPLOYED], [6, 4, 1])[0]
    if preference is WorkPreference.LOCAL:
        return rng.choices([EmploymentStatus.LOCAL, EmploymentStatus.SELF_EMPLOYED, EmploymentStatus.PUBLIC_WELFARE], [7, 2, 1])[0]
    return rng.choices(
        [EmploymentStatus.OUT_OF_PROVINCE, EmploymentStatus.IN_PROVINCE, EmploymentStatus.LOCAL, EmploymentStatus.SELF_EMPLOYED],
        [76, 9, 10, 5],
    )[0]


def _income(rng: random.Random, status: EmploymentStatus) -> tuple[float | None, str | None]:
    if status is EmploymentStatus.OUT_OF_PROVINCE:
        return float(rng.randrange(42, 80) * 100), rng.choice(OUT_PROVINCE_PLACES)
    if status is EmploymentStatus.IN_PROVINCE:
        return float(rng.randrange(32, 60) * 100), rng.choice(IN_PROVINCE_PLACES)
    if status is EmploymentStatus.LOCAL:
        return float(rng.randrange(18, 40) * 100), "平利县"
    if status is EmploymentStatus.PUBLIC_WELFARE:
        return float(rng.choice([800, 1000, 1200, 1500])), "本安置点"
    if status is EmploymentStatus.SELF_EMPLOYED:
        return float(rng.randrange(15, 60) * 100), "平利县"
    return None, None


def _person(rng, used, on, household_code, township, site, relation, age, male, surname=None) -> PersonFields:
    birth = _birth(rng, age, on)
    capacity = _capacity(rng, age)
    preference = rng.choices(list(WorkPreference), [40, 15, 18, 15, 12])[0] if 16 <= age <= 64 else WorkPreference.NONE
    status = _status(rng, age, capacity, preference)
    income, place = _income(rng, status)
    adult = age >= 18
    edu = (rng.choices(list(Education), [35, 40, 10, 10, 5])[0] if age >= 16 else
           rng.choice([Education.PRIMARY, Education.JUNIOR]))
    skills = _pick(rng, SKILL_TEXTS, rng.choices([0, 1, 2, 3], [30, 40, 22, 8])[0]) if 16 <= age <= 70 else []
    certs = _pick(rng, CERT_TEXTS, 1 if rng.random() < 0.12 else 0) if 18 <= age <= 60 else []
    care = 16 <= age <= 60 and rng.random() < (0.28 if not male else 0.08)
    phone = f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}" if adult and rng.random() < 0.88 else None
    expected = float(rng.randrange(20, 70) * 100) if preference is not WorkPreference.NONE else None
    return PersonFields(
        household_code=household_code, county=COUNTY, township=township, site=site,
        name=_name(rng, male, surname), id_number=_id_number(rng, birth, male, used), birth_date=birth,
        relation=relation, phone=phone, education=edu, labor_capacity=capacity, employment_status=status,
        workplace=place, monthly_income=income, work_preference=preference, expected_wage=expected,
        wants_training=16 <= age <= 60 and rng.random() < 0.35, skills=skills, certificates=certs,
        is_monitored=rng.random() < 0.05, has_care_duty=care,
    )


def _household(rng, used, on, code, township, site) -> list[PersonFields]:
    head_age = rng.randint(28, 78)
    head_male = rng.random() < 0.8
    surname = rng.choice(SURNAMES)
    members = [_person(rng, used, on, code, township, site, Relation.HEAD, head_age, head_male, surname)]
    if rng.random() < 0.8:
        members.append(_person(rng, used, on, code, township, site, Relation.SPOUSE,
                               max(20, head_age + rng.randint(-5, 3)), not head_male))
    for _ in range(rng.choices([0, 1, 2, 3], [18, 38, 32, 12])[0] if head_age < 65 else rng.choice([0, 1])):
        child_age = max(0, head_age - rng.randint(22, 32))
        members.append(_person(rng, used, on, code, township, site, Relation.CHILD, child_age, rng.random() < 0.5, surname))
    if head_age < 50 and rng.random() < 0.2:
        members.append(_person(rng, used, on, code, township, site, Relation.PARENT, head_age + rng.randint(22, 30), rng.random() < 0.5))
    return members


def _history(rng: random.Random, people: list[PersonFields], on: dt.date) -> tuple[list[PersonFields], list[tuple]]:
    """Start statuses a year ago and dated changes since, ending at each person's current status."""
    start = []
    changes = []
    for f in people:
        first = f.employment_status
        roll = rng.random()
        if f.employment_status.is_employed and roll < 0.30:
            first = EmploymentStatus.UNEMPLOYED  # found work during the year
        elif f.employment_status is EmploymentStatus.UNEMPLOYED and roll < 0.12:
            first = rng.choice([EmploymentStatus.OUT_OF_PROVINCE, EmploymentStatus.LOCAL])  # came home (失业返乡)
        start_fields = PersonFields(**{**f.__dict__})
        start_fields.employment_status = first
        if first is not f.employment_status:
            start_fields.monthly_income, start_fields.workplace = _income(rng, first)
            when = on - dt.timedelta(days=rng.randrange(5, 330))
            changes.append((f.id_number, f.employment_status, when, f.workplace, f.monthly_income))
        start.append(start_fields)
    return start, changes


def site_plan(scale: str, rng: random.Random) -> list[tuple[str, str, float, float]]:
    """(township, site, longitude, latitude) of every demo site."""
    plan = []
    for (township, (lon, lat)), count in zip(TOWNSHIPS.items(), SCALES[scale].sites_per_township, strict=True):
        for n in range(1, count + 1):
            plan.append((township, f"{township[:-1]}{n}号安置点", round(lon + rng.uniform(-0.06, 0.06), 5),
                         round(lat + rng.uniform(-0.05, 0.05), 5)))
    return plan


def generate_people(scale: str, seed: int, on: dt.date) -> tuple[list[tuple], list[PersonFields]]:
    """The demo sites and the current register rows, without touching the database."""
    rng = random.Random(seed)
    plan = site_plan(scale, rng)
    used: set[str] = set()
    people: list[PersonFields] = []
    weights = [rng.uniform(0.5, 1.5) for _ in plan]  # sites differ in size
    for i in range(SCALES[scale].households):
        township, site, _lon, _lat = rng.choices(plan, weights)[0]
        people.extend(_household(rng, used, on, f"HH{i + 1:06d}", township, site))
    return plan, people


def build_demo(scale: str = "site", seed: int = 7, echo: Callable[[str], None] = print) -> str:
    """Create regions, sites, users and the register (and whatever later steps add)."""
    on = today()
    year_ago = on - dt.timedelta(days=365)
    plan, people = generate_people(scale, seed, on)
    rng = random.Random(seed + 1)
    city = ensure_region(CITY, RegionLevel.CITY, None, "陕西")
    ensure_region(COUNTY, RegionLevel.COUNTY, city)
    for township, name, lon, lat in plan:
        ensure_site(COUNTY, township, name, longitude=lon, latitude=lat)
    sites = [(township, name) for township, name, _lon, _lat in plan]
    echo(f"已建安置点 {len(sites)} 个；已生成 {SCALES[scale].households} 户 {len(people)} 人，正在写入台账……")
    start, changes = _history(rng, people, on)
    result = apply_register(list(enumerate(start, start=2)), source=StatusSource.DEMO, effective_on=year_ago)
    if not result.ok:
        raise RuntimeError(f"演示数据有误：{result.errors[:3]}")
    bulk_record_changes(changes, source=StatusSource.DEMO)
    echo(f"已写入 {result.added} 人，就业状态变化 {len(changes)} 条")
    users = _demo_users(sites)
    context = {"scale": scale, "on": on, "sites": sites, "people": people, "users": users}
    for step in DEMO_STEPS:
        step(rng, context, echo)
    logins = "\n".join(f"  {u.username:<10} {u.role.label}（{u.area_name}）" for u in users)
    return (f"演示数据已生成：{len(sites)} 个安置点，{SCALES[scale].households} 户，{len(people)} 人。\n"
            f"演示账号（密码均为 {DEMO_PASSWORD}）：\n{logins}")


def _demo_users(sites: list[tuple[str, str]]):
    first_township, first_site = sites[0]
    specs = [
        ("admin", Role.CITY_ADMIN, CITY, "市级管理员", None),
        ("county", Role.COUNTY_REVIEWER, COUNTY, "县人社局审核员", None),
        ("town", Role.TOWNSHIP_CLERK, first_township, f"{first_township}录入员", None),
        ("site", Role.SITE_CLERK, first_site, f"{first_site}采集员", None),
        ("broker", Role.BROKER, COUNTY, "劳务经纪人李师傅", "13900000001"),
    ]
    users = []
    for username, role, area, name, phone in specs:
        existing = db.session.scalar(sa.select(User).where(User.username == username))
        users.append(existing or create_user(username, DEMO_PASSWORD, role, area, display_name=name, work_phone=phone,
                                             actor="演示数据"))
    return users


def _register_job_steps() -> None:
    from jobmatch.jobs.demo import broker_consent_step, job_history_step

    DEMO_STEPS.extend([broker_consent_step, job_history_step])


_register_job_steps()


def _matching_step(rng, context, echo) -> None:
    """Train the matching model on the demo's referral outcomes (active only if it beats the rules)."""
    from jobmatch.matching import service

    db.session.commit()
    result, row = service.train_model(actor="演示数据")
    if row is None:
        echo("匹配模型：" + result.decision.get("reason", "数据不足，使用规则评分"))
    else:
        echo(f"匹配模型 {row.version}：" + ("优于规则，已启用" if row.is_active else "未优于规则，继续使用规则评分"))


DEMO_STEPS.append(_matching_step)
