"""Kiosk terminals, kiosk sessions, referral requests and self-registration requests."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.accounts.models import User
from jobmatch.database import TimestampMixin, enum_column, utcnow
from jobmatch.extensions import db
from jobmatch.jobs.models import Posting, Referral
from jobmatch.people.enums import LabelEnum, WorkPreference
from jobmatch.people.models import Person
from jobmatch.places.models import Site


class RequestStatus(LabelEnum):
    PENDING = "等待处理"
    REFERRED = "已推荐"
    DECLINED = "未通过"


class RegistrationStatus(LabelEnum):
    PENDING = "等待审核"
    APPROVED = "已登记"
    REJECTED = "未通过"


class KioskTerminal(TimestampMixin, db.Model):
    """A touch-screen terminal at a site's employment service station, paired by a clerk."""

    __tablename__ = "kiosk_terminals"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    #: sha256 of the random token kept (signed) in the terminal's cookie
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    paired_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None]
    last_seen_at: Mapped[dt.datetime | None]

    site: Mapped[Site] = relationship()
    paired_by: Mapped[User | None] = relationship()


class KioskSession(db.Model):
    """One person's visit at a terminal; ended by 退出, the idle timeout or the next identification."""

    __tablename__ = "kiosk_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the random token in the kiosk cookie
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    terminal_id: Mapped[int] = mapped_column(sa.ForeignKey("kiosk_terminals.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    #: the visit's ranking, computed once (JSON: mode → [[posting id, score, [reasons]], …])
    ranking: Mapped[str | None] = mapped_column(sa.Text)

    terminal: Mapped[KioskTerminal] = relationship()
    person: Mapped[Person] = relationship()


class KioskRequest(TimestampMixin, db.Model):
    """我想去: a job seeker asks to be referred to a posting; the broker or site clerk decides."""

    __tablename__ = "kiosk_requests"
    __table_args__ = (sa.Index("ix_kiosk_requests_status_site", "status", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    posting_id: Mapped[int] = mapped_column(sa.ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    #: the person's site when asking (region scope of the clerk's queue)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    terminal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kiosk_terminals.id", ondelete="SET NULL"))
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus))
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    referral_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id", ondelete="SET NULL"))
    #: why the request was declined, shown to the job seeker
    decline_reason: Mapped[str | None] = mapped_column(sa.String(200))

    person: Mapped[Person] = relationship()
    posting: Mapped[Posting] = relationship()
    site: Mapped[Site] = relationship()
    referral: Mapped[Referral | None] = relationship()
    decided_by: Mapped[User | None] = relationship()


class KioskRegistration(TimestampMixin, db.Model):
    """新来的: a self-registration request; nothing enters the register until a clerk approves it."""

    __tablename__ = "kiosk_registrations"
    __table_args__ = (sa.Index("ix_kiosk_registrations_status_site", "status", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    terminal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kiosk_terminals.id", ondelete="SET NULL"))
    #: AES-GCM ciphertext and keyed hash of the ID number, as in the register
    id_number_enc: Mapped[str] = mapped_column(sa.String(120))
    id_number_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    phone_enc: Mapped[str | None] = mapped_column(sa.String(120))
    work_preference: Mapped[WorkPreference | None] = mapped_column(enum_column(WorkPreference))
    wants_training: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reject_reason: Mapped[str | None] = mapped_column(sa.String(200))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id", ondelete="SET NULL"))

    site: Mapped[Site] = relationship()
    decided_by: Mapped[User | None] = relationship()
    person: Mapped[Person | None] = relationship()
