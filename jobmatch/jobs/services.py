"""Job services: employers, postings and their life cycle, referrals, outcomes and placements.

Services validate and flush; the caller (a view or CLI command) commits once. Region
scope: postings, employers and batches belong to a county and are visible to a user whose
scope holds a site of that county; referrals are visible through the referred person's site.
A broker sees only their own postings and the referrals they made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.accounts.models import Role, User
from jobmatch.database import today as _today
from jobmatch.errors import Conflict, NotFound, PermissionDenied, ValidationError
from jobmatch.extensions import db
from jobmatch.jobs import occupation_codes
from jobmatch.jobs import shortlist as rules
from jobmatch.jobs.channels import (
    PUBLIC_WELFARE_MAX_DAYS,
    months_label,
    placement_status,
    public_welfare_days,
)
from jobmatch.jobs.enums import (
    EMPLOYER_KIND_OF_CHANNEL,
    OUTCOME_STAGE,
    TRANSITIONS,
    Channel,
    EmployerKind,
    PostingStatus,
    ReferralOutcome,
    WorkHours,
)
from jobmatch.jobs.models import (
    Employer,
    Posting,
    PostingCertificate,
    PostingSkill,
    Referral,
    ReferralEvent,
)
from jobmatch.jobs.validation import OutcomeFields, PostingFields, outcome_date_errors, parse_posting_fields
from jobmatch.people import services as people
from jobmatch.people.enums import EmploymentStatus, StatusSource
from jobmatch.people.models import Person
from jobmatch.places.models import Region, RegionLevel, Site
from jobmatch.places.services import Scope
from jobmatch.protect import protector
from jobmatch.vocab.services import Vocabulary, ensure_seed

audit.ACTION_LABELS.update({
    "edit_posting": "修改岗位",
    "posting_status": "岗位状态变化",
    "edit_employer": "修改用工单位",
    "refer": "推荐",
    "referral_outcome": "登记推荐结果",
    "edit_batch": "修改输出批次",
    "subsidy_recompute": "计算补贴台账",
    "subsidy_export": "导出补贴台账",
    "edit_subsidy_rules": "修改补贴标准",
    "view_shortlist": "查看候选人名单",
})

PENDING_OR_HIRED = (ReferralOutcome.REFERRED, ReferralOutcome.INTERVIEW, ReferralOutcome.HIRED)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- scope --------------------------------------------------------------------------------------

def county_ids_in(scope: Scope) -> sa.Select:
    """The counties that hold a site of ``scope`` (a subquery for IN clauses)."""
    return sa.select(Site.county_id).where(scope.filter(Site.id)).distinct()


def counties_of(scope: Scope) -> list[Region]:
    """The counties a user's scope touches."""
    return list(db.session.scalars(sa.select(Region).where(Region.id.in_(county_ids_in(scope))).order_by(Region.name)))


def posting_in_scope(scope: Scope) -> sa.ColumnElement[bool]:
    return Posting.county_id.in_(county_ids_in(scope))


def _is_broker(user) -> bool:
    return user is not None and getattr(user, "role", None) is Role.BROKER


# --- employers ------------------------------------------------------------------------------------

def list_employers(scope: Scope, *, kind: EmployerKind | None = None) -> list[Employer]:
    """Employers of the counties in ``scope``."""
    stmt = sa.select(Employer).where(Employer.county_id.in_(county_ids_in(scope)))
    if kind is not None:
        stmt = stmt.where(Employer.kind == kind)
    return list(db.session.scalars(stmt.order_by(Employer.kind, Employer.name).options(sa.orm.joinedload(Employer.site))))


def get_employer(employer_id: int, scope: Scope) -> Employer:
    employer = db.session.scalar(
        sa.select(Employer).where(Employer.id == employer_id, Employer.county_id.in_(county_ids_in(scope)))
    )
    if employer is None:
        raise NotFound("找不到该用工单位，或不在您的管辖范围内")
    return employer


def find_or_create_employer(county_id: int, name: str, kind: EmployerKind, *, site_id: int | None = None,
                            province: str | None = None) -> tuple[Employer, bool]:
    """An employer by (county, name), created with ``kind`` when new."""
    employer = db.session.scalar(sa.select(Employer).where(Employer.county_id == county_id, Employer.name == name))
    if employer is not None:
        return employer, False
    employer = Employer(county_id=county_id, name=name, kind=kind, site_id=site_id, province=province)
    db.session.add(employer)
    db.session.flush()
    return employer, True


def save_employer(employer: Employer | None, county: Region, raw: dict, *, actor=None) -> Employer:
    """Create or edit an employer from form values; every problem is reported by field."""
    from jobmatch import values
    from jobmatch.people.idnumber import validate_phone

    errors: dict[str, str] = {}
    name = values.text(raw.get("name"))
    if not name or len(name) > 80:
        errors["name"] = "请填写单位名称（不超过 80 个字）"
    kind = EmployerKind.from_label(values.text(raw.get("kind")))
    if kind is None:
        errors["kind"] = f"应为：{'/'.join(EmployerKind.labels())}"
    site = None
    site_name = values.text(raw.get("site"))
    if site_name:
        site = db.session.scalar(sa.select(Site).where(Site.name == site_name, Site.county_id == county.id))
        if site is None:
            errors["site"] = f"本县没有名为“{site_name}”的安置点"
    phone = values.text(raw.get("contact_phone")) or None
    if phone:
        try:
            phone = validate_phone(phone)
        except ValueError as exc:
            errors["contact_phone"] = str(exc)
    workforce = None
    try:
        workforce = values.parse_number(raw.get("workforce"), integer=True)
    except ValueError as exc:
        errors["workforce"] = str(exc)
    clash = db.session.scalar(sa.select(Employer.id).where(
        Employer.county_id == county.id, Employer.name == name, Employer.id != (employer.id if employer else -1)))
    if clash:
        errors["name"] = "本县已有同名用工单位"
    if errors:
        raise ValidationError("用工单位信息有误", fields=errors)
    if employer is None:
        employer = Employer(county_id=county.id, name=name, kind=kind)
        db.session.add(employer)
    employer.name, employer.kind = name, kind
    employer.site_id = site.id if site else None
    employer.is_park = bool(raw.get("is_park"))
    for key, limit in (("province", 20), ("address", 120), ("contact_name", 40)):
        setattr(employer, key, (values.text(raw.get(key)) or None) and values.text(raw.get(key))[:limit])
    employer.contact_phone = phone
    if workforce != employer.workforce:
        employer.workforce, employer.workforce_on = workforce, _today() if workforce is not None else None
    db.session.flush()
    audit.record("edit_employer", "employer", employer.id, actor=actor, name=name)
    return employer


# --- postings --------------------------------------------------------------------------------------

def get_posting(posting_id: int, scope: Scope, *, broker: User | None = None) -> Posting:
    """A posting inside ``scope``; for a broker, only one they own."""
    stmt = sa.select(Posting).where(Posting.id == posting_id, posting_in_scope(scope))
    if broker is not None:
        stmt = stmt.where(Posting.broker_id == broker.id)
    posting = db.session.scalar(stmt)
    if posting is None:
        raise NotFound("找不到该岗位，或不在您的管辖范围内")
    refresh_posting_status(posting)
    return posting


def find_posting_by_code(code: str) -> Posting | None:
    return db.session.scalar(sa.select(Posting).where(Posting.code == (code or "").strip()))


@dataclass
class PostingPage:
    postings: list[Posting]
    hires: dict[int, int]
    total: int


def list_postings(scope: Scope, *, broker: User | None = None, status: PostingStatus | None = None,
                  channel: Channel | None = None, q: str | None = None, limit: int = 100, offset: int = 0) -> PostingPage:
    """Postings of the scope (a broker: their own), newest first, with hires per posting."""
    expire_overdue()
    stmt = sa.select(Posting).where(posting_in_scope(scope))
    if broker is not None:
        stmt = stmt.where(Posting.broker_id == broker.id)
    if status is not None:
        stmt = stmt.where(Posting.status == status)
    if channel is not None:
        stmt = stmt.where(Posting.channel == channel)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(sa.or_(Posting.title.like(like), Posting.code.like(like),
                                 Posting.employer_id.in_(sa.select(Employer.id).where(Employer.name.like(like)))))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    postings = list(db.session.scalars(
        stmt.order_by(Posting.id.desc()).limit(limit).offset(offset).options(sa.orm.joinedload(Posting.employer))
    ))
    return PostingPage(postings, hires_by_posting([p.id for p in postings]), total)


def hires_by_posting(posting_ids: list[int]) -> dict[int, int]:
    """Hires (录用, including those who later left) per posting."""
    found: dict[int, int] = {}
    for chunk in _chunks(posting_ids, 900):
        found.update(db.session.execute(
            sa.select(Referral.posting_id, sa.func.count())
            .where(Referral.posting_id.in_(chunk), Referral.started_on.is_not(None))
            .group_by(Referral.posting_id)
        ).all())
    return found


def hires_count(posting_id: int) -> int:
    return hires_by_posting([posting_id]).get(posting_id, 0)


def next_posting_code() -> str:
    """A fresh 岗位编号 (GW + five or more digits) after the highest one in use."""
    codes = db.session.scalars(sa.select(Posting.code).where(Posting.code.like("GW%"))).all()
    numbers = [int(c[2:]) for c in codes if c[2:].isdigit()]
    return f"GW{(max(numbers) + 1 if numbers else 1):05d}"


def expire_overdue(on: dt.date | None = None) -> int:
    """Open postings whose deadline has passed become 已过期 (the day after the deadline)."""
    on = on or _today()
    overdue = list(db.session.execute(
        sa.select(Posting.id, Posting.deadline).where(Posting.status == PostingStatus.OPEN, Posting.deadline < on)
    ).all())
    if not overdue:
        return 0
    db.session.execute(sa.update(Posting), [
        {"id": pid, "status": PostingStatus.EXPIRED, "closed_on": deadline + dt.timedelta(days=1)}
        for pid, deadline in overdue
    ])
    db.session.flush()
    return len(overdue)


def refresh_posting_status(posting: Posting, on: dt.date | None = None) -> PostingStatus:
    """Bring a posting's status up to date: expired after its deadline, filled when hires reach headcount."""
    on = on or _today()
    before = posting.status
    if posting.status in (PostingStatus.OPEN, PostingStatus.FILLED):
        hires = hires_count(posting.id)
        if posting.status is PostingStatus.OPEN and hires >= posting.headcount:
            posting.status, posting.closed_on = PostingStatus.FILLED, on
        elif posting.status is PostingStatus.FILLED and hires < posting.headcount:
            posting.status, posting.closed_on = PostingStatus.OPEN, None
    if posting.status is PostingStatus.OPEN and posting.deadline is not None and posting.deadline < on:
        posting.status, posting.closed_on = PostingStatus.EXPIRED, posting.deadline + dt.timedelta(days=1)
    if posting.status is not before:
        db.session.flush()
    return posting.status


def refresh_fill_statuses(posting_ids: list[int], on: dt.date | None = None) -> int:
    """``refresh_posting_status`` for many postings at once (after an import); returns how many changed."""
    on = on or _today()
    hires = hires_by_posting(posting_ids)
    updates = []
    for chunk in _chunks(posting_ids, 900):
        for pid, status, headcount in db.session.execute(
            sa.select(Posting.id, Posting.status, Posting.headcount).where(Posting.id.in_(chunk))
        ):
            if status is PostingStatus.OPEN and hires.get(pid, 0) >= headcount:
                updates.append({"id": pid, "status": PostingStatus.FILLED, "closed_on": on})
            elif status is PostingStatus.FILLED and hires.get(pid, 0) < headcount:
                updates.append({"id": pid, "status": PostingStatus.OPEN, "closed_on": None})
    if updates:
        db.session.execute(sa.update(Posting), updates)
    expire_overdue(on)
    return len(updates)


def _find_site(name: str | None, county_id: int | None) -> tuple[Site | None, str | None]:
    if not name:
        return None, None
    stmt = sa.select(Site).where(Site.name == name)
    if county_id is not None:
        stmt = stmt.where(Site.county_id == county_id)
    sites = db.session.scalars(stmt).all()
    if len(sites) == 1:
        return sites[0], None
    return None, (f"找不到安置点“{name}”" if not sites else f"有多个名为“{name}”的安置点，请由县级账号导入")


def _posting_values(f: PostingFields, county_id: int, site: Site | None, employer_id: int) -> dict:
    return {
        "county_id": county_id, "employer_id": employer_id, "channel": f.channel, "title": f.title,
        "headcount": f.headcount, "workplace": f.workplace, "province": f.province,
        "site_id": site.id if site else None, "longitude": f.longitude, "latitude": f.latitude,
        "min_age": f.min_age, "max_age": f.max_age, "education": f.education, "intensity": f.intensity,
        "hours": f.hours, "wage_min": f.wage_min, "wage_max": f.wage_max, "board_lodging": f.board_lodging,
        "deadline": f.deadline,
    }


def _requirements(posting: Posting) -> tuple[list[str], list[str], list[str]]:
    return ([s.raw for s in posting.must_skills], [s.raw for s in posting.nice_skills],
            [c.raw for c in posting.certificates])


def _set_requirements(posting: Posting, f: PostingFields, vocab: Vocabulary) -> None:
    if (f.must_skills, f.nice_skills, f.certificates) == _requirements(posting) and posting.id is not None:
        return
    if posting.id is not None:
        # old rows go first: the same text may come back, and the unique keys must not clash
        posting.skills.clear()
        posting.certificates.clear()
        db.session.flush()
    posting.skills = [
        PostingSkill(raw=raw, skill_id=vocab.skill_id(raw), is_required=required, position=i)
        for required, items in ((True, f.must_skills), (False, f.nice_skills)) for i, raw in enumerate(items)
    ]
    if not f.certificate_ids and f.certificates:
        for raw in f.certificates:
            parsed, cert_id = vocab.certificate(raw)
            f.certificate_ids.append((cert_id, parsed.level))
    posting.certificates = [
        PostingCertificate(raw=raw, certificate_id=cert_id, level=level, position=i)
        for i, (raw, (cert_id, level)) in enumerate(zip(f.certificates, f.certificate_ids, strict=True))
    ]


def _check_deadline(deadline: dt.date | None, on: dt.date) -> None:
    if deadline is not None and deadline < on:
        msg = f"截止日期 {deadline:%Y-%m-%d} 已过：新发布的岗位截止日期不能早于今天"
        raise ValidationError(msg, fields={"deadline": msg})


def _raise_fields(errors: dict[str, str], labels: dict[str, str] | None = None) -> None:
    if errors:
        first = next(iter(errors.items()))
        label = (labels or {}).get(first[0], "")
        raise ValidationError(f"{label + '：' if label else ''}{first[1]}" if len(errors) == 1
                              else f"有 {len(errors)} 处需要修改", fields=errors)


def save_posting(raw: dict, *, county: Region, actor=None, broker: User | None = None, posting: Posting | None = None,
                 publish: bool = False, on: dt.date | None = None) -> Posting:
    """Create or edit a posting from form values (the code is generated); a new or published one needs a future deadline."""
    on = on or _today()
    ensure_seed()
    vocab = Vocabulary()
    f, errors = parse_posting_fields(raw, on, vocab, require_code=False)
    site = None
    if "site" not in errors and f.site:
        site, problem = _find_site(f.site, county.id)
        if problem:
            errors["site"] = problem
    if posting is not None and "headcount" not in errors:
        hires = hires_count(posting.id)
        if f.headcount < hires:
            errors["headcount"] = f"招聘人数不能少于已录用的 {hires} 人"
    if "deadline" not in errors and (posting is None or publish or f.deadline != posting.deadline):
        try:
            _check_deadline(f.deadline, on)
        except ValidationError as err:
            errors.update(err.fields)
    errors.update(occupation_codes.check_chosen(raw))
    _raise_fields(errors)
    employer, _created = find_or_create_employer(
        county.id, f.employer, EMPLOYER_KIND_OF_CHANNEL[f.channel], site_id=site.id if site else None,
        province=f.province)
    created = posting is None
    if created:
        posting = Posting(code=next_posting_code(), status=PostingStatus.DRAFT, broker_id=getattr(broker, "id", None),
                          created_by_id=getattr(actor, "id", None))
        db.session.add(posting)
    for key, value in _posting_values(f, county.id, site, employer.id).items():
        setattr(posting, key, value)
    _set_requirements(posting, f, vocab)
    db.session.flush()
    occupation_codes.apply_chosen(posting, raw, actor=actor)
    if publish and posting.status is PostingStatus.DRAFT:
        posting.status, posting.opened_on = PostingStatus.OPEN, on
    refresh_posting_status(posting, on)
    db.session.flush()
    audit.record("edit_posting", "posting", posting.id, actor=actor, code=posting.code, created=created)
    return posting


def publish_posting(posting: Posting, *, actor=None, on: dt.date | None = None) -> Posting:
    """Open a draft, or reopen a closed or expired posting (its deadline must not have passed)."""
    on = on or _today()
    if posting.status not in (PostingStatus.DRAFT, PostingStatus.CLOSED, PostingStatus.EXPIRED):
        raise Conflict(f"岗位当前为“{posting.status.label}”，不需要发布")
    _check_deadline(posting.deadline, on)
    if hires_count(posting.id) >= posting.headcount:
        raise Conflict("岗位录用人数已达到招聘人数；如需继续招聘，请先增加招聘人数")
    before = posting.status
    posting.status, posting.closed_on = PostingStatus.OPEN, None
    posting.opened_on = posting.opened_on or on
    db.session.flush()
    audit.record("posting_status", "posting", posting.id, actor=actor, status=posting.status.label, previous=before.label)
    return posting


def close_posting(posting: Posting, *, actor=None, on: dt.date | None = None) -> Posting:
    """Stop recruiting (停止招聘); pending referrals keep their results."""
    on = on or _today()
    if posting.status not in (PostingStatus.OPEN, PostingStatus.DRAFT):
        raise Conflict(f"岗位当前为“{posting.status.label}”，不能关闭")
    before = posting.status
    posting.status, posting.closed_on = PostingStatus.CLOSED, on
    db.session.flush()
    audit.record("posting_status", "posting", posting.id, actor=actor, status=posting.status.label, previous=before.label)
    return posting


@dataclass
class RowProblem:
    row: int
    field: str
    reason: str


@dataclass
class ApplyCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    employers_added: int = 0
    status_changes: int = 0
    errors: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def apply_postings(rows: list[tuple[int, PostingFields]], *, scope: Scope | None = None, actor=None,
                   import_id: int | None = None, dry_run: bool = False, allow_past_deadline: bool = False,
                   broker_ids: dict[int, int] | None = None, on: dt.date | None = None) -> ApplyCounts:
    """Upsert postings by 岗位编号, all or nothing; ``rows`` pair a row number with validated fields.

    A posting's county comes from its site, else the uploader's single county, else the only
    county there is. New postings need a deadline not in the past (``allow_past_deadline`` is for
    the demo history). ``broker_ids`` maps row numbers to owning brokers (demo data).
    """
    on = on or _today()
    result = ApplyCounts()
    err = result.errors.append
    seen: dict[str, int] = {}
    for row_no, f in rows:
        if f.code in seen:
            err(RowProblem(row_no, "code", f"与第{seen[f.code]}行的岗位编号重复"))
        seen.setdefault(f.code, row_no)
    existing: dict[str, Posting] = {}
    for chunk in _chunks(list(seen), 900):
        for p in db.session.scalars(sa.select(Posting).where(Posting.code.in_(chunk))
                                    .options(sa.orm.selectinload(Posting.skills),
                                             sa.orm.selectinload(Posting.certificates))):
            existing[p.code] = p
    allowed_counties = set(db.session.scalars(county_ids_in(scope))) if scope is not None else None
    all_counties = list(db.session.scalars(sa.select(Region.id).where(Region.level == RegionLevel.COUNTY)))
    default_county = None
    if allowed_counties is not None and len(allowed_counties) == 1:
        default_county = next(iter(allowed_counties))
    elif len(all_counties) == 1:
        default_county = all_counties[0]
    sites_by_name: dict[str, list[Site]] = {}
    for s in db.session.scalars(sa.select(Site)):
        sites_by_name.setdefault(s.name, []).append(s)
    hires = hires_by_posting([p.id for p in existing.values()])
    placed: list[tuple[int, PostingFields, int, Site | None, Posting | None]] = []
    for row_no, f in rows:
        current = existing.get(f.code)
        site = None
        county_id = current.county_id if current is not None else None
        if f.site:
            candidates = [s for s in sites_by_name.get(f.site, [])
                          if county_id is None or s.county_id == county_id]
            if allowed_counties is not None and county_id is None:
                candidates = [s for s in candidates if s.county_id in allowed_counties] or candidates
            if len(candidates) != 1:
                err(RowProblem(row_no, "site", f"找不到安置点“{f.site}”" if not candidates
                               else f"有多个名为“{f.site}”的安置点，请由县级账号导入"))
                continue
            site = candidates[0]
            county_id = county_id or site.county_id
        county_id = county_id or default_county
        if county_id is None:
            err(RowProblem(row_no, "site", "无法确定岗位所属的县：请填写“安置点”，或由县级账号导入"))
            continue
        if allowed_counties is not None and county_id not in allowed_counties:
            err(RowProblem(row_no, "code", "该岗位不在您的管辖范围内"))
            continue
        if current is None and not allow_past_deadline and f.deadline is not None and f.deadline < on:
            err(RowProblem(row_no, "deadline", f"截止日期 {f.deadline:%Y-%m-%d} 已过：新岗位的截止日期不能早于今天"))
        if current is not None and f.headcount < hires.get(current.id, 0):
            err(RowProblem(row_no, "headcount", f"招聘人数不能少于已录用的 {hires[current.id]} 人"))
        placed.append((row_no, f, county_id, site, current))
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, e.field))
        return result

    employers: dict[tuple[int, str], int] = {}
    for county_id, name, eid in db.session.execute(sa.select(Employer.county_id, Employer.name, Employer.id)):
        employers[(county_id, name)] = eid
    new_employers = {(c, f.employer): f for _n, f, c, _s, _p in placed if (c, f.employer) not in employers}
    result.employers_added = len(new_employers)
    to_write = []
    for row_no, f, county_id, site, current in placed:
        if current is None:
            result.added += 1
            to_write.append((row_no, f, county_id, site, current))
            continue
        values = _posting_values(f, county_id, site, employers.get((county_id, f.employer), -1))
        same = all(getattr(current, k) == v for k, v in values.items())
        if same and (f.must_skills, f.nice_skills, f.certificates) == _requirements(current):
            result.unchanged += 1
        else:
            result.updated += 1
            to_write.append((row_no, f, county_id, site, current))
    if dry_run:
        return result

    for (county_id, name), f in new_employers.items():
        site_id = next((s.id for _n, g, c, s, _p in placed if c == county_id and g.employer == name and s), None)
        employer = Employer(county_id=county_id, name=name, kind=EMPLOYER_KIND_OF_CHANNEL[f.channel],
                            site_id=site_id, province=f.province)
        db.session.add(employer)
        db.session.flush()
        employers[(county_id, name)] = employer.id
    ensure_seed()
    vocab = Vocabulary()
    touched = []
    for row_no, f, county_id, site, current in to_write:
        posting = current
        if posting is None:
            posting = Posting(code=f.code, status=PostingStatus.OPEN, opened_on=on, import_id=import_id,
                              broker_id=(broker_ids or {}).get(row_no), created_by_id=getattr(actor, "id", None))
            db.session.add(posting)
        for key, value in _posting_values(f, county_id, site, employers[(county_id, f.employer)]).items():
            setattr(posting, key, value)
        _set_requirements(posting, f, vocab)
        touched.append(posting)
    occupation_codes.fill_codes(touched + [p for p in existing.values() if p.csco_code is None and p not in touched])
    db.session.flush()
    for posting in touched:
        if posting in existing.values():
            refresh_posting_status(posting, on)
    db.session.flush()
    return result


# --- referrals ------------------------------------------------------------------------------------------

def referral_in_scope(scope: Scope) -> sa.ColumnElement[bool]:
    """Referrals of people inside ``scope``."""
    return Referral.person_id.in_(sa.select(Person.id).where(scope.filter(Person.site_id)))


def get_referral(referral_id: int, scope: Scope, *, broker: User | None = None) -> Referral:
    """A referral of a person inside ``scope``; a broker sees only the referrals they made."""
    stmt = sa.select(Referral).join(Person, Person.id == Referral.person_id).where(
        Referral.id == referral_id, scope.filter(Person.site_id))
    if broker is not None:
        stmt = stmt.where(Referral.referred_by_id == broker.id)
    referral = db.session.scalar(stmt)
    if referral is None:
        raise NotFound("找不到该推荐记录，或不在您的管辖范围内")
    return referral


def list_referrals(scope: Scope, *, broker: User | None = None, posting: Posting | None = None,
                   person: Person | None = None, outcomes: tuple[ReferralOutcome, ...] | None = None, active_placements: bool = False,
                   limit: int = 200, offset: int = 0) -> tuple[list[Referral], int]:
    """Referrals of people in ``scope`` (a broker: only their own), newest first, and the total."""
    stmt = sa.select(Referral).join(Person, Person.id == Referral.person_id).where(scope.filter(Person.site_id))
    if broker is not None:
        stmt = stmt.where(Referral.referred_by_id == broker.id)
    if posting is not None:
        stmt = stmt.where(Referral.posting_id == posting.id)
    if person is not None:
        stmt = stmt.where(Referral.person_id == person.id)
    if outcomes:
        stmt = stmt.where(Referral.outcome.in_(outcomes))
    if active_placements:
        stmt = stmt.where(Referral.started_on.is_not(None), Referral.ended_on.is_(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    found = list(db.session.scalars(
        stmt.order_by(Referral.referred_on.desc(), Referral.id.desc()).limit(limit).offset(offset)
        .options(sa.orm.joinedload(Referral.person).joinedload(Person.site),
                 sa.orm.joinedload(Referral.posting).joinedload(Posting.employer))
    ))
    return found, total


def open_referral(person_id: int, posting_id: int) -> Referral | None:
    """A referral of the person to the posting that is pending or hired."""
    return db.session.scalar(sa.select(Referral).where(
        Referral.person_id == person_id, Referral.posting_id == posting_id, Referral.outcome.in_(PENDING_OR_HIRED)))


def overlapping_placement(person_id: int, start: dt.date, end: dt.date | None = None, *,
                          exclude: int | None = None) -> Referral | None:
    """A full-time placement of the person overlapping [start, end] (open-ended when ``end`` is None)."""
    stmt = (
        sa.select(Referral).join(Posting, Posting.id == Referral.posting_id)
        .where(Referral.person_id == person_id, Referral.started_on.is_not(None),
               sa.or_(Posting.hours.is_(None), Posting.hours != WorkHours.FLEXIBLE),
               sa.or_(Referral.ended_on.is_(None), Referral.ended_on >= start))
    )
    if end is not None:
        stmt = stmt.where(Referral.started_on <= end)
    if exclude is not None:
        stmt = stmt.where(Referral.id != exclude)
    return db.session.scalars(stmt.order_by(Referral.started_on)).first()


def refer(person: Person, posting: Posting, *, actor=None, on: dt.date | None = None,
          override_reason: str | None = None, note: str | None = None) -> Referral:
    """Refer a person to an open posting.

    Channel rules (public-welfare eligibility and the 3-year cap) are enforced; a person outside
    the posting's own hard limits (age, certificates, intensity, place, shifts) is referred only
    with a recorded reason.
    """
    on = on or _today()
    if on > _today():
        raise ValidationError("推荐日期不能晚于今天")
    refresh_posting_status(posting, on)
    if posting.status is not PostingStatus.OPEN:
        raise Conflict(f"岗位“{posting.title}”当前为“{posting.status.label}”，不能推荐")
    if open_referral(person.id, posting.id) is not None:
        raise Conflict(f"{person.name} 已推荐到该岗位，请先登记上次推荐的结果")
    if db.session.scalar(sa.select(Referral.id).where(
            Referral.person_id == person.id, Referral.posting_id == posting.id, Referral.referred_on == on)):
        raise Conflict(f"{person.name} 今天已推荐过该岗位")
    violations, warnings = rules.check_pair(person, posting, on)
    blocking = [v for v in violations if not v.overridable]
    if blocking:
        raise ValidationError("不能推荐：" + "；".join(v.reason for v in blocking))
    limits = [v for v in violations if v.overridable]
    reason = (override_reason or "").strip()
    if len(reason) > 200:
        raise ValidationError("推荐理由不能超过 200 个字", fields={"override_reason": "推荐理由不能超过 200 个字"})
    if limits and not reason:
        msg = "不符合岗位的硬性条件：" + "；".join(v.reason for v in limits) + "。如确需推荐，请填写推荐理由"
        raise ValidationError(msg, fields={"override_reason": msg})
    referral = Referral(
        person_id=person.id, posting_id=posting.id, referred_by_id=getattr(actor, "id", None), referred_on=on,
        outcome=ReferralOutcome.REFERRED, outcome_on=on, override_reason=reason if limits else None,
        violations="；".join(v.reason for v in limits) or None, warnings="；".join(warnings) or None,
        note=((note or "").strip() or (reason if not limits else "") or None), source="推荐",
    )
    db.session.add(referral)
    db.session.flush()
    db.session.add(ReferralEvent(referral_id=referral.id, outcome=ReferralOutcome.REFERRED, happened_on=on,
                                 user_id=getattr(actor, "id", None), note=referral.override_reason))
    audit.record("refer", "referral", referral.id, actor=actor, person=person.id, posting=posting.code,
                 override=bool(limits))
    db.session.flush()
    return referral


def _workplace(posting: Posting) -> str:
    return (posting.employer.name if posting.employer else posting.workplace or posting.title)[:120]


def record_outcome(referral: Referral, outcome: ReferralOutcome, *, actor=None, on: dt.date | None = None,
                   started_on: dt.date | None = None, ended_on: dt.date | None = None,
                   note: str | None = None) -> Referral:
    """Move a referral on (面试 / 录用 / 未录用 / 本人放弃 / 离职); hires and exits update the status history."""
    today = _today()
    on = on or today
    current = referral.outcome
    if outcome not in TRANSITIONS[current]:
        allowed = "、".join(o.label for o in TRANSITIONS[current]) or "无"
        raise ValidationError(f"推荐结果不能从“{current.label}”改为“{outcome.label}”（可改为：{allowed}）")
    if outcome is ReferralOutcome.HIRED:
        started_on = started_on or on
    if outcome is ReferralOutcome.LEFT:
        ended_on, started_on = ended_on or on, referral.started_on
    errors = outcome_date_errors(outcome, referral.referred_on, started_on, ended_on)
    for key, day, label in (("started_on", started_on, "入职日期"), ("ended_on", ended_on, "离职日期")):
        if day is not None and day > today and key not in errors:
            errors[key] = f"{label}不能晚于今天（请在{label[:2]}后再登记）"
    if on > today or on < referral.referred_on:
        errors.setdefault("on", "日期不能晚于今天，也不能早于推荐日期")
    if errors:
        raise ValidationError(next(iter(errors.values())), fields=errors)
    posting = db.session.scalar(sa.select(Posting).where(Posting.id == referral.posting_id).with_for_update())
    person = referral.person
    happened = on
    if outcome is ReferralOutcome.HIRED:
        hires = hires_count(posting.id)
        if hires >= posting.headcount:
            raise Conflict(f"岗位已录用 {hires} 人，达到招聘人数 {posting.headcount} 人，不能再录用")
        if posting.is_full_time:
            clash = overlapping_placement(person.id, started_on, exclude=referral.id)
            if clash is not None:
                raise Conflict(f"{person.name} 自 {clash.started_on:%Y-%m-%d} 起在“{_workplace(clash.posting)}”全职就业，"
                               "同一人不能同时有两份全职工作；请先登记离职")
        if posting.channel is Channel.PUBLIC_WELFARE:
            problems = [v for v in rules.check_pair(person, posting, started_on)[0] if not v.overridable]
            if problems:
                raise ValidationError("不能录用：" + "；".join(v.reason for v in problems))
        referral.started_on = started_on
        happened = started_on
        people.record_status(person, placement_status(posting), started_on, source=StatusSource.PLACEMENT,
                             actor=actor, workplace=_workplace(posting), note=f"录用：{posting.code} {posting.title}"[:200])
    if outcome is ReferralOutcome.LEFT:
        referral.ended_on = ended_on
        happened = ended_on
        in_force = people.current_event(person.id, on=ended_on)
        if in_force is not None and in_force.source is StatusSource.PLACEMENT \
                and in_force.status is placement_status(posting) and in_force.effective_on >= referral.started_on:
            people.record_status(person, EmploymentStatus.UNEMPLOYED, ended_on, source=StatusSource.PLACEMENT,
                                 actor=actor, note=f"离职：{posting.code} {posting.title}"[:200])
    referral.outcome, referral.outcome_on = outcome, happened
    db.session.add(ReferralEvent(referral_id=referral.id, outcome=outcome, happened_on=happened,
                                 user_id=getattr(actor, "id", None), note=(note or "").strip()[:200] or None))
    db.session.flush()
    refresh_posting_status(posting, today)
    audit.record("referral_outcome", "referral", referral.id, actor=actor, outcome=outcome.label,
                 started_on=started_on, ended_on=ended_on)
    return referral


def public_welfare_cap_warnings(scope: Scope, on: dt.date | None = None, within_days: int = 92) -> list[tuple]:
    """People on public-welfare placements who reach the 3-year cap within ``within_days``: (referral, days held, cap day)."""
    on = on or _today()
    active, _total = list_referrals(scope, active_placements=True, limit=100_000)
    active = [r for r in active if r.posting.channel is Channel.PUBLIC_WELFARE]
    held = public_welfare_days([r.person_id for r in active], on)
    out = []
    for r in active:
        days = held.get(r.person_id, 0)
        left = PUBLIC_WELFARE_MAX_DAYS - days
        if left <= within_days:
            out.append((r, days, on + dt.timedelta(days=max(left, 0)), months_label(days)))
    return sorted(out, key=lambda item: item[2])


# --- outcomes import --------------------------------------------------------------------------------------

@dataclass
class _Known:
    id: int
    person_id: int
    posting_id: int
    referred_on: dt.date
    outcome: ReferralOutcome
    started_on: dt.date | None
    ended_on: dt.date | None
    row: int | None = None


def apply_outcomes(rows: list[tuple[int, OutcomeFields]], *, scope: Scope | None = None, actor=None,
                   import_id: int | None = None, dry_run: bool = False, source: str = "导入",
                   referred_by: dict[int, int] | None = None) -> ApplyCounts:
    """Upsert referral outcomes by (身份证号, 岗位编号, 推荐日期), all or nothing.

    An import records what happened; it never moves a referral back a stage nor rewrites a
    recorded start or end date. Hires and exits go into the status history; postings may
    not be over-filled, and nobody may hold two full-time placements at once.
    """
    result = ApplyCounts()
    err = result.errors.append
    p = protector()
    hashes = {f.id_number: p.lookup("id", f.id_number) for _n, f in rows}
    persons: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(sorted(set(hashes.values())), 900):
        for h, pid, site_id in db.session.execute(
            sa.select(Person.id_number_hash, Person.id, Person.site_id).where(Person.id_number_hash.in_(chunk))
        ):
            persons[h] = (pid, site_id)
    codes = sorted({f.posting_code for _n, f in rows})
    postings: dict[str, Posting] = {}
    for chunk in _chunks(codes, 900):
        for posting in db.session.scalars(sa.select(Posting).where(Posting.code.in_(chunk))
                                          .options(sa.orm.joinedload(Posting.county), sa.orm.joinedload(Posting.employer))):
            postings[posting.code] = posting
    allowed_counties = set(db.session.scalars(county_ids_in(scope))) if scope is not None else None
    resolved: list[tuple[int, OutcomeFields, int, Posting]] = []
    seen: dict[tuple, int] = {}
    for row_no, f in rows:
        person = persons.get(hashes[f.id_number])
        posting = postings.get(f.posting_code)
        bad = False
        if person is None:
            err(RowProblem(row_no, "id_number", "台账中找不到该身份证号的人员（请先导入劳动力台账）"))
            bad = True
        elif scope is not None and not scope.allows(person[1]):
            err(RowProblem(row_no, "id_number", "该人员不在您的管辖范围内"))
            bad = True
        if posting is None:
            err(RowProblem(row_no, "posting_code", f"找不到岗位编号“{f.posting_code}”（请先导入岗位）"))
            bad = True
        elif allowed_counties is not None and posting.county_id not in allowed_counties:
            err(RowProblem(row_no, "posting_code", "该岗位不在您的管辖范围内"))
            bad = True
        if bad:
            continue
        key = (person[0], posting.id, f.referred_on)
        if key in seen:
            err(RowProblem(row_no, "referred_on", f"与第{seen[key]}行重复（同一人、同一岗位、同一推荐日期）"))
            continue
        seen[key] = row_no
        resolved.append((row_no, f, person[0], posting))
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, e.field))
        return result

    person_ids = sorted({pid for _n, _f, pid, _p in resolved})
    known: dict[tuple, _Known] = {}
    for chunk in _chunks(person_ids, 900):
        for r in db.session.execute(
            sa.select(Referral.id, Referral.person_id, Referral.posting_id, Referral.referred_on, Referral.outcome,
                      Referral.started_on, Referral.ended_on).where(Referral.person_id.in_(chunk))
        ):
            known[(r.person_id, r.posting_id, r.referred_on)] = _Known(*r)
    changes: list[tuple[int, OutcomeFields, int, Posting, _Known | None]] = []
    for row_no, f, pid, posting in resolved:
        ex = known.get((pid, posting.id, f.referred_on))
        if ex is None:
            changes.append((row_no, f, pid, posting, None))
            continue
        if (ex.outcome, ex.started_on, ex.ended_on) == (f.outcome, f.started_on, f.ended_on):
            result.unchanged += 1
            continue
        if OUTCOME_STAGE[f.outcome] < OUTCOME_STAGE[ex.outcome] or (
                OUTCOME_STAGE[f.outcome] == OUTCOME_STAGE[ex.outcome] and f.outcome is not ex.outcome):
            err(RowProblem(row_no, "outcome", f"系统中已登记为“{ex.outcome.label}”，不能改为“{f.outcome.label}”"))
            continue
        if ex.started_on is not None and f.started_on != ex.started_on:
            err(RowProblem(row_no, "started_on", f"系统中已登记入职日期 {ex.started_on:%Y-%m-%d}，导入不能修改"))
            continue
        if ex.ended_on is not None and f.ended_on != ex.ended_on:
            err(RowProblem(row_no, "ended_on", f"系统中已登记离职日期 {ex.ended_on:%Y-%m-%d}，导入不能修改"))
            continue
        changes.append((row_no, f, pid, posting, ex))
    _check_capacity_and_overlaps(changes, known, postings, err)
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, e.field))
        return result
    result.added = sum(1 for c in changes if c[4] is None)
    result.updated = len(changes) - result.added
    if dry_run:
        return result
    _write_outcomes(changes, result, actor=actor, import_id=import_id, source=source, referred_by=referred_by or {})
    return result


def _check_capacity_and_overlaps(changes, known: dict[tuple, _Known], postings: dict[str, Posting], err) -> None:
    """No posting gets more hires than its headcount; no person two overlapping full-time placements."""
    by_id = {p.id: p for p in postings.values()}
    # hires per posting: what the database has, plus the file's new hires
    posting_ids = sorted({c[3].id for c in changes})
    counted = hires_by_posting(posting_ids)
    for row_no, f, _pid, posting, ex in sorted(changes, key=lambda c: (c[1].started_on or dt.date.max, c[0])):
        if f.outcome.is_hire and (ex is None or ex.started_on is None):
            counted[posting.id] = counted.get(posting.id, 0) + 1
            if counted[posting.id] > posting.headcount:
                err(RowProblem(row_no, "outcome", f"岗位“{posting.code}”招聘 {posting.headcount} 人，本行录用后超过招聘人数"))
    # full-time intervals per person: (start, end or None, file row or None, posting code)
    intervals: dict[int, list[tuple]] = {}
    flexible = set(db.session.scalars(sa.select(Posting.id).where(Posting.hours == WorkHours.FLEXIBLE)))
    in_file = {(c[2], c[3].id, c[1].referred_on) for c in changes}
    for key, ex in known.items():
        if ex.started_on is not None and key not in in_file and ex.posting_id not in flexible:
            code = by_id[ex.posting_id].code if ex.posting_id in by_id else _code_of(ex.posting_id)
            intervals.setdefault(ex.person_id, []).append((ex.started_on, ex.ended_on, None, code))
    for row_no, f, pid, posting, _ex in changes:
        if f.started_on is not None and posting.is_full_time:
            intervals.setdefault(pid, []).append((f.started_on, f.ended_on, row_no, posting.code))
    for spans in intervals.values():
        spans.sort(key=lambda s: (s[0], s[2] or 0))
        holder = None  # the span reaching furthest so far
        for span in spans:
            if holder is not None and (holder[1] is None or holder[1] >= span[0]):
                row, other = (span[2], holder) if span[2] is not None else (holder[2], span)
                if row is not None:
                    where = (f"第{other[2]}行" if other[2] is not None
                             else f"已登记的录用（岗位 {other[3]}，{other[0]:%Y-%m-%d} 入职）")
                    err(RowProblem(row, "started_on", f"与{where}时间重叠：同一人不能同时有两份全职工作"))
            if holder is None or (holder[1] is not None and (span[1] is None or span[1] > holder[1])):
                holder = span


def _code_of(posting_id: int) -> str:
    return db.session.scalar(sa.select(Posting.code).where(Posting.id == posting_id)) or "?"


def _write_outcomes(changes, result: ApplyCounts, *, actor, import_id, source: str, referred_by: dict[int, int]) -> None:
    now_user = getattr(actor, "id", None)
    inserts, updates, events, status_changes = [], [], [], []
    for row_no, f, pid, posting, ex in changes:
        outcome_on = f.ended_on or f.started_on or (ex.referred_on if ex else f.referred_on)
        if ex is None:
            inserts.append({
                "person_id": pid, "posting_id": posting.id, "referred_by_id": referred_by.get(row_no),
                "referred_on": f.referred_on, "outcome": f.outcome, "outcome_on": outcome_on,
                "started_on": f.started_on, "ended_on": f.ended_on, "source": source, "import_id": import_id,
            })
        else:
            updates.append({"id": ex.id, "outcome": f.outcome, "outcome_on": outcome_on,
                            "started_on": f.started_on, "ended_on": f.ended_on})
        if f.started_on is not None and (ex is None or ex.started_on is None):
            status_changes.append(people.DatedChange(pid, placement_status(posting), f.started_on,
                                                     workplace=_workplace(posting),
                                                     note=f"录用：{posting.code} {posting.title}"[:200]))
        if f.ended_on is not None and (ex is None or ex.ended_on is None):
            status_changes.append(people.DatedChange(pid, EmploymentStatus.UNEMPLOYED, f.ended_on,
                                                     note=f"离职：{posting.code} {posting.title}"[:200],
                                                     only_if=placement_status(posting)))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for chunk in _chunks(inserts, 5000):
        db.session.execute(Referral.__table__.insert(), [
            {**r, "created_at": now, "updated_at": now} for r in chunk])
    if updates:
        for chunk in _chunks(updates, 2000):
            db.session.execute(sa.update(Referral), [{**u, "updated_at": now} for u in chunk])
    ids: dict[tuple, int] = {}
    for chunk in _chunks(sorted({c[2] for c in changes}), 900):
        for rid, pid, posting_id, referred_on in db.session.execute(
            sa.select(Referral.id, Referral.person_id, Referral.posting_id, Referral.referred_on)
            .where(Referral.person_id.in_(chunk))
        ):
            ids[(pid, posting_id, referred_on)] = rid
    for _row_no, f, pid, posting, ex in changes:
        rid = ids[(pid, posting.id, f.referred_on)]
        before = OUTCOME_STAGE[ex.outcome] if ex else -1
        steps = [(ReferralOutcome.REFERRED, f.referred_on)]
        if f.outcome is ReferralOutcome.LEFT:
            steps += [(ReferralOutcome.HIRED, f.started_on), (ReferralOutcome.LEFT, f.ended_on)]
        elif f.outcome is not ReferralOutcome.REFERRED:
            steps.append((f.outcome, f.started_on or f.referred_on))
        for outcome, day in steps:
            if OUTCOME_STAGE[outcome] > before or (ex is None):
                events.append({"referral_id": rid, "outcome": outcome, "happened_on": day, "recorded_at": now,
                               "user_id": now_user, "note": source})
    for chunk in _chunks(events, 5000):
        db.session.execute(ReferralEvent.__table__.insert(), chunk)
    result.status_changes = people.record_dated_changes(status_changes, source=StatusSource.PLACEMENT, actor=actor,
                                                        import_id=import_id)
    refresh_fill_statuses(sorted({c[3].id for c in changes}))
    db.session.flush()


def require_owner(posting: Posting, user: User) -> None:
    """Brokers may only change their own postings."""
    if _is_broker(user) and posting.broker_id != user.id:
        raise PermissionDenied("只能修改自己发布的岗位")


# --- helpers for the pages ------------------------------------------------------------------------------

def get_candidate(person_id: int, scope: Scope, *, consenting_only: bool) -> Person:
    """A person a user may refer: inside ``scope`` and, for brokers, with broker-sharing consent."""
    stmt = sa.select(Person).where(Person.id == person_id, scope.filter(Person.site_id))
    if consenting_only:
        stmt = stmt.where(Person.broker_consent_on.is_not(None))
    person = db.session.scalar(stmt)
    if person is None:
        raise NotFound("找不到该人员，或该人员未同意共享信息")
    return person


def find_candidates(scope: Scope, query: str, *, consenting_only: bool, limit: int = 30) -> list[Person]:
    """People found by name or pinyin (never by ID or phone number) for a referral outside the shortlist."""
    import re

    from jobmatch.people.search import search_people

    q = (query or "").strip()
    if not q or re.search(r"\d", q):
        return []
    found = search_people(scope, q, limit=limit * 3)
    if consenting_only:
        found = [p for p in found if p.broker_consent_on is not None]
    return found[:limit]


def record_outcome_form(referral: Referral, outcome_label: str, day, *, actor=None, note: str | None = None) -> Referral:
    """``record_outcome`` from form values: a result label and one date (start for 录用, end for 离职)."""
    from jobmatch import values

    outcome = ReferralOutcome.from_label(outcome_label or "")
    if outcome is None or outcome is ReferralOutcome.REFERRED:
        raise ValidationError("请选择推荐结果", fields={"outcome": "请选择推荐结果"})
    try:
        when = values.parse_date(day)
    except ValueError as exc:
        raise ValidationError(f"日期：{exc}", fields={"on": str(exc)}) from None
    kwargs = {"started_on": when} if outcome is ReferralOutcome.HIRED else (
        {"ended_on": when} if outcome is ReferralOutcome.LEFT else {"on": when})
    return record_outcome(referral, outcome, actor=actor, note=note, **kwargs)
