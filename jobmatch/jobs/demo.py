"""Demo jobs for the demo county: employers of every channel, postings, broker consent, and ~2 years of
referral outcomes drawn from a hidden but plausible process.

The hidden process (what the matching engine should rediscover, with noise):
- who is referred: brokers and stations pick job seekers who pass the posting's hard limits,
  favouring people with the posting's skills and, for local jobs, people living nearby;
- whether the person takes it: less likely when the wage is below what they expect, when a
  local job is far from home, when they care for someone and the hours are not flexible; board
  and lodging helps jobs far away;
- whether the employer hires: more likely with the must-have skills, nice-to-have skills, a
  good employer (each has a hidden quality), prime working age, the education asked for;
  less likely for weak or half-capacity workers outside public-welfare posts;
- how long they stay: longer with a better wage against expectations, a better employer, a
  shorter commute, skills that fit, board and lodging far away; shorter with care duties and
  fixed hours, and for the very young. "Still employed 6 months after starting" is therefore
  learnable but noisy.
Constraints always hold: nobody holds two placements at once, no posting is over-filled,
public-welfare posts only go to eligible people, brokers only refer consenting people.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from jobmatch.accounts.models import Role, User
from jobmatch.accounts.services import create_user
from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs import services as jobs
from jobmatch.jobs import subsidies
from jobmatch.jobs.enums import Channel, EmployerKind, PostingStatus, ReferralOutcome
from jobmatch.jobs.models import DepartureBatch, DepartureMember, Employer, Posting, Referral
from jobmatch.jobs.validation import OutcomeFields, PostingFields
from jobmatch.people.enums import Education
from jobmatch.people.models import Person, PersonCertificate, PersonSkill
from jobmatch.people.services import grant_broker_consent
from jobmatch.places.models import Region, RegionLevel, Site
from jobmatch.protect import protector
from jobmatch.vocab.models import Certificate, Skill

#: (product, title, skill) of community factories and workshops at the sites
FACTORY_LINES = [
    ("毛绒玩具", "毛绒玩具缝制工", "毛绒玩具"), ("织袜", "织袜操作工", "织袜"), ("电子线束", "电子线束操作工", "电子线束"),
    ("服装", "缝纫工", "缝纫"), ("茶叶", "茶叶加工工", "制茶"), ("手工编织", "手工编织工", "手工编织"),
    ("鞋帽", "鞋帽加工工", "鞋帽加工"), ("包装", "包装工", "包装"),
]
FACTORY_KINDS = ["社区工厂", "社区工厂", "帮扶车间", "就业工坊"]
#: (title, skill or None, intensity) of public-welfare posts
WELFARE_POSTS = [
    ("保洁公益岗", "保洁", "轻"), ("护林员", "护林", "中"), ("安置点服务员", None, "轻"), ("公路养护员", None, "中"),
    ("养老护理公益岗", "养老护理", "中"), ("治安巡逻员", "保安", "轻"), ("河道管护员", None, "轻"),
]
#: (province, city) of the labor-export partner stations
STATIONS = [("江苏", "苏州"), ("浙江", "宁波"), ("广东", "东莞"), ("福建", "晋江"), ("江苏", "昆山"), ("浙江", "义乌"),
            ("广东", "深圳"), ("上海", "上海"), ("山东", "青岛")]
#: (company type, title, must skill, nice skill, certificate, intensity, hours, wage floor)
EXPORT_JOBS = [
    ("电子", "电子厂普工", None, "电子装配", None, "中", "两班倒", 4800),
    ("服装", "服装厂车工", "缝纫", None, None, "中", "白班", 5200),
    ("建筑", "建筑工", None, "砌筑", None, "重", "白班", 6500),
    ("物流", "叉车司机", "叉车", None, "叉车司机", "中", "两班倒", 6200),
    ("快递", "快递分拣员", None, "快递分拣", None, "中", "三班倒", 5000),
    ("餐饮", "餐饮服务员", None, "餐厅服务", None, "轻", "两班倒", 4300),
    ("物业", "保安", None, "保安", None, "轻", "三班倒", 4200),
    ("运输", "货车司机", "驾驶", None, "B2驾驶证", "重", "白班", 7500),
    ("机械", "焊工", "电焊", None, "焊工", "重", "白班", 7200),
]
#: (company, title, must skill, nice skill, certificate, intensity, hours, wage floor)
COUNTY_JOBS = [
    ("茶业有限公司", "采茶工", None, "采茶", None, "中", "白班", 2400),
    ("茶业有限公司", "制茶工", "制茶", None, None, "中", "两班倒", 3000),
    ("魔芋食品有限公司", "食品加工工", None, "普工", None, "中", "两班倒", 2800),
    ("建筑工程有限公司", "钢筋工", "钢筋工", None, None, "重", "白班", 4200),
    ("建筑工程有限公司", "电工", "维修电工", None, "低压电工", "中", "白班", 4000),
    ("物流有限公司", "仓储分拣员", None, "快递分拣", None, "中", "两班倒", 3000),
    ("物流有限公司", "配送司机", "驾驶", None, "C1驾驶证", "中", "白班", 3800),
    ("大酒店", "厨师", "中式烹调", None, None, "中", "两班倒", 3800),
    ("大酒店", "客房服务员", None, "保洁", None, "轻", "白班", 2500),
    ("养殖专业合作社", "养殖工", None, "养猪", None, "重", "白班", 3200),
    ("电商产业园", "电商客服", None, "电商", None, "轻", "白班", 2800),
    ("家政服务有限公司", "养老护理员", "养老护理", None, "养老护理员", "中", "两班倒", 3200),
    ("保安服务有限公司", "保安员", None, "保安", None, "轻", "三班倒", 2600),
    ("食用菌种植基地", "食用菌工", None, "食用菌栽培", None, "中", "白班", 2600),
]
#: (company, place, title, nice skill, intensity, hours, wage floor) elsewhere in the province
IN_PROVINCE_JOBS = [
    ("安康高新区电子有限公司", "安康市高新区", "电子装配工", "电子装配", "轻", "两班倒", 3600),
    ("西安某汽车零部件公司", "西安市经开区", "装配工", "普工", "中", "两班倒", 4500),
    ("汉中某食品有限公司", "汉中市", "食品包装工", "包装", "轻", "白班", 3400),
]
DEMO_BROKERS = [("broker_wang", "劳务经纪人王师傅"), ("broker_zhang", "劳务经纪人张大姐"), ("broker_liu", "劳务经纪人刘站长"),
                ("broker_chen", "劳务经纪人陈师傅")]
SCALE = {
    "site": {"open": 40, "history": 70, "referrals": 1400, "stations": 4, "companies": 2, "enterprises": 1},
    "county": {"open": 3000, "history": 6500, "referrals": 57_000, "stations": 9, "companies": 14, "enterprises": 5},
}
HISTORY_DAYS = 730


def broker_consent_step(rng: random.Random, context: dict, echo) -> None:
    """About 70% of working-age people consent to broker sharing, on dates over the last ~2.5 years."""
    on = context["on"]
    rows = db.session.execute(sa.select(Person.id, Person.birth_date).order_by(Person.id)).all()
    working = [pid for pid, birth in rows if 16 <= (on - birth).days // 365 <= 60]
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for pid in working:
        if rng.random() < 0.7:
            by_day[on - dt.timedelta(days=rng.randrange(30, 900) // 30 * 30)].append(pid)
    total = sum(grant_broker_consent(ids, day, actor="演示数据") for day, ids in sorted(by_day.items()))
    echo(f"已登记同意共享给经纪人 {total} 人")


@dataclass
class PlannedPosting:
    fields: PostingFields
    employer_key: tuple
    opened_on: dt.date
    quality: float
    broker_id: int | None
    must: list[int] = field(default_factory=list)
    nice: list[int] = field(default_factory=list)
    cert: int | None = None
    lon: float | None = None
    lat: float | None = None
    departures: list[dt.date] = field(default_factory=list)
    closed_manually: bool = False


def job_history_step(rng: random.Random, context: dict, echo) -> None:
    """Employers, brokers, postings and the referral history (hidden process above), then the subsidy ledger."""
    rng = random.Random(rng.randrange(2**32))
    gen = np.random.default_rng(rng.randrange(2**32))
    on: dt.date = context["on"]
    plan = SCALE[context["scale"]]
    county = db.session.scalar(sa.select(Region).where(Region.level == RegionLevel.COUNTY))
    brokers = _brokers(context)
    sites = list(db.session.scalars(sa.select(Site).where(Site.county_id == county.id).order_by(Site.id)))
    skill_ids = dict(db.session.execute(sa.select(Skill.name, Skill.id)).all())
    cert_ids = dict(db.session.execute(sa.select(Certificate.name, Certificate.id)).all())
    employers = _employer_catalogue(rng, sites, plan, county)
    postings = _plan_postings(rng, employers, plan, on, brokers, skill_ids, cert_ids, sites)
    rows = [(i + 2, p.fields) for i, p in enumerate(postings)]
    result = jobs.apply_postings(rows, allow_past_deadline=True, on=on,
                                 broker_ids={i + 2: p.broker_id for i, p in enumerate(postings) if p.broker_id})
    if not result.ok:
        raise RuntimeError(f"演示岗位有误：{result.errors[:3]}")
    _finish_employers(employers, county)
    ids = dict(db.session.execute(sa.select(Posting.code, Posting.id)).all())
    db.session.execute(sa.update(Posting), [
        {"id": ids[p.fields.code], "opened_on": p.opened_on,
         "created_at": dt.datetime.combine(p.opened_on, dt.time(9)), "status": PostingStatus.OPEN}
        for p in postings
    ])
    echo(f"已建用工单位 {len(employers)} 个、岗位 {len(postings)} 个，正在生成推荐记录……")
    people = _People.load(on)
    outcomes, referred_by, labor_hires = _simulate(rng, gen, postings, people, plan["referrals"], on)
    result = jobs.apply_outcomes([(i + 2, o) for i, o in enumerate(outcomes)], source="演示",
                                 referred_by={i + 2: b for i, b in enumerate(referred_by) if b})
    if not result.ok:
        raise RuntimeError(f"演示推荐记录有误：{[(e.row, e.field, e.reason) for e in result.errors[:3]]}")
    _bridge_register_snapshot(postings, ids)
    _settle_with_register()
    _close_history(postings, ids, on)
    batches = _departure_batches(labor_hires, ids, postings, county, on, people)
    run = subsidies.recompute(county.id, actor="演示数据")
    hires = sum(1 for o in outcomes if o.started_on)
    echo(f"已生成推荐记录 {len(outcomes)} 条（录用 {hires} 人次），输出批次 {batches} 个，补贴 {run.added} 条")


def _brokers(context: dict) -> list[User]:
    from jobmatch.demo import COUNTY, DEMO_PASSWORD

    found = [u for u in context["users"] if u.role is Role.BROKER]
    for username, name in DEMO_BROKERS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            user = create_user(username, DEMO_PASSWORD, Role.BROKER, COUNTY, display_name=name,
                               work_phone=f"1390000{len(found) + 1:04d}", actor="演示数据")
            context["users"].append(user)
        found.append(user)
    return found


@dataclass
class _Employer:
    name: str
    kind: EmployerKind
    channel: Channel
    site: Site | None
    quality: float
    province: str = "陕西"
    lines: list = field(default_factory=list)
    place: str | None = None
    is_park: bool = False
    workforce: int | None = None


def _employer_catalogue(rng: random.Random, sites: list[Site], plan: dict, county: Region) -> list[_Employer]:
    out: list[_Employer] = []
    for site in sites:
        if rng.random() < 0.8:
            product, title, skill = rng.choice(FACTORY_LINES)
            town = site.township.name[:-1]
            kind = rng.choice(FACTORY_KINDS)
            park = rng.random() < 0.2
            out.append(_Employer(f"{town}{site.name[len(town):-3]}{product}{kind}", EmployerKind.COMMUNITY_FACTORY,
                                 Channel.COMMUNITY_FACTORY, site, rng.gauss(0, 0.6), lines=[(title, skill)],
                                 is_park=park, workforce=rng.randint(30, 160) if park else None))
    townships = sorted({s.township for s in sites}, key=lambda t: t.id)
    for township in townships:
        town_sites = [s for s in sites if s.township_id == township.id]
        out.append(_Employer(f"{township.name}人民政府", EmployerKind.PUBLIC_WELFARE_UNIT, Channel.PUBLIC_WELFARE,
                             town_sites[0], rng.gauss(0, 0.3)))
        for site in town_sites[1:3]:
            out.append(_Employer(f"{site.name}社区居委会", EmployerKind.PUBLIC_WELFARE_UNIT, Channel.PUBLIC_WELFARE,
                                 site, rng.gauss(0, 0.3)))
    for province, city in STATIONS[:plan["stations"]]:
        for n in range(plan["companies"]):
            kind, *_rest = job = EXPORT_JOBS[(n + len(city)) % len(EXPORT_JOBS)]
            out.append(_Employer(f"{city}{'鑫华源盛达宏恒泰丰嘉瑞'[n % 10]}{kind}有限公司（{province}劳务协作站）",
                                 EmployerKind.LABOR_EXPORT_PARTNER, Channel.LABOR_EXPORT, None, rng.gauss(0, 0.7),
                                 province=province, lines=[job], place=f"{province}{city}" if province != city else city))
    for n in range(plan["enterprises"]):
        for company in sorted({c for c, *_ in COUNTY_JOBS}):
            site = rng.choice(sites)
            out.append(_Employer(f"{county.name[:-1]}{site.township.name[:-1]}{'兴盛华康宏'[n % 5]}{company}",
                                 EmployerKind.ENTERPRISE, Channel.ENTERPRISE, site, rng.gauss(0, 0.6),
                                 lines=[j for j in COUNTY_JOBS if j[0] == company], place=f"{county.name}{site.township.name}"))
    for company, place, *job in IN_PROVINCE_JOBS:
        out.append(_Employer(company, EmployerKind.OTHER, Channel.OTHER, None, rng.gauss(0, 0.5), lines=[job], place=place))
    return out


def _plan_postings(rng, employers, plan, on, brokers, skill_ids, cert_ids, sites) -> list[PlannedPosting]:
    weights = {Channel.COMMUNITY_FACTORY: 3.0, Channel.PUBLIC_WELFARE: 1.5, Channel.LABOR_EXPORT: 2.5,
               Channel.ENTERPRISE: 2.5, Channel.OTHER: 0.5}
    by_channel = defaultdict(list)
    for e in employers:
        by_channel[e.channel].append(e)
    channels = list(by_channel)
    channel_weights = [weights[c] for c in channels]
    out: list[PlannedPosting] = []
    total = plan["open"] + plan["history"]
    for n in range(total):
        is_open = n < plan["open"]
        employer = rng.choice(by_channel[rng.choices(channels, channel_weights)[0]])
        if is_open:
            opened = on - dt.timedelta(days=rng.randrange(1, 61))
            deadline = on + dt.timedelta(days=rng.randrange(7, 120))
        else:
            opened = on - dt.timedelta(days=rng.randrange(45, HISTORY_DAYS))
            deadline = min(opened + dt.timedelta(days=rng.randrange(20, 91)), on - dt.timedelta(days=1))
        out.append(_posting(rng, employer, f"GW{n + 1:05d}", opened, deadline, brokers, skill_ids, cert_ids))
        out[-1].closed_manually = not is_open and rng.random() < 0.12
    return out


def _posting(rng, e: _Employer, code, opened, deadline, brokers, skill_ids, cert_ids) -> PlannedPosting:
    must = nice = cert = None
    site = e.site
    board = False
    workplace = e.place or (site.full_name if site else None)
    if e.channel is Channel.COMMUNITY_FACTORY:
        title, skill = e.lines[0]
        must, nice = (skill, None) if rng.random() < 0.4 else (None, skill)
        intensity, hours = "轻", rng.choice(["弹性", "弹性", "白班"])
        low, headcount, ages = rng.randrange(18, 30) * 100, rng.randint(5, 30), (18, 60)
    elif e.channel is Channel.PUBLIC_WELFARE:
        title, skill, intensity = rng.choice(WELFARE_POSTS)
        nice, hours = skill, rng.choice(["弹性", "白班"])
        low, headcount, ages = rng.choice([1000, 1200, 1500]), rng.randint(1, 6), (18, 65)
    elif e.channel is Channel.LABOR_EXPORT:
        _kind, title, must, nice, cert, intensity, hours, floor = e.lines[0]
        low, headcount, ages, board = floor + rng.randrange(-5, 10) * 100, rng.randint(10, 60), (18, 50), rng.random() < 0.8
        title = f"{e.place[-2:]}{title}"
    elif e.channel is Channel.ENTERPRISE:
        _company, title, must, nice, cert, intensity, hours, floor = rng.choice(e.lines)
        low, headcount, ages = floor + rng.randrange(-3, 6) * 100, rng.randint(2, 15), (18, 55)
        if cert and rng.random() < 0.5:
            cert = None  # many local employers do not insist
    else:
        title, nice, intensity, hours, floor = e.lines[0]
        low, headcount, ages, board = floor + rng.randrange(-3, 6) * 100, rng.randint(5, 20), (18, 50), rng.random() < 0.6
    high = low + rng.randrange(5, 25) * 100
    education = rng.choice([None] * 6 + [Education.JUNIOR] * 3 + [Education.SENIOR])
    fields = PostingFields(
        code=code, employer=e.name, channel=e.channel, title=title, headcount=headcount, workplace=workplace,
        province=e.province, site=site.name if site and e.channel in (Channel.COMMUNITY_FACTORY, Channel.PUBLIC_WELFARE) else None,
        min_age=ages[0], max_age=ages[1], education=education, must_skills=[must] if must else [],
        nice_skills=[nice] if nice else [], certificates=[cert] if cert else [],
        intensity=_label_enum("Intensity", intensity), hours=_label_enum("WorkHours", hours),
        wage_min=float(low), wage_max=float(high), board_lodging=board, deadline=deadline,
    )
    if site is not None:
        fields.longitude, fields.latitude = site.longitude, site.latitude
    # brokers own most labor-export and enterprise postings, stations and staff the rest
    share = 0.7 if e.channel in (Channel.LABOR_EXPORT, Channel.ENTERPRISE, Channel.OTHER) else 0.25
    owner = rng.choice(brokers).id if rng.random() < share else None
    planned = PlannedPosting(fields, (e.channel, e.name), opened, e.quality, owner,
                             must=[skill_ids[must]] if must else [], nice=[skill_ids[nice]] if nice else [],
                             cert=cert_ids.get(cert) if cert else None,
                             lon=site.longitude if site else None, lat=site.latitude if site else None)
    if e.channel is Channel.LABOR_EXPORT:
        span = max((deadline - opened).days, 1)
        planned.departures = sorted({opened + dt.timedelta(days=rng.randrange(10, span + 20)) for _ in range(rng.randint(1, 3))})
    return planned


def _label_enum(name: str, label: str):
    from jobmatch.jobs import enums

    return getattr(enums, name).from_label(label)


def _finish_employers(employers: list[_Employer], county: Region) -> None:
    by_name = {e.name: e for e in employers}
    rows = db.session.scalars(sa.select(Employer).where(Employer.county_id == county.id)).all()
    for row in rows:
        e = by_name.get(row.name)
        if e is None:
            continue
        row.site_id = e.site.id if e.site else None
        row.is_park, row.workforce = e.is_park, e.workforce
        row.workforce_on = today() - dt.timedelta(days=40) if e.workforce else None
        row.contact_name = "办公室"
    db.session.flush()


class _People:
    """Register columns as arrays for the simulation."""

    @classmethod
    def load(cls, on: dt.date) -> _People:
        self = cls()
        rows = db.session.execute(sa.select(
            Person.id, Person.id_number_enc, Person.birth_date, sa.type_coerce(Person.labor_capacity, sa.String),
            sa.type_coerce(Person.employment_status, sa.String), sa.type_coerce(Person.work_preference, sa.String),
            Person.expected_wage, Person.has_care_duty, Person.is_monitored, Person.site_id, Person.household_id,
            sa.type_coerce(Person.education, sa.String), Person.broker_consent_on,
        ).order_by(Person.id)).all()
        p = protector()
        n = len(rows)
        self.ids = np.array([r[0] for r in rows])
        self.id_numbers = [p.decrypt(r[1]) for r in rows]
        self.age = np.array([(on - r[2]).days / 365.25 for r in rows])
        self.capacity = np.array([r[3] for r in rows])
        status = np.array([r[4] for r in rows])
        self.preference = np.array([r[5] or "NONE" for r in rows])
        self.expected = np.array([r[6] if r[6] is not None else np.nan for r in rows])
        self.care = np.array([bool(r[7]) for r in rows])
        self.monitored = np.array([bool(r[8]) for r in rows])
        site = np.array([r[9] for r in rows])
        household = np.array([r[10] for r in rows])
        self.education = np.array([Education[r[11]].rank if r[11] else 0 for r in rows])
        self.consent = [r[12] for r in rows]
        coords = dict((s, (x, y)) for s, x, y in db.session.execute(sa.select(Site.id, Site.longitude, Site.latitude)))
        self.lon = np.array([coords[s][0] or np.nan for s in site])
        self.lat = np.array([coords[s][1] or np.nan for s in site])
        site_ids = sorted(coords)
        self.site_index = np.searchsorted(site_ids, site)
        self.site_lon = np.array([coords[s][0] or np.nan for s in site_ids])
        self.site_lat = np.array([coords[s][1] or np.nan for s in site_ids])
        able = (self.age >= 16) & (self.age < 61) & (self.capacity != "NONE") & (status != "STUDENT")
        employed = np.isin(status, ["LOCAL", "IN_PROVINCE", "OUT_OF_PROVINCE", "PUBLIC_WELFARE", "SELF_EMPLOYED"])
        _, hh = np.unique(household, return_inverse=True)
        able_n = np.bincount(hh, weights=able)[hh]
        working = np.bincount(hh, weights=able & employed)[hh]
        self.zero = (able_n > 0) & (working == 0)
        self.seeking = np.isin(status, ["UNEMPLOYED", "OTHER"]) & (self.capacity != "NONE") & (self.age >= 16)
        index = {pid: i for i, pid in enumerate(self.ids.tolist())}
        skills = sorted(db.session.scalars(sa.select(Skill.id)))
        self.skill_col = {sid: j for j, sid in enumerate(skills)}
        self.skills = np.zeros((n, len(skills)), dtype=bool)
        for pid, sid in db.session.execute(sa.select(PersonSkill.person_id, PersonSkill.skill_id)
                                           .where(PersonSkill.skill_id.is_not(None))):
            self.skills[index[pid], self.skill_col[sid]] = True
        self.certs: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(n, dtype=bool))
        for pid, cid, implied in db.session.execute(
            sa.select(PersonCertificate.person_id, PersonCertificate.certificate_id, Certificate.skill_id)
            .join(Certificate, Certificate.id == PersonCertificate.certificate_id)
        ):
            self.certs[cid][index[pid]] = True
            if implied:
                self.skills[index[pid], self.skill_col[implied]] = True
        return self

    def site_km(self, lon: float, lat: float) -> np.ndarray:
        """Kilometres from every person's site to a point."""
        from jobmatch.jobs.shortlist import haversine_km

        return haversine_km(self.site_lon, self.site_lat, lon, lat)[self.site_index]


def _km1(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle kilometres between two points (scalar; NaN when one is unknown)."""
    if any(v is None or v != v for v in (lon1, lat1, lon2, lat2)):
        return math.nan
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def _pool(people: _People, q: PlannedPosting) -> np.ndarray:
    """Who passes the posting's hard limits (today's register; see jobs.shortlist)."""
    f = q.fields
    ok = people.seeking & (people.age >= f.min_age) & (people.age < f.max_age + 1)
    place_out = f.province != "陕西"
    place_local = f.channel in (Channel.COMMUNITY_FACTORY, Channel.PUBLIC_WELFARE, Channel.ENTERPRISE)
    if place_out:
        ok &= np.isin(people.preference, ["OUT_OF_PROVINCE", "ANY"]) & ~people.care
    elif not place_local:
        ok &= np.isin(people.preference, ["IN_PROVINCE", "OUT_OF_PROVINCE", "ANY"])
    if f.hours is not None and f.hours.is_shift:
        ok &= ~people.care
    if f.intensity is not None and f.intensity.name == "HEAVY":
        ok &= people.capacity == "FULL"
    if q.cert is not None:
        ok &= people.certs[q.cert]
    if f.channel is Channel.PUBLIC_WELFARE:
        ok &= np.isin(people.capacity, ["WEAK", "HALF"]) | people.monitored | people.zero
    return ok


def _simulate(rng, gen, postings: list[PlannedPosting], people: _People, target: int, on: dt.date):
    """Referral events in date order; each person's placements never overlap, postings never over-fill."""
    weights = np.array([(p.fields.headcount ** 0.7) * min(1.0, ((min(p.fields.deadline, on) - p.opened_on).days + 1) / 60)
                        for p in postings])
    counts = gen.multinomial(target, weights / weights.sum())
    events = []
    queues: dict[int, list[int]] = {}
    pools: dict[tuple, np.ndarray] = {}
    consenting = np.array([c is not None for c in people.consent])
    for qi, (q, k) in enumerate(zip(postings, counts, strict=True)):
        if not k:
            continue
        f = q.fields
        key = (f.min_age, f.max_age, f.province, f.channel, f.hours, f.intensity, q.cert, q.broker_id is not None)
        if key not in pools:
            pool = _pool(people, q)
            if q.broker_id is not None:
                pool &= consenting
            pools[key] = np.flatnonzero(pool)
        members = pools[key]
        if not len(members):
            continue
        if len(members) > 3000:  # brokers look at a few thousand people, not the whole county
            members = gen.choice(members, 3000, replace=False)
        score = np.zeros(len(members))
        if q.must:
            score += 1.6 * people.skills[members[:, None], [people.skill_col[s] for s in q.must]].all(axis=1)
        if q.nice:
            score += 0.7 * people.skills[members[:, None], [people.skill_col[s] for s in q.nice]].any(axis=1)
        if q.lon is not None:
            score -= 0.05 * np.nan_to_num(people.site_km(q.lon, q.lat)[members], nan=30)
        score += 0.5 * people.zero[members]
        keys = score + gen.gumbel(size=len(members))  # Gumbel top-k: a weighted sample without replacement
        take = min(len(members), 4 * k + 8)
        top = np.argpartition(-keys, take - 1)[:take]
        queues[qi] = members[top[np.argsort(-keys[top])]].tolist()
        span = max((min(f.deadline, on) - q.opened_on).days, 0)
        for _ in range(k):
            events.append((q.opened_on + dt.timedelta(days=rng.randint(0, span)), qi))
    events.sort()
    busy: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    referred: set[tuple[int, int]] = set()
    hires = defaultdict(int)
    outcomes: list[OutcomeFields] = []
    referred_by: list[int | None] = []
    labor_hires: list[tuple[int, int, dt.date]] = []
    far = dt.date.max
    for day, qi in events:
        q = postings[qi]
        f = q.fields
        person = None
        queue = queues[qi]
        while queue:
            i = queue.pop(0)
            if (i, qi) in referred or any(s <= day <= e for s, e in busy[i]):
                continue
            if q.broker_id is not None and (people.consent[i] is None or people.consent[i] > day):
                continue
            person = i
            break
        if person is None:
            continue
        referred.add((person, qi))
        outcome, start, end = _outcome(rng, q, people, person, day, on)
        if start is not None:
            end_or_far = end or far
            if hires[qi] >= f.headcount:
                outcome, start, end = ReferralOutcome.REJECTED, None, None
            elif any(s <= end_or_far and start <= e for s, e in busy[person]):
                outcome, start, end = ReferralOutcome.DECLINED, None, None
            else:
                hires[qi] += 1
                busy[person].append((start, end_or_far))
                if f.channel is Channel.LABOR_EXPORT:
                    labor_hires.append((qi, person, start))
        outcomes.append(OutcomeFields(people.id_numbers[person], f.code, day, outcome, start, end))
        referred_by.append(q.broker_id)
    return outcomes, referred_by, labor_hires


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _outcome(rng, q: PlannedPosting, people: _People, i: int, day: dt.date, on: dt.date):
    """The hidden process: take it or not, hire or not, and how long the person stays."""
    f = q.fields
    expected = people.expected[i]
    wage = (f.wage_min + f.wage_max) / 2
    gap = 0.0 if np.isnan(expected) else (wage - expected) / 1000
    local = q.lon is not None
    dist = _km1(float(people.lon[i]), float(people.lat[i]), q.lon, q.lat) if local else 0.0
    dist = 20.0 if dist != dist else dist
    far_away = f.province != "陕西"
    care_fixed = bool(people.care[i]) and f.hours is not None and f.hours.name != "FLEXIBLE"
    must_fit = 1.0 if not q.must else float(all(people.skills[i, people.skill_col[s]] for s in q.must))
    nice_fit = 0.0 if not q.nice else float(any(people.skills[i, people.skill_col[s]] for s in q.nice))
    age = people.age[i]
    weak = people.capacity[i] in ("WEAK", "HALF") and f.channel is not Channel.PUBLIC_WELFARE
    edu_ok = f.education is None or people.education[i] >= f.education.rank
    decline = _sigmoid(-1.6 - 0.7 * gap + 0.06 * dist + 0.9 * care_fixed - 0.6 * (far_away and f.board_lodging)
                       + 0.4 * far_away + rng.gauss(0, 0.5))
    if rng.random() < decline:
        return _pending_or(rng, day, on, ReferralOutcome.DECLINED)
    hire = _sigmoid(0.2 + 1.4 * (must_fit - 0.5) + 0.5 * nice_fit + 0.6 * q.quality - ((age - 36) / 14) ** 2
                    + 0.4 * edu_ok - 0.8 * weak + rng.gauss(0, 0.6))
    if rng.random() >= hire:
        return _pending_or(rng, day, on, ReferralOutcome.REJECTED)
    if q.departures:
        start = next((d for d in q.departures if d >= day + dt.timedelta(days=3)), day + dt.timedelta(days=rng.randint(3, 15)))
    else:
        start = day + dt.timedelta(days=rng.randint(3, 20))
    if start > on or (on - day).days < 10:
        return rng.choice([ReferralOutcome.REFERRED, ReferralOutcome.INTERVIEW]), None, None
    stay = (0.45 * gap + 0.55 * q.quality - 0.04 * dist - 0.7 * care_fixed + 0.35 * (far_away and f.board_lodging)
            + 0.3 * must_fit + 0.2 * nice_fit - 0.5 * (age < 23) + 0.2 * (age > 40) - 0.3 * weak + rng.gauss(0, 0.6))
    days = int(rng.expovariate(1 / (230 * math.exp(stay)))) + 1
    end = start + dt.timedelta(days=days)
    if end >= on:
        return ReferralOutcome.HIRED, start, None
    return ReferralOutcome.LEFT, start, end


def _pending_or(rng, day: dt.date, on: dt.date, outcome: ReferralOutcome):
    if (on - day).days < 14:
        return rng.choice([ReferralOutcome.REFERRED, ReferralOutcome.INTERVIEW]), None, None
    return outcome, None, None


def _bridge_register_snapshot(postings: list[PlannedPosting], ids: dict[str, int]) -> None:
    """Placements running when the demo register was first taken (a year ago) outlast that snapshot.

    The snapshot says "未就业" for these job seekers; the placement's status is recorded again the
    day after it (and the exit, when there is one), so the history agrees with the placements.
    """
    from jobmatch.jobs.channels import placement_status
    from jobmatch.people.enums import EmploymentStatus, StatusSource
    from jobmatch.people.models import StatusEvent
    from jobmatch.people.services import DatedChange, record_dated_changes

    baseline = db.session.scalar(sa.select(sa.func.min(StatusEvent.effective_on))
                                 .where(StatusEvent.source == StatusSource.DEMO))
    if baseline is None:
        return
    spanning = db.session.scalars(
        sa.select(Referral).where(Referral.started_on < baseline,
                                  sa.or_(Referral.ended_on.is_(None), Referral.ended_on > baseline))
        .options(sa.orm.joinedload(Referral.posting).joinedload(Posting.county),
                 sa.orm.joinedload(Referral.posting).joinedload(Posting.employer))).all()
    changes = []
    for r in spanning:
        status = placement_status(r.posting)
        changes.append(DatedChange(r.person_id, status, baseline + dt.timedelta(days=1),
                                   workplace=r.posting.employer.name, note=f"录用：{r.posting.code}（台账建立前入职）"))
        if r.ended_on is not None:
            changes.append(DatedChange(r.person_id, EmploymentStatus.UNEMPLOYED, r.ended_on,
                                       note=f"离职：{r.posting.code}", only_if=status))
    record_dated_changes(changes, source=StatusSource.PLACEMENT, actor="演示数据")


def _settle_with_register() -> None:
    """A placement still open when the register later records another status (came home, changed job) ends then."""
    from jobmatch.jobs.channels import placement_status
    from jobmatch.jobs.models import ReferralEvent
    from jobmatch.people.enums import StatusSource
    from jobmatch.people.models import StatusEvent

    active = db.session.scalars(
        sa.select(Referral).where(Referral.started_on.is_not(None), Referral.ended_on.is_(None))
        .options(sa.orm.joinedload(Referral.posting).joinedload(Posting.county))).all()
    later = defaultdict(list)
    for pid, day, status in db.session.execute(
        sa.select(StatusEvent.person_id, StatusEvent.effective_on, StatusEvent.status)
        .where(StatusEvent.person_id.in_([r.person_id for r in active]), StatusEvent.source != StatusSource.PLACEMENT)
        .order_by(StatusEvent.effective_on)
    ):
        later[pid].append((day, status))
    for r in active:
        status = placement_status(r.posting)
        end = next((day for day, other in later[r.person_id] if day > r.started_on and other is not status), None)
        if end is not None:
            r.ended_on, r.outcome, r.outcome_on = end, ReferralOutcome.LEFT, end
            db.session.add(ReferralEvent(referral_id=r.id, outcome=ReferralOutcome.LEFT, happened_on=end, note="演示"))
    db.session.flush()


def _close_history(postings: list[PlannedPosting], ids: dict[str, int], on: dt.date) -> None:
    """Past postings end filled (on the last start), closed by hand, or expired after their deadline."""
    last_start = dict(db.session.execute(sa.select(Referral.posting_id, sa.func.max(Referral.started_on))
                                         .where(Referral.started_on.is_not(None)).group_by(Referral.posting_id)).all())
    status = dict(db.session.execute(sa.select(Posting.id, Posting.status)).all())
    updates = []
    for p in postings:
        pid = ids[p.fields.code]
        if status[pid] is PostingStatus.FILLED:
            updates.append({"id": pid, "closed_on": last_start.get(pid) or p.fields.deadline})
        elif p.closed_manually and status[pid] in (PostingStatus.OPEN, PostingStatus.EXPIRED):
            closed = p.opened_on + (p.fields.deadline - p.opened_on) * 2 // 3
            updates.append({"id": pid, "status": PostingStatus.CLOSED, "closed_on": closed})
    if updates:
        db.session.execute(sa.update(Posting), updates)
    jobs.expire_overdue(on)
    db.session.flush()


def _departure_batches(labor_hires, ids, postings, county: Region, on: dt.date, people: _People) -> int:
    """Organised departures: labor-export hires leaving together on the same day become a batch."""
    groups = defaultdict(list)
    for qi, person, start in labor_hires:
        if (on - start).days <= 365:
            groups[(qi, start)].append(person)
    referral_of = {}
    for rid, pid, posting_id in db.session.execute(
        sa.select(Referral.id, Referral.person_id, Referral.posting_id).where(Referral.started_on.is_not(None))
    ):
        referral_of[(pid, posting_id)] = rid
    made = 0
    for (qi, start), members in sorted(groups.items(), key=lambda item: item[0][1]):
        if len(members) < 3:
            continue
        q = postings[qi]
        posting_id = ids[q.fields.code]
        employer_id = db.session.scalar(sa.select(Posting.employer_id).where(Posting.id == posting_id))
        batch = DepartureBatch(county_id=county.id, name=f"{start:%Y年%m月%d日}{q.fields.workplace}{q.fields.title}批次",
                               departs_on=start, destination=q.fields.workplace or q.fields.province,
                               employer_id=employer_id, posting_id=posting_id, contact_name="协作站工作人员",
                               note="演示数据")
        db.session.add(batch)
        db.session.flush()
        for i in members:
            pid = int(people.ids[i])
            db.session.add(DepartureMember(batch_id=batch.id, person_id=pid, referral_id=referral_of.get((pid, posting_id))))
        made += 1
    db.session.flush()
    return made
