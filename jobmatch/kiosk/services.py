"""Kiosk services: terminals, identification (throttled), visits, job cards, requests, courses, registration.

Services flush and never commit; the view commits once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from jobmatch.accounts import audit, throttle
from jobmatch.accounts.models import User
from jobmatch.database import today, utcnow
from jobmatch.errors import Conflict, NotFound, PermissionDenied, ValidationError
from jobmatch.extensions import db
from jobmatch.jobs import services as jobs
from jobmatch.jobs.enums import Channel, PostingStatus
from jobmatch.jobs.models import Posting
from jobmatch.kiosk.matching import rank_person
from jobmatch.kiosk.models import (
    KioskRegistration,
    KioskRequest,
    KioskSession,
    KioskTerminal,
    RegistrationStatus,
    RequestStatus,
)
from jobmatch.people.enums import StatusSource, WorkPreference
from jobmatch.people.idnumber import IdNumberError, parse_id_number
from jobmatch.people.models import Person, PersonCertificate, PersonSkill
from jobmatch.people.register import apply_register
from jobmatch.people.services import id_lookup_hash
from jobmatch.people.validation import parse_person_fields
from jobmatch.places.models import Site
from jobmatch.places.services import Scope
from jobmatch.protect import mask_id, protector
from jobmatch.training import services as training

KIOSK_ACTOR = "自助终端"
#: 家门口: a job this close to the person's site (km), or at the site itself
NEAR_KM = 15.0
#: a visit's last_seen_at is rewritten at most this often
TOUCH_EVERY_SECONDS = 5

FILTERS = {
    "all": "全部",
    "near": "家门口",
    "welfare": "公益岗位",
    "away": "外出务工",
}


class KioskRefusal(Exception):
    """Identification refused; ``message`` is a plain sentence for the job seeker."""

    def __init__(self, message: str, *, kind: str = "wrong"):
        super().__init__(message)
        self.message, self.kind = message, kind


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- terminals ----------------------------------------------------------------------------------

def pair_terminal(site: Site, name: str, *, actor: User) -> tuple[KioskTerminal, str]:
    """Register a terminal at ``site``; returns it and the token for its cookie (shown nowhere else)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写终端名称（如：一号自助机）", fields={"name": "必填"})
    if len(name) > 60:
        raise ValidationError("终端名称不能超过 60 个字", fields={"name": "不能超过 60 个字"})
    token = secrets.token_urlsafe(32)
    terminal = KioskTerminal(site_id=site.id, name=name, token_hash=_hash(token), paired_by_id=actor.id)
    db.session.add(terminal)
    db.session.flush()
    audit.record("kiosk_pair", "kiosk_terminal", terminal.id, actor=actor, site=site.name, name=name)
    return terminal, token


def terminal_for_token(token: str | None) -> KioskTerminal | None:
    """The live (not revoked) terminal holding ``token``."""
    if not token:
        return None
    return db.session.scalar(sa.select(KioskTerminal).where(
        KioskTerminal.token_hash == _hash(token), KioskTerminal.revoked_at.is_(None))
        .options(sa.orm.joinedload(KioskTerminal.site)))


def terminals_in(scope: Scope) -> list[KioskTerminal]:
    return list(db.session.scalars(sa.select(KioskTerminal).where(scope.filter(KioskTerminal.site_id))
                                   .order_by(KioskTerminal.revoked_at.is_not(None), KioskTerminal.id.desc())))


def revoke_terminal(terminal_id: int, scope: Scope, *, actor: User) -> KioskTerminal:
    terminal = db.session.scalar(sa.select(KioskTerminal).where(
        KioskTerminal.id == terminal_id, scope.filter(KioskTerminal.site_id)))
    if terminal is None:
        raise NotFound("找不到该终端，或不在您的管辖范围内")
    if terminal.revoked_at is None:
        terminal.revoked_at = utcnow()
        db.session.execute(sa.update(KioskSession).where(
            KioskSession.terminal_id == terminal.id, KioskSession.ended_at.is_(None)).values(ended_at=utcnow()))
        audit.record("kiosk_revoke", "kiosk_terminal", terminal.id, actor=actor)
    db.session.flush()
    return terminal


# --- identification -----------------------------------------------------------------------------

def _throttle_key(terminal: KioskTerminal) -> str:
    return f"kiosk:{terminal.id}"


def lookups_locked(terminal: KioskTerminal) -> bool:
    cfg = current_app.config
    return throttle.is_limited(_throttle_key(terminal), cfg["KIOSK_LOOKUP_MAX_FAILURES"],
                               cfg["KIOSK_LOOKUP_WINDOW_SECONDS"])


LOCKED_MESSAGE = "试错次数太多，本机暂停查询一会儿。请稍后再试，或到服务台找工作人员。"
WRONG_MESSAGE = "身份证号或手机号后四位不对，请再输一次。"


def identify(terminal: KioskTerminal, id_number: str, phone_tail: str) -> Person:
    """The person with this ID number and phone ending, in the terminal's county; failures are throttled."""
    if lookups_locked(terminal):
        raise KioskRefusal(LOCKED_MESSAGE, kind="locked")
    try:
        number = parse_id_number(id_number).number
    except IdNumberError:
        raise KioskRefusal("身份证号不对：应为 18 位，请对照身份证再输一次。", kind="format") from None
    tail = (phone_tail or "").strip()
    if not (len(tail) == 4 and tail.isdigit()):
        raise KioskRefusal("请输入手机号的最后 4 位数字。", kind="format")
    person = db.session.scalar(sa.select(Person).join(Site, Site.id == Person.site_id).where(
        Person.id_number_hash == id_lookup_hash(number), Site.county_id == terminal.site.county_id))
    if person is not None and person.phone_tail_hash is None:
        throttle.hit(_throttle_key(terminal))
        raise KioskRefusal("系统里没有您的手机号。请到服务台，工作人员帮您登记。", kind="desk")
    if person is None or person.phone_tail_hash != protector().lookup("phone4", tail):
        throttle.hit(_throttle_key(terminal))
        raise KioskRefusal(WRONG_MESSAGE)
    return person


# --- visits ---------------------------------------------------------------------------------------

def start_visit(terminal: KioskTerminal, person: Person) -> str:
    """End any visit still open on the terminal and start one for ``person``; returns the cookie token."""
    now = utcnow()
    db.session.execute(sa.update(KioskSession).where(
        KioskSession.terminal_id == terminal.id, KioskSession.ended_at.is_(None)).values(ended_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(KioskSession(token_hash=_hash(token), terminal_id=terminal.id, person_id=person.id,
                                started_at=now, last_seen_at=now))
    terminal.last_seen_at = now
    audit.record("kiosk_identify", "person", person.id, actor=KIOSK_ACTOR, terminal=terminal.id)
    db.session.flush()
    return token


def visit_lifetime() -> dt.timedelta:
    """Idle plus countdown plus a little grace: a visit idle longer is over on the server too."""
    cfg = current_app.config
    return dt.timedelta(seconds=cfg["KIOSK_IDLE_SECONDS"] + cfg["KIOSK_COUNTDOWN_SECONDS"] + 5)


def load_visit(token: str | None, terminal: KioskTerminal) -> KioskSession | None:
    """The open visit for ``token`` on this terminal, touched; an idle-expired one is ended."""
    if not token:
        return None
    visit = db.session.scalar(sa.select(KioskSession).where(
        KioskSession.token_hash == _hash(token), KioskSession.terminal_id == terminal.id,
        KioskSession.ended_at.is_(None))
        .options(sa.orm.joinedload(KioskSession.person).joinedload(Person.site).joinedload(Site.county)))
    if visit is None:
        return None
    now = utcnow()
    if now - visit.last_seen_at > visit_lifetime():
        visit.ended_at = now  # left dirty: the caller commits
        return None
    if now - visit.last_seen_at > dt.timedelta(seconds=TOUCH_EVERY_SECONDS):
        visit.last_seen_at = now  # a write per request would serialise busy terminals on SQLite
    return visit


def end_visit(token: str | None) -> None:
    if token:
        db.session.execute(sa.update(KioskSession).where(
            KioskSession.token_hash == _hash(token), KioskSession.ended_at.is_(None)).values(ended_at=utcnow()))


def masked_id_of(person: Person) -> str:
    return mask_id(protector().decrypt(person.id_number_enc))


def greeting_name(person: Person) -> str:
    """王** style: the surname and stars, so a bystander learns little."""
    return person.name[:1] + "*" * max(1, len(person.name) - 1)


# --- job cards ------------------------------------------------------------------------------------

def mode_of(key: str) -> str:
    """外出务工 ranks with the place preference lifted ('out'); everything else with it ('home')."""
    return "out" if key == "away" else "home"


def _parsed(visit: KioskSession) -> dict:
    """The visit's stored rankings, parsed once per request."""
    raw = visit.ranking
    cached = getattr(visit, "_parsed_ranking", None)
    if cached is None or cached[0] is not raw:
        cached = (raw, json.loads(raw) if raw else {})
        visit._parsed_ranking = cached
    return cached[1]


def prepare_ranking(visit: KioskSession, key: str) -> bool:
    """Rank the visit's person for the filter's mode unless already done; True when it was computed now."""
    mode = mode_of(key)
    stored = dict(_parsed(visit))
    if mode in stored:
        return False
    top = current_app.config["KIOSK_TOP_JOBS"]
    ranked = rank_person(visit.person_id, top=top, ask_out_of_area=(mode == "out"))
    if ranked is None:
        return False  # not in the engine yet: nothing stored, the next list asks again
    stored[mode] = [[r.posting_id, round(r.score, 4), list(r.reasons)] for r in ranked]
    visit.ranking = json.dumps(stored, ensure_ascii=False)
    db.session.flush()
    return True


def _ranking(visit: KioskSession, mode: str) -> list[tuple[int, float, list[str]]]:
    """The visit's ranking for ``mode`` ('home' or 'out'), computed once per visit."""
    prepare_ranking(visit, "away" if mode == "out" else "all")
    return _parsed(visit).get(mode, [])


@dataclass
class JobCard:
    posting: Posting
    employer: str
    place: str
    distance_km: float | None
    wage: str
    hours: str
    board: str
    reasons: list[str]
    request: KioskRequest | None

    @property
    def distance(self) -> str:
        if self.distance_km is None:
            return ""
        if self.distance_km < 1:
            return "离家不到 1 公里"
        return f"离家约 {self.distance_km:.0f} 公里"

    @property
    def speech(self) -> str:
        parts = [self.posting.title, f"单位：{self.employer}", f"地点：{self.place}", self.distance,
                 f"工资：{self.wage}", f"上班时间：{self.hours}", self.board]
        if self.reasons:
            parts.append("适合您的原因：" + "；".join(self.reasons))
        return "。".join(p for p in parts if p) + "。"


def _km(lon1, lat1, lon2, lat2) -> float | None:
    if None in (lon1, lat1, lon2, lat2):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def wage_text(p: Posting) -> str:
    lo, hi = p.wage_min, p.wage_max
    if lo and hi and lo != hi:
        return f"每月 {lo:.0f}–{hi:.0f} 元"
    if lo or hi:
        return f"每月 {(lo or hi):.0f} 元"
    return "面议"


def hours_text(p: Posting) -> str:
    return {"FLEXIBLE": "时间灵活（计件、可接送孩子）", "DAY": "白班", "TWO_SHIFT": "两班倒",
            "THREE_SHIFT": "三班倒"}.get(p.hours.name if p.hours else "", "上班时间面议")


def _card(p: Posting, site: Site, reasons: list[str], request: KioskRequest | None) -> JobCard:
    lon = p.longitude if p.longitude is not None else (p.site.longitude if p.site else None)
    lat = p.latitude if p.latitude is not None else (p.site.latitude if p.site else None)
    place = p.workplace or (p.site.name if p.site else "") or p.province
    if p.province and p.province not in place and p.province != (site.county.province or ""):
        place = f"{p.province} {place}"
    return JobCard(posting=p, employer=p.employer.name, place=place,
                   distance_km=_km(site.longitude, site.latitude, lon, lat), wage=wage_text(p), hours=hours_text(p),
                   board="包吃包住" if p.board_lodging else "不包吃住", reasons=reasons[:2], request=request)


def _matches(card: JobCard, key: str, person_site: Site) -> bool:
    p = card.posting
    if key == "near":
        return p.channel is not Channel.LABOR_EXPORT and (
            p.site_id == person_site.id or (card.distance_km is not None and card.distance_km <= NEAR_KM))
    if key == "welfare":
        return p.channel is Channel.PUBLIC_WELFARE
    if key == "away":
        home = person_site.county.province or current_app.config["HOME_PROVINCE"]
        return p.channel is Channel.LABOR_EXPORT or (p.province and p.province != home)
    return True


def job_cards(visit: KioskSession, key: str = "all", limit: int = 12) -> list[JobCard]:
    """The visit's job cards under filter ``key`` (外出务工 lifts the person's place preference).

    Postings are read in ranked order, a chunk at a time, until ``limit`` cards pass the filter.
    """
    key = key if key in FILTERS else "all"
    ranked = _ranking(visit, mode_of(key))
    site = visit.person.site
    cards: list[JobCard] = []
    chunk = limit + 4
    for start in range(0, len(ranked), chunk):
        part = ranked[start:start + chunk]
        ids = [pid for pid, _, _ in part]
        postings = {p.id: p for p in db.session.scalars(
            sa.select(Posting).where(Posting.id.in_(ids), Posting.status == PostingStatus.OPEN)
            .options(sa.orm.joinedload(Posting.employer), sa.orm.joinedload(Posting.site)))}
        requests = _pending_requests(visit.person_id, ids)
        for pid, _score, reasons in part:
            p = postings.get(pid)
            if p is None:
                continue
            card = _card(p, site, reasons, requests.get(pid))
            if _matches(card, key, site):
                cards.append(card)
                if len(cards) >= limit:
                    return cards
    return cards


def _pending_requests(person_id: int, posting_ids: list[int]) -> dict[int, KioskRequest]:
    return {r.posting_id: r for r in db.session.scalars(sa.select(KioskRequest).where(
        KioskRequest.person_id == person_id, KioskRequest.posting_id.in_(posting_ids)))}


def offered_posting(visit: KioskSession, posting_id: int) -> JobCard:
    """One posting the visit was offered (the kiosk shows nothing it did not rank for this person)."""
    cached = _parsed(visit)
    for mode in ("home", "out"):
        for pid, _score, reasons in cached.get(mode, []):
            if pid == posting_id:
                p = db.session.get(Posting, posting_id)
                if p is None:
                    break
                return _card(p, visit.person.site, reasons, _pending_requests(visit.person_id, [pid]).get(pid))
    raise NotFound("找不到这个岗位，请回到岗位列表重新选择")


# --- 我想去 ---------------------------------------------------------------------------------------

def want(visit: KioskSession, posting_id: int) -> KioskRequest:
    """Record the person's wish to be referred; the broker or the site clerk decides."""
    card = offered_posting(visit, posting_id)
    p = card.posting
    jobs.refresh_posting_status(p)
    if p.status is not PostingStatus.OPEN:
        raise Conflict("这个岗位已经不招人了，请看看别的岗位")
    if card.request is not None and card.request.status is RequestStatus.PENDING:
        raise Conflict("您已经报过这个岗位了，工作人员会尽快联系您")
    if jobs.open_referral(visit.person_id, p.id) is not None:
        raise Conflict("您已经被推荐到这个岗位了，请等工作人员通知")
    request = KioskRequest(person_id=visit.person_id, posting_id=p.id, site_id=visit.person.site_id,
                           terminal_id=visit.terminal_id, status=RequestStatus.PENDING)
    db.session.add(request)
    db.session.flush()
    audit.record("kiosk_request", "person", visit.person_id, actor=KIOSK_ACTOR, posting=p.code)
    return request


def requests_of(person_id: int) -> list[KioskRequest]:
    return list(db.session.scalars(
        sa.select(KioskRequest).where(KioskRequest.person_id == person_id)
        .options(sa.orm.joinedload(KioskRequest.posting).joinedload(Posting.employer),
                 sa.orm.joinedload(KioskRequest.referral))
        .order_by(KioskRequest.id.desc())))


def request_state(r: KioskRequest) -> str:
    """What the job seeker reads about a request."""
    if r.status is RequestStatus.PENDING:
        return "等待工作人员处理"
    if r.status is RequestStatus.DECLINED:
        return "没有通过" + (f"：{r.decline_reason}" if r.decline_reason else "")
    if r.referral is not None:
        return f"已推荐（{r.referral.outcome.label}）"
    return "已推荐"


def queue(scope: Scope, *, broker: User | None = None, pending_only: bool = True, limit: int = 200) -> list[KioskRequest]:
    """Requests of people inside ``scope``; a broker sees only requests for postings they own."""
    stmt = sa.select(KioskRequest).where(scope.filter(KioskRequest.site_id))
    if broker is not None:
        stmt = stmt.join(Posting, Posting.id == KioskRequest.posting_id).where(Posting.broker_id == broker.id)
    if pending_only:
        stmt = stmt.where(KioskRequest.status == RequestStatus.PENDING)
    return list(db.session.scalars(stmt.options(
        sa.orm.joinedload(KioskRequest.person), sa.orm.joinedload(KioskRequest.site),
        sa.orm.joinedload(KioskRequest.posting).joinedload(Posting.employer),
    ).order_by(KioskRequest.id.desc()).limit(limit)))


def get_request(request_id: int, scope: Scope, *, broker: User | None = None) -> KioskRequest:
    found = [r for r in db.session.scalars(sa.select(KioskRequest).where(
        KioskRequest.id == request_id, scope.filter(KioskRequest.site_id)))]
    if not found or (broker is not None and found[0].posting.broker_id != broker.id):
        raise NotFound("找不到该申请，或不在您的管辖范围内")
    return found[0]


def accept_request(r: KioskRequest, *, actor: User, override_reason: str | None = None):
    """Turn the request into a real referral (the usual referral rules apply)."""
    if r.status is not RequestStatus.PENDING:
        raise Conflict(f"该申请已处理（{r.status.label}）")
    referral = jobs.refer(r.person, r.posting, actor=actor, override_reason=override_reason,
                          note="本人在自助终端申请")
    r.status, r.referral_id, r.decided_at, r.decided_by_id = RequestStatus.REFERRED, referral.id, utcnow(), actor.id
    db.session.flush()
    return referral


def decline_request(r: KioskRequest, reason: str, *, actor: User) -> None:
    if r.status is not RequestStatus.PENDING:
        raise Conflict(f"该申请已处理（{r.status.label}）")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写不通过的原因（本人会在自助终端看到）", fields={"reason": "必填"})
    if len(reason) > 200:
        raise ValidationError("原因不能超过 200 个字", fields={"reason": "不能超过 200 个字"})
    r.status, r.decline_reason, r.decided_at, r.decided_by_id = RequestStatus.DECLINED, reason, utcnow(), actor.id
    audit.record("kiosk_decline", "person", r.person_id, actor=actor, posting=r.posting.code)
    db.session.flush()


# --- training -------------------------------------------------------------------------------------

@dataclass
class CourseCard:
    course: object
    seats_left: int
    why: str

    @property
    def speech(self) -> str:
        c = self.course
        return (f"{c.name}。{self.why}。时间：{c.starts_on:%m月%d日}到{c.ends_on:%m月%d日}。"
                f"地点：{c.place or '另行通知'}。还有 {self.seats_left} 个名额。")


def courses_for(person: Person) -> list[CourseCard]:
    """Open courses the person may join, those filling a gap (a skill or certificate not held) first."""
    held_skills = set(db.session.scalars(sa.select(PersonSkill.skill_id).where(
        PersonSkill.person_id == person.id, PersonSkill.skill_id.is_not(None))))
    held_certs = set(db.session.scalars(sa.select(PersonCertificate.certificate_id).where(
        PersonCertificate.person_id == person.id, PersonCertificate.certificate_id.is_not(None))))
    cards = []
    for oc in training.open_courses_for(person):
        c = oc.course
        if c.certificate_id and c.certificate_id not in held_certs:
            why, rank = f"学完可考{c.certificate.name}，您还没有这个证", 0
        elif c.skill_id and c.skill_id not in held_skills:
            why, rank = f"学会{c.skill.name}，能找的工作更多", 1
        elif person.wants_training:
            why, rank = "您登记过想参加培训", 2
        else:
            why, rank = "本县正在招生的培训", 3
        cards.append((rank, CourseCard(c, oc.seats_left, why)))
    cards.sort(key=lambda t: (t[0], t[1].course.starts_on))
    return [c for _, c in cards]


def sign_up(person: Person, course_id: int):
    return training.sign_up_at_kiosk(person, course_id)


def enrollments_of(person: Person):
    from jobmatch.training.models import Course, Enrollment

    return list(db.session.scalars(sa.select(Enrollment).where(Enrollment.person_id == person.id)
                                   .options(sa.orm.joinedload(Enrollment.course).joinedload(Course.provider))
                                   .order_by(Enrollment.id.desc())))


# --- the slip -------------------------------------------------------------------------------------

def broker_phone(p: Posting) -> str:
    """The phone a job seeker calls about the posting: its broker's work phone, else the employer's."""
    if p.broker is not None and p.broker.work_phone:
        return p.broker.work_phone
    return p.employer.contact_phone or ""


def slip_text(card: JobCard) -> str:
    p = card.posting
    lines = [f"岗位：{p.title}", f"单位：{card.employer}", f"地址：{p.employer.address or card.place}",
             f"工资：{card.wage}", f"岗位编号：{p.code}"]
    phone = broker_phone(p)
    if phone:
        lines.append(f"联系电话：{phone}")
    return "\n".join(lines)


def qr_svg(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI (made on the server; no script, no network)."""
    import segno

    return segno.make(text, error="m", micro=False).svg_data_uri(scale=6, border=2)


# --- self-registration ----------------------------------------------------------------------------

def submit_registration(terminal: KioskTerminal, id_number: str, phone: str, preference: str | None,
                        wants_training: bool) -> KioskRegistration:
    """A newcomer's request; nothing enters the register until a clerk approves it."""
    from jobmatch.people.idnumber import validate_phone

    if lookups_locked(terminal):
        raise KioskRefusal(LOCKED_MESSAGE, kind="locked")
    try:
        number = parse_id_number(id_number).number
    except IdNumberError:
        raise KioskRefusal("身份证号不对：应为 18 位，请对照身份证再输一次。", kind="format") from None
    try:
        phone = validate_phone(phone)
    except ValueError:
        raise KioskRefusal("手机号不对：应为 11 位数字，请再输一次。", kind="format") from None
    pref = WorkPreference[preference] if preference in WorkPreference.__members__ else None
    digest = id_lookup_hash(number)
    if db.session.scalar(sa.select(Person.id).where(Person.id_number_hash == digest)):
        throttle.hit(_throttle_key(terminal))  # a register lookup: counted like a failed identification
        raise KioskRefusal("您已经在登记名单里了。请回到首页，用“我要找工作”进入。", kind="known")
    if db.session.scalar(sa.select(KioskRegistration.id).where(
            KioskRegistration.id_number_hash == digest, KioskRegistration.status == RegistrationStatus.PENDING)):
        raise KioskRefusal("您已经提交过了，工作人员会打电话联系您。", kind="known")
    reg = KioskRegistration(site_id=terminal.site_id, terminal_id=terminal.id, id_number_enc=protector().encrypt(number),
                            id_number_hash=digest, phone_enc=protector().encrypt(phone), work_preference=pref,
                            wants_training=bool(wants_training), status=RegistrationStatus.PENDING)
    db.session.add(reg)
    db.session.flush()
    audit.record("kiosk_register", "kiosk_registration", reg.id, actor=KIOSK_ACTOR, terminal=terminal.id)
    return reg


def registrations(scope: Scope, *, pending_only: bool = True) -> list[KioskRegistration]:
    stmt = sa.select(KioskRegistration).where(scope.filter(KioskRegistration.site_id))
    if pending_only:
        stmt = stmt.where(KioskRegistration.status == RegistrationStatus.PENDING)
    return list(db.session.scalars(stmt.options(sa.orm.joinedload(KioskRegistration.site))
                                   .order_by(KioskRegistration.id.desc()).limit(200)))


def get_registration(reg_id: int, scope: Scope) -> KioskRegistration:
    reg = db.session.scalar(sa.select(KioskRegistration).where(
        KioskRegistration.id == reg_id, scope.filter(KioskRegistration.site_id)))
    if reg is None:
        raise NotFound("找不到该登记申请，或不在您的管辖范围内")
    return reg


def registration_numbers(reg: KioskRegistration) -> tuple[str, str | None]:
    p = protector()
    return p.decrypt(reg.id_number_enc), p.decrypt(reg.phone_enc)


#: the fields a clerk completes when approving (names as in people.validation)
CLERK_FIELDS = ("name", "household_code", "relation", "education", "labor_capacity", "employment_status",
                "work_preference", "expected_wage", "skills", "certificates", "has_care_duty", "is_monitored")


def approve_registration(reg: KioskRegistration, raw: dict, *, actor: User, scope: Scope) -> Person:
    """Enter the person in the register through the register's own validation and services."""
    if reg.status is not RegistrationStatus.PENDING:
        raise Conflict(f"该申请已处理（{reg.status.label}）")
    if not scope.allows(reg.site_id):
        raise PermissionDenied("该申请不在您的管辖范围内")
    id_number, phone = registration_numbers(reg)
    site = reg.site
    values = {k: raw.get(k) for k in CLERK_FIELDS}
    values.update(county=site.county.name, township=site.township.name, site=site.name, id_number=id_number,
                  phone=phone, wants_training="是" if reg.wants_training else "否")
    fields, errors = parse_person_fields(values, today())
    if errors:
        raise ValidationError("请改正：" + "；".join(errors.values()), fields=errors)
    result = apply_register([(1, fields)], actor=actor, source=StatusSource.EDIT, scope=scope)
    if result.errors:
        msgs = {e.field: e.reason for e in result.errors}
        raise ValidationError("请改正：" + "；".join(msgs.values()), fields=msgs)
    person = db.session.scalar(sa.select(Person).where(Person.id_number_hash == reg.id_number_hash))
    reg.status, reg.person_id, reg.decided_at, reg.decided_by_id = (
        RegistrationStatus.APPROVED, person.id, utcnow(), actor.id)
    audit.record("kiosk_approve", "person", person.id, actor=actor, registration=reg.id)
    db.session.flush()
    return person


def reject_registration(reg: KioskRegistration, reason: str, *, actor: User) -> None:
    if reg.status is not RegistrationStatus.PENDING:
        raise Conflict(f"该申请已处理（{reg.status.label}）")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写不通过的原因", fields={"reason": "必填"})
    reg.status, reg.reject_reason, reg.decided_at, reg.decided_by_id = (
        RegistrationStatus.REJECTED, reason[:200], utcnow(), actor.id)
    audit.record("kiosk_reject", "kiosk_registration", reg.id, actor=actor)
    db.session.flush()


audit.ACTION_LABELS.update({
    "kiosk_pair": "配对自助终端", "kiosk_revoke": "停用自助终端", "kiosk_identify": "自助终端识别身份",
    "kiosk_request": "自助终端求职申请", "kiosk_decline": "退回终端求职申请", "kiosk_register": "自助终端登记申请",
    "kiosk_approve": "终端登记审核通过", "kiosk_reject": "退回终端登记申请",
})
