"""Subsidies worked out from placements, never typed: rules per county, a ledger by person and month.

Rules (defaults; each county's reviewers may change them):
- 稳岗补助 (retention subsidy) for a placement outside the home province: ``retention_monthly``
  元 (200) for each calendar month the placement covers at least ``retention_min_days`` days
  (15, i.e. half a month counts as a month), for the first ``retention_max_months`` (6) such
  months of the placement. Only months that have ended by the ``through`` day are paid.
- 一次性吸纳就业补助 (one-off hiring subsidy) to the employer: ``hiring_amount`` 元 (1,000) for
  each relocated worker hired through a posting of the ``hiring_channels`` (community factories
  and county enterprises) who stays ``hiring_min_months`` (6) months, booked in the month the
  worker completes them; once per employer and person.

The ledger is recomputed idempotently: entries still justified are kept, new ones added, and
ones no longer justified (a corrected date, a changed rule) are voided, never deleted. Every
recomputation is a ``SubsidyRun`` with the rules it used, and is audited.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.database import today as _today
from jobmatch.errors import ValidationError
from jobmatch.extensions import db
from jobmatch.jobs.channels import placement_status
from jobmatch.jobs.enums import Channel, SubsidyKind
from jobmatch.jobs.models import Posting, Referral, SubsidyEntry, SubsidyRun, SubsidySettings
from jobmatch.people.enums import EmploymentStatus
from jobmatch.people.models import Person
from jobmatch.places.models import Site

DEFAULTS = {
    "retention_monthly": 200.0,
    "retention_max_months": 6,
    "retention_min_days": 15,
    "hiring_amount": 1000.0,
    "hiring_min_months": 6,
    "hiring_channels": "COMMUNITY_FACTORY,ENTERPRISE",
}
LABELS = {
    "retention_monthly": "稳岗补助（元/月）",
    "retention_max_months": "稳岗补助最多月数",
    "retention_min_days": "当月在岗满多少天计一个月",
    "hiring_amount": "一次性吸纳就业补助（元/人）",
    "hiring_min_months": "吸纳补助要求在岗满（月）",
    "hiring_channels": "吸纳补助适用渠道",
}


def settings_for(county_id: int) -> SubsidySettings:
    """The county's rules, created with the defaults the first time."""
    settings = db.session.scalar(sa.select(SubsidySettings).where(SubsidySettings.county_id == county_id))
    if settings is None:
        settings = SubsidySettings(county_id=county_id, **DEFAULTS)
        db.session.add(settings)
        db.session.flush()
    return settings


def rules_of(settings: SubsidySettings) -> dict:
    return {key: getattr(settings, key) for key in DEFAULTS}


def update_settings(county_id: int, raw: dict, *, actor=None) -> SubsidySettings:
    """Change a county's rules; amounts and month counts are checked, channels must exist."""
    from jobmatch import values

    errors: dict[str, str] = {}
    parsed: dict = {}
    limits = {"retention_monthly": (0, 10_000, False), "hiring_amount": (0, 100_000, False),
              "retention_max_months": (0, 36, True), "hiring_min_months": (1, 36, True),
              "retention_min_days": (1, 31, True)}
    for key, (low, high, integer) in limits.items():
        try:
            number = values.parse_number(raw.get(key), minimum=None, integer=integer)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if number is None:
            errors[key] = "必填"
        elif not low <= number <= high:
            errors[key] = f"应在 {low} 到 {high} 之间"
        else:
            parsed[key] = float(number) if not integer else int(number)
    channels = raw.get("hiring_channels") or []
    if isinstance(channels, str):
        channels = [c for c in channels.split(",") if c]
    unknown = [c for c in channels if c not in Channel.__members__]
    if unknown:
        errors["hiring_channels"] = f"未知渠道：{'、'.join(unknown)}"
    if errors:
        raise ValidationError("补贴标准有误", fields=errors)
    settings = settings_for(county_id)
    before = rules_of(settings)
    for key, value in parsed.items():
        setattr(settings, key, value)
    settings.hiring_channels = ",".join(c for c in Channel.__members__ if c in channels)
    settings.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("edit_subsidy_rules", "region", county_id, actor=actor, before=before, after=rules_of(settings))
    return settings


# --- arithmetic (pure) -------------------------------------------------------------------------------

def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_months(started_on: dt.date, ended_on: dt.date | None, through: dt.date, *, max_months: int,
                     min_days: int) -> list[dt.date]:
    """First days of the months a placement earns the retention subsidy for.

    A month counts when it has ended by ``through`` and the placement covers at least
    ``min_days`` of its days (every day of a shorter month is enough); at most ``max_months``.
    """
    months: list[dt.date] = []
    month = month_start(started_on)
    while len(months) < max_months and month_end(month) <= through:
        if ended_on is not None and ended_on < month:
            break
        first, last = max(month, started_on), min(month_end(month), ended_on or month_end(month))
        covered = (last - first).days + 1
        if covered >= min(min_days, month_end(month).day):
            months.append(month)
        month = month_end(month) + dt.timedelta(days=1)
    return months


def hiring_due(started_on: dt.date, ended_on: dt.date | None, through: dt.date, *, min_months: int) -> dt.date | None:
    """The day a hire earns the one-off hiring subsidy (``min_months`` in the job), if it has by ``through``."""
    due = add_months(started_on, min_months)
    if due > through or (ended_on is not None and ended_on < due):
        return None
    return due


# --- the ledger --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    kind: SubsidyKind
    person_id: int
    referral_id: int
    employer_id: int | None
    month: dt.date
    amount: float
    note: str


def default_through(on: dt.date | None = None) -> dt.date:
    """The last day of the previous month: the latest month that has ended."""
    return month_start(on or _today()) - dt.timedelta(days=1)


def compute(county_id: int, through: dt.date, rules: dict) -> list[Due]:
    """Every subsidy the county's placements earn up to ``through`` under ``rules``."""
    placements = db.session.execute(
        sa.select(Referral.id, Referral.person_id, Referral.started_on, Referral.ended_on, Posting)
        .join(Person, Person.id == Referral.person_id)
        .join(Site, Site.id == Person.site_id)
        .join(Posting, Posting.id == Referral.posting_id)
        .where(Site.county_id == county_id, Referral.started_on.is_not(None), Referral.started_on <= through)
        .order_by(Referral.started_on, Referral.id)
        .options(sa.orm.joinedload(Posting.county))
    ).all()
    channels = set(rules["hiring_channels"].split(",")) if rules["hiring_channels"] else set()
    out: list[Due] = []
    paid_hiring: set[tuple[int, int]] = set()
    for rid, pid, started, ended, posting in placements:
        if rules["retention_monthly"] > 0 and placement_status(posting) is EmploymentStatus.OUT_OF_PROVINCE:
            months = retention_months(started, ended, through, max_months=rules["retention_max_months"],
                                      min_days=rules["retention_min_days"])
            for n, month in enumerate(months, start=1):
                out.append(Due(SubsidyKind.RETENTION, pid, rid, posting.employer_id, month,
                               float(rules["retention_monthly"]), f"省外务工第{n}个月"))
        if rules["hiring_amount"] > 0 and posting.channel.name in channels \
                and (posting.employer_id, pid) not in paid_hiring:
            due = hiring_due(started, ended, through, min_months=rules["hiring_min_months"])
            if due is not None:
                paid_hiring.add((posting.employer_id, pid))
                out.append(Due(SubsidyKind.HIRING, pid, rid, posting.employer_id, month_start(due),
                               float(rules["hiring_amount"]), f"在岗满{rules['hiring_min_months']}个月（{due:%Y-%m-%d}）"))
    return out


def recompute(county_id: int, *, through: dt.date | None = None, actor=None) -> SubsidyRun:
    """Bring the county's ledger in line with its placements and rules; returns the recorded run."""
    through = through or default_through()
    if through > _today():
        raise ValidationError("计算截止日不能晚于今天")
    rules = rules_of(settings_for(county_id))
    due = {(d.kind, d.referral_id, d.month): d for d in compute(county_id, through, rules)}
    run = SubsidyRun(county_id=county_id, user_id=getattr(actor, "id", None),
                     actor=getattr(actor, "username", None) or (actor if isinstance(actor, str) else "命令行"),
                     through=through, rules=json.dumps(rules, ensure_ascii=False))
    db.session.add(run)
    db.session.flush()
    current = db.session.scalars(sa.select(SubsidyEntry).where(
        SubsidyEntry.county_id == county_id, SubsidyEntry.voided_run_id.is_(None))).all()
    kept: set[tuple] = set()
    for entry in current:
        key = (entry.kind, entry.referral_id, entry.month)
        wanted = due.get(key)
        if entry.month > month_start(through) and wanted is None:
            kept.add(key)  # beyond this run's horizon: left as it is
            run.unchanged += 1
        elif wanted is not None and wanted.amount == entry.amount and key not in kept:
            kept.add(key)
            run.unchanged += 1
        else:
            entry.voided_run_id = run.id
            run.voided += 1
    new = [d for key, d in due.items() if key not in kept]
    for chunk_start in range(0, len(new), 5000):
        db.session.execute(SubsidyEntry.__table__.insert(), [
            {"county_id": county_id, "kind": d.kind, "person_id": d.person_id, "referral_id": d.referral_id,
             "employer_id": d.employer_id, "month": d.month, "amount": d.amount, "note": d.note, "run_id": run.id}
            for d in new[chunk_start:chunk_start + 5000]
        ])
    run.added = len(new)
    db.session.flush()
    run.total_amount = float(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SubsidyEntry.amount), 0)).where(
        SubsidyEntry.county_id == county_id, SubsidyEntry.voided_run_id.is_(None))))
    audit.record("subsidy_recompute", "region", county_id, actor=actor, through=through, added=run.added,
                 voided=run.voided, unchanged=run.unchanged, total=run.total_amount)
    db.session.flush()
    return run


@dataclass
class LedgerView:
    entries: list[SubsidyEntry]
    total: int
    amount: float
    by_month: list[tuple[dt.date, SubsidyKind, int, float]]


def ledger(county_id: int, *, month_from: dt.date | None = None, month_to: dt.date | None = None,
           kind: SubsidyKind | None = None, limit: int = 200, offset: int = 0) -> LedgerView:
    """Entries in force, newest month first, with totals per month and kind."""
    conds = [SubsidyEntry.county_id == county_id, SubsidyEntry.voided_run_id.is_(None)]
    if month_from:
        conds.append(SubsidyEntry.month >= month_start(month_from))
    if month_to:
        conds.append(SubsidyEntry.month <= month_start(month_to))
    if kind:
        conds.append(SubsidyEntry.kind == kind)
    total, amount = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(SubsidyEntry.amount), 0)).where(*conds)).one()
    entries = list(db.session.scalars(
        sa.select(SubsidyEntry).where(*conds)
        .order_by(SubsidyEntry.month.desc(), SubsidyEntry.kind, SubsidyEntry.person_id, SubsidyEntry.id)
        .limit(limit).offset(offset)
        .options(sa.orm.joinedload(SubsidyEntry.person).joinedload(Person.site),
                 sa.orm.joinedload(SubsidyEntry.employer),
                 sa.orm.joinedload(SubsidyEntry.referral).joinedload(Referral.posting))
    ))
    by_month = [tuple(r) for r in db.session.execute(
        sa.select(SubsidyEntry.month, SubsidyEntry.kind, sa.func.count(), sa.func.sum(SubsidyEntry.amount))
        .where(*conds).group_by(SubsidyEntry.month, SubsidyEntry.kind)
        .order_by(SubsidyEntry.month.desc(), SubsidyEntry.kind)
    )]
    return LedgerView(entries, int(total), float(amount), by_month)


def runs(county_id: int, limit: int = 20) -> list[SubsidyRun]:
    """The latest recomputations (the audit trail of the ledger)."""
    return list(db.session.scalars(sa.select(SubsidyRun).where(SubsidyRun.county_id == county_id)
                                   .order_by(SubsidyRun.id.desc()).limit(limit)))


def ledger_rows(county_id: int, *, month_from: dt.date | None = None, month_to: dt.date | None = None):
    """Rows for the payment export: every entry in force in the months asked, with full ID numbers."""
    from jobmatch.people.services import reveal_id

    view = ledger(county_id, month_from=month_from, month_to=month_to, limit=1_000_000)
    for e in reversed(view.entries):
        r = e.referral
        yield [e.kind.label, f"{e.month:%Y-%m}", e.person.name, reveal_id(e.person), e.person.site.name,
               e.employer.name if e.employer else "", r.posting.code, r.posting.title,
               r.started_on.isoformat() if r.started_on else "", r.ended_on.isoformat() if r.ended_on else "",
               int(e.amount) if float(e.amount).is_integer() else e.amount, e.note or "", e.run_id]


LEDGER_HEADER = ("补贴类型", "月份", "姓名", "身份证号", "安置点", "用工单位", "岗位编号", "岗位名称", "入职日期",
                 "离职日期", "金额(元)", "说明", "计算批次")
