"""Settings read from ``JOBMATCH_*`` environment variables.

There is no fallback production secret: ``create_app`` refuses to start
without ``JOBMATCH_SECRET_KEY`` and ``JOBMATCH_DATA_KEY`` unless the config is
a testing one. ``scripts/run`` generates both into the instance folder.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"JOBMATCH_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw not in (None, "") else default


def instance_path() -> Path:
    """Where the SQLite file, generated secrets and model artefacts live."""
    return Path(_env("INSTANCE_PATH") or REPO_ROOT / "instance").resolve()


def _read_secret_file(name: str) -> str | None:
    path = instance_path() / name
    if path.is_file():
        return path.read_text(encoding="utf-8").strip() or None
    return None


class Config:
    """Production-style settings; every value can be overridden from the environment."""

    TESTING = False
    INSTANCE_PATH = str(instance_path())
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL") or f"sqlite:///{instance_path() / 'jobmatch.sqlite'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SECRET_KEY = _env("SECRET_KEY") or _read_secret_file("secret_key")
    #: key for encrypting ID and phone numbers and for the keyed lookup hashes
    DATA_KEY = _env("DATA_KEY") or _read_secret_file("data_key")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("COOKIE_SECURE", True)
    SESSION_COOKIE_NAME = "jobmatch_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    #: staff sessions end after this many minutes without a request
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 60)
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    WTF_CSRF_TIME_LIMIT = None

    #: uploads above this size are refused with a clear message
    MAX_CONTENT_LENGTH = _env_int("MAX_UPLOAD_MB", 30) * 1024 * 1024
    #: login throttle: failures per username/IP inside the window before a lock
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_WINDOW_SECONDS = _env_int("LOGIN_WINDOW_SECONDS", 900)

    #: name of the city created when a county arrives without one
    DEFAULT_CITY = _env("DEFAULT_CITY", "安康市")
    #: province of the counties this installation serves (workplace province comparisons)
    HOME_PROVINCE = _env("HOME_PROVINCE", "陕西")
    #: age band of an able-bodied worker, inclusive
    WORKING_AGE_MIN = _env_int("WORKING_AGE_MIN", 16)
    WORKING_AGE_MAX = _env_int("WORKING_AGE_MAX", 60)
    #: zero-employment service promise: this many suitable referrals within this many days of detection
    ZERO_EMPLOYMENT_REFERRALS = _env_int("ZERO_EMPLOYMENT_REFERRALS", 3)
    ZERO_EMPLOYMENT_REFERRAL_DAYS = _env_int("ZERO_EMPLOYMENT_REFERRAL_DAYS", 30)
    #: a 三个月失联 exit needs no successful contact for this many days
    LOST_CONTACT_DAYS = _env_int("LOST_CONTACT_DAYS", 90)

    #: kiosk: seconds without a touch before the countdown, and the countdown's length
    KIOSK_IDLE_SECONDS = _env_int("KIOSK_IDLE_SECONDS", 90)
    KIOSK_COUNTDOWN_SECONDS = _env_int("KIOSK_COUNTDOWN_SECONDS", 10)
    #: kiosk: failed ID lookups per terminal inside the window before the terminal pauses lookups
    KIOSK_LOOKUP_MAX_FAILURES = _env_int("KIOSK_LOOKUP_MAX_FAILURES", 5)
    KIOSK_LOOKUP_WINDOW_SECONDS = _env_int("KIOSK_LOOKUP_WINDOW_SECONDS", 600)
    #: kiosk: how many ranked postings a visit keeps (cards are filtered from these)
    KIOSK_TOP_JOBS = _env_int("KIOSK_TOP_JOBS", 60)


class TestingConfig(Config):
    """Settings for the test suite: fixed keys, no secure-cookie requirement, fast hashing."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    DATA_KEY = "dGVzdC1kYXRhLWtleS1ub3QtZm9yLXByb2R1Y3Rpb24tMDEyMzQ1Njc4OQ"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    #: cheap argon2 parameters so the suite stays fast; production keeps the strong defaults
    PASSWORD_HASH_FAST = True
    WTF_CSRF_ENABLED = True
