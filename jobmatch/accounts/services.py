"""Account services: users, password hashing, sign-in with throttling, server-side sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g

from jobmatch.accounts import audit, throttle
from jobmatch.accounts.models import Role, User, UserSession
from jobmatch.database import utcnow
from jobmatch.errors import Conflict, ValidationError
from jobmatch.extensions import db
from jobmatch.places.models import Region, RegionLevel, Site
from jobmatch.places.services import Scope, scope_for

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,60}$")
MIN_PASSWORD_LENGTH = 10

_STRONG = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    return _FAST if current_app.config.get("PASSWORD_HASH_FAST") else _STRONG


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    """Verify a password; rehash transparently when the parameters were strengthened."""
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def validate_password(password: str) -> str | None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位"
    if password.isdigit() or password.isalpha():
        return "密码须同时包含字母和数字"
    return None


def resolve_area(role: Role, area_name: str | None) -> tuple[Region | None, Site | None]:
    """Find the region (or site, for site clerks) a user of ``role`` is scoped to."""
    name = (area_name or "").strip()
    if not name:
        raise ValidationError("请填写所属区域", fields={"region": "请填写所属区域"})
    if role is Role.SITE_CLERK:
        sites = db.session.scalars(sa.select(Site).where(Site.name == name)).all()
        if len(sites) != 1:
            msg = "找不到该安置点" if not sites else "有多个同名安置点，请联系管理员"
            raise ValidationError(msg, fields={"region": msg})
        return None, sites[0]
    level: RegionLevel = role.region_level
    regions = db.session.scalars(sa.select(Region).where(Region.name == name, Region.level == level)).all()
    if len(regions) != 1:
        msg = f"找不到名为「{name}」的{level.value}级区域" if not regions else "有多个同名区域，请联系管理员"
        raise ValidationError(msg, fields={"region": msg})
    return regions[0], None


def create_user(
    username: str,
    password: str,
    role: Role,
    area_name: str | None,
    *,
    display_name: str | None = None,
    work_phone: str | None = None,
    actor=None,
) -> User:
    """Create a user scoped to a region (or a site for site clerks)."""
    errors: dict[str, str] = {}
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        errors["username"] = "用户名须为 3–60 位字母、数字、下划线、点或横线"
    elif db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict(f"用户名「{username}」已存在")
    problem = validate_password(password)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationError("账号信息有误", fields=errors)
    region, site = resolve_area(role, area_name)
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        region=region,
        site=site,
        display_name=(display_name or "").strip() or None,
        work_phone=(work_phone or "").strip() or None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("create_user", "user", user.id, actor=actor, username=username, role=role.value)
    return user


def update_user(user: User, *, role: Role, area_name: str, display_name: str | None, work_phone: str | None,
                is_active: bool, password: str | None = None, actor=None) -> User:
    """Change a user's role, area, name, phone, active flag and optionally password."""
    region, site = resolve_area(role, area_name)
    if password:
        problem = validate_password(password)
        if problem:
            raise ValidationError("账号信息有误", fields={"password": problem})
        user.password_hash = hash_password(password)
    user.role, user.region, user.site = role, region, site
    user.display_name = (display_name or "").strip() or None
    user.work_phone = (work_phone or "").strip() or None
    if user.is_active and not is_active:
        revoke_all_sessions(user)
    user.is_active = is_active
    db.session.flush()
    audit.record("edit_user", "user", user.id, actor=actor, role=role.value, active=is_active)
    return user


def user_scope(user: User) -> Scope:
    """The sites a user may see."""
    return scope_for(region=user.region, site=user.site)


def _area_region_ids(user: User) -> set[int]:
    """Ids of the regions a user's area lies in (itself and every ancestor)."""
    if user.site is not None:
        return {user.site.township_id, user.site.county_id, user.site.city_id}
    ids, region = set(), user.region
    while region is not None:
        ids.add(region.id)
        region = region.parent
    return ids


def users_under(region: Region) -> list[User]:
    """Users whose area lies inside ``region`` (for the admin page)."""
    users = db.session.scalars(sa.select(User).order_by(User.username)).all()
    return [u for u in users if region.id in _area_region_ids(u)]


# --- sign-in --------------------------------------------------------------------------

def _throttle_keys(username: str, ip: str | None) -> list[str]:
    return [f"login:user:{username.lower()}", f"login:ip:{ip or '-'}"]


def login_locked(username: str, ip: str | None) -> bool:
    cfg = current_app.config
    return any(
        throttle.is_limited(key, cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_WINDOW_SECONDS"])
        for key in _throttle_keys(username, ip)
    )


def authenticate(username: str, password: str, ip: str | None) -> User | None:
    """The user when the password is right and the account is neither locked nor disabled.

    Each failure counts against the username and the IP address; at the limit both
    are locked for the window, whatever the password.
    """
    username = (username or "").strip()
    if login_locked(username, ip):
        return None
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is not None and user.is_active and check_password(user, password or ""):
        throttle.clear(_throttle_keys(username, ip)[0])
        return user
    if user is None:
        _STRONG.hash("timing-equaliser") if not current_app.config.get("PASSWORD_HASH_FAST") else None
    for key in _throttle_keys(username, ip):
        throttle.hit(key)
    audit.record("login_failed", "user", user.id if user else None, actor=username[:60] or "?")
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start_session(user: User, ip: str | None, user_agent: str | None) -> str:
    """Open a server-side session; returns the token to keep in the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(token_hash=_token_hash(token), user=user, ip=ip, user_agent=(user_agent or "")[:255])
    )
    user.last_login_at = utcnow()
    user.session_token = token
    audit.record("login", "user", user.id, actor=user)
    db.session.flush()
    return token


def load_session(token: str | None) -> User | None:
    """The user behind a live session token, or None when revoked, idle too long or disabled."""
    if not token:
        return None
    row = db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    now = utcnow()
    idle = dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if now - row.last_seen_at > idle:
        row.revoked_at = now
        g.session_touched = True
        return None
    if now - row.last_seen_at > dt.timedelta(minutes=1):
        row.last_seen_at = now  # written at most once a minute to keep reads cheap
        g.session_touched = True
    row.user.session_token = token
    return row.user


def end_session(token: str | None) -> None:
    """Revoke a session on the server (logout)."""
    if not token:
        return
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == _token_hash(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all_sessions(user: User) -> None:
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# --- API tokens ---------------------------------------------------------------------------

def create_api_token(user: User, name: str) -> str:
    """Issue a bearer token for ``user``; the clear token is returned once and never stored."""
    from jobmatch.accounts.models import ApiToken

    name = (name or "").strip()[:60] or "脚本"
    token = "jm_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, name=name, token_hash=_token_hash(token)))
    audit.record("create_token", "user", user.id, name=name)
    db.session.flush()
    return token


def user_for_api_token(token: str | None) -> User | None:
    """The active user behind a live bearer token."""
    from jobmatch.accounts.models import ApiToken

    if not token or not token.startswith("jm_"):
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
        row.last_used_at = now
        g.session_touched = True
    return row.user
