"""Users, server-side sessions, throttle hits and audit events."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.database import TimestampMixin, enum_column, utcnow
from jobmatch.extensions import db
from jobmatch.places.models import Region, RegionLevel, Site


class Role(enum.Enum):
    CITY_ADMIN = "city_admin"
    COUNTY_REVIEWER = "county_reviewer"
    TOWNSHIP_CLERK = "township_clerk"
    SITE_CLERK = "site_clerk"
    BROKER = "broker"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def region_level(self) -> RegionLevel | None:
        """The level of region a user with this role is scoped to (None: a site)."""
        return ROLE_REGION_LEVEL[self]

    @property
    def is_staff(self) -> bool:
        return self is not Role.BROKER


ROLE_LABELS = {
    Role.CITY_ADMIN: "市级管理员",
    Role.COUNTY_REVIEWER: "县级审核员",
    Role.TOWNSHIP_CLERK: "镇级录入员",
    Role.SITE_CLERK: "安置点信息采集员",
    Role.BROKER: "劳务经纪人",
}
ROLE_REGION_LEVEL = {
    Role.CITY_ADMIN: RegionLevel.CITY,
    Role.COUNTY_REVIEWER: RegionLevel.COUNTY,
    Role.TOWNSHIP_CLERK: RegionLevel.TOWNSHIP,
    Role.SITE_CLERK: None,
    Role.BROKER: RegionLevel.COUNTY,
}


class User(TimestampMixin, db.Model):
    """A staff member or broker who signs in at /login."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(60), unique=True)
    #: argon2id hash
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    display_name: Mapped[str | None] = mapped_column(sa.String(60))
    #: work phone shown to job seekers (brokers), not a register person's number
    work_phone: Mapped[str | None] = mapped_column(sa.String(20))
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[dt.datetime | None]

    region: Mapped[Region | None] = relationship()
    site: Mapped[Site | None] = relationship()

    #: token of the server-side session this object was loaded through (not a column)
    session_token = None

    # Flask-Login protocol: the id kept in the cookie is the server-side session token,
    # so revoking the session row signs the browser out everywhere.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def area_name(self) -> str:
        if self.site is not None:
            return self.site.name
        return self.region.name if self.region is not None else "—"


class UserSession(db.Model):
    """A signed-in browser; the cookie carries the token, the table its sha256."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A bearer token for scripts calling /api/v1; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class ThrottleHit(db.Model):
    """One counted event (a failed login, a kiosk ID lookup) for a throttle key.

    Kept in the database so the limit holds across every server worker.
    """

    __tablename__ = "throttle_hits"
    __table_args__ = (sa.Index("ix_throttle_hits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEvent(db.Model):
    """Who viewed, exported or changed what, and when."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: username or "命令行" / "自助终端" at the time of the event
    actor: Mapped[str] = mapped_column(sa.String(60))
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    detail: Mapped[str | None] = mapped_column(sa.Text)
    ip: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User | None] = relationship()
