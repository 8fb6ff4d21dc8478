"""A fixed-window counter kept in the database, shared by every server worker."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from jobmatch.accounts.models import ThrottleHit
from jobmatch.database import utcnow
from jobmatch.extensions import db


def count(key: str, window_seconds: int) -> int:
    """How many hits ``key`` has inside the window ending now."""
    since = utcnow() - dt.timedelta(seconds=window_seconds)
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(ThrottleHit).where(ThrottleHit.key == key, ThrottleHit.at >= since)
    ) or 0


def is_limited(key: str, limit: int, window_seconds: int) -> bool:
    return count(key, window_seconds) >= limit


def hit(key: str) -> None:
    """Count one event for ``key``; old rows are pruned now and then."""
    db.session.add(ThrottleHit(key=key))
    db.session.flush()


def clear(key: str) -> None:
    db.session.execute(sa.delete(ThrottleHit).where(ThrottleHit.key == key))


def prune(older_than_seconds: int = 86400) -> None:
    """Drop hits older than a day."""
    cutoff = utcnow() - dt.timedelta(seconds=older_than_seconds)
    db.session.execute(sa.delete(ThrottleHit).where(ThrottleHit.at < cutoff))
