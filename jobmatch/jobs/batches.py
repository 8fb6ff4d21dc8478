"""Labor-export departure batches (劳务输出批次): a group, a date, a destination, people and a contact."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from jobmatch import values
from jobmatch.accounts import audit
from jobmatch.errors import Conflict, NotFound, ValidationError
from jobmatch.extensions import db
from jobmatch.jobs.enums import Channel
from jobmatch.jobs.models import DepartureBatch, DepartureMember, Posting, Referral
from jobmatch.jobs.services import county_ids_in
from jobmatch.people.idnumber import validate_phone
from jobmatch.people.models import Person
from jobmatch.places.models import Region
from jobmatch.places.services import Scope


def list_batches(scope: Scope, limit: int = 200) -> list[tuple[DepartureBatch, int]]:
    """Batches of the scope's counties, latest departure first, with how many people of the scope go."""
    batches = list(db.session.scalars(
        sa.select(DepartureBatch).where(DepartureBatch.county_id.in_(county_ids_in(scope)))
        .order_by(DepartureBatch.departs_on.desc(), DepartureBatch.id.desc()).limit(limit)
        .options(sa.orm.joinedload(DepartureBatch.employer))))
    counts = dict(db.session.execute(
        sa.select(DepartureMember.batch_id, sa.func.count()).join(Person, Person.id == DepartureMember.person_id)
        .where(DepartureMember.batch_id.in_([b.id for b in batches]), scope.filter(Person.site_id))
        .group_by(DepartureMember.batch_id)).all()) if batches else {}
    return [(b, counts.get(b.id, 0)) for b in batches]


def get_batch(batch_id: int, scope: Scope) -> DepartureBatch:
    batch = db.session.scalar(sa.select(DepartureBatch).where(
        DepartureBatch.id == batch_id, DepartureBatch.county_id.in_(county_ids_in(scope))))
    if batch is None:
        raise NotFound("找不到该输出批次，或不在您的管辖范围内")
    return batch


def members_in_scope(batch: DepartureBatch, scope: Scope) -> list[DepartureMember]:
    return list(db.session.scalars(
        sa.select(DepartureMember).join(Person, Person.id == DepartureMember.person_id)
        .where(DepartureMember.batch_id == batch.id, scope.filter(Person.site_id))
        .order_by(Person.site_id, Person.name).options(sa.orm.joinedload(DepartureMember.person))))


def save_batch(batch: DepartureBatch | None, county: Region, raw: dict, scope: Scope, *, actor=None) -> DepartureBatch:
    """Create or edit a batch; the posting, when given, must be a labor-export posting of the county."""
    errors: dict[str, str] = {}
    name = values.text(raw.get("name"))
    if not name or len(name) > 80:
        errors["name"] = "请填写批次名称（不超过 80 个字）"
    try:
        departs_on = values.parse_date(raw.get("departs_on"))
        if departs_on is None:
            errors["departs_on"] = "请填写出发日期"
    except ValueError as exc:
        errors["departs_on"] = str(exc)
        departs_on = None
    destination = values.text(raw.get("destination"))
    if not destination or len(destination) > 120:
        errors["destination"] = "请填写目的地（不超过 120 个字）"
    posting = None
    posting_id = raw.get("posting_id")
    if posting_id:
        posting = db.session.scalar(sa.select(Posting).where(
            Posting.id == int(posting_id), Posting.county_id == county.id, Posting.channel == Channel.LABOR_EXPORT))
        if posting is None:
            errors["posting_id"] = "请选择本县的劳务输出岗位"
    phone = values.text(raw.get("contact_phone")) or None
    if phone:
        try:
            phone = validate_phone(phone)
        except ValueError as exc:
            errors["contact_phone"] = str(exc)
    if errors:
        raise ValidationError("输出批次信息有误", fields=errors)
    if batch is None:
        batch = DepartureBatch(county_id=county.id, created_by_id=getattr(actor, "id", None))
        db.session.add(batch)
    batch.name, batch.departs_on, batch.destination = name, departs_on, destination
    batch.posting_id = posting.id if posting else None
    batch.employer_id = posting.employer_id if posting else batch.employer_id
    batch.contact_name = (values.text(raw.get("contact_name")) or None) and values.text(raw.get("contact_name"))[:40]
    batch.contact_phone = phone
    batch.note = (values.text(raw.get("note")) or None) and values.text(raw.get("note"))[:200]
    db.session.flush()
    audit.record("edit_batch", "batch", batch.id, actor=actor, name=name)
    return batch


def candidates(batch: DepartureBatch, scope: Scope) -> list[Referral]:
    """People hired to the batch's posting (in scope, still in the job) who are not in the batch yet."""
    if batch.posting_id is None:
        return []
    inside = sa.select(DepartureMember.person_id).where(DepartureMember.batch_id == batch.id)
    return list(db.session.scalars(
        sa.select(Referral).join(Person, Person.id == Referral.person_id)
        .where(Referral.posting_id == batch.posting_id, Referral.started_on.is_not(None), Referral.ended_on.is_(None),
               scope.filter(Person.site_id), Referral.person_id.not_in(inside))
        .order_by(Referral.started_on, Person.name).options(sa.orm.joinedload(Referral.person))))


def add_members(batch: DepartureBatch, referral_ids: list[int], scope: Scope, *, actor=None) -> int:
    """Add hired people to a batch; nobody travels in two batches on the same day."""
    offered = {r.id: r for r in candidates(batch, scope)}
    chosen = [offered[i] for i in referral_ids if i in offered]
    if not chosen:
        raise ValidationError("请选择要加入批次的人员")
    busy = dict(db.session.execute(
        sa.select(DepartureMember.person_id, DepartureBatch.name).join(DepartureBatch)
        .where(DepartureBatch.departs_on == batch.departs_on, DepartureBatch.id != batch.id,
               DepartureMember.person_id.in_([r.person_id for r in chosen]))).all())
    if busy:
        names = "、".join(r.person.name for r in chosen if r.person_id in busy)
        raise Conflict(f"{names} 已在同一天出发的其他批次中")
    for r in chosen:
        db.session.add(DepartureMember(batch_id=batch.id, person_id=r.person_id, referral_id=r.id))
    db.session.flush()
    audit.record("edit_batch", "batch", batch.id, actor=actor, added=len(chosen))
    return len(chosen)


def remove_member(batch: DepartureBatch, person_id: int, scope: Scope, *, actor=None) -> None:
    member = db.session.scalar(
        sa.select(DepartureMember).join(Person, Person.id == DepartureMember.person_id)
        .where(DepartureMember.batch_id == batch.id, DepartureMember.person_id == person_id,
               scope.filter(Person.site_id)))
    if member is None:
        raise NotFound("该人员不在此批次中")
    db.session.delete(member)
    db.session.flush()
    audit.record("edit_batch", "batch", batch.id, actor=actor, removed=person_id)


def labor_export_postings(scope: Scope, since: dt.date | None = None) -> list[Posting]:
    """Labor-export postings of the scope's counties, for the batch form."""
    stmt = sa.select(Posting).where(Posting.county_id.in_(county_ids_in(scope)), Posting.channel == Channel.LABOR_EXPORT)
    if since:
        stmt = stmt.where(sa.or_(Posting.deadline.is_(None), Posting.deadline >= since))
    return list(db.session.scalars(stmt.order_by(Posting.code.desc()).limit(500)))
