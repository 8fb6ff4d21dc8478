"""Declarative base, naming conventions, timestamp mixin and engine tuning."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: constraint names stay stable across SQLite and PostgreSQL, which Alembic needs
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Timezone-naive UTC now; every ``*_at`` column stores UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def today() -> dt.date:
    """The current date (local to the server); kept in one place so tests can freeze it."""
    return dt.date.today()


class Model(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    #: when the row was created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: when the row last changed (UTC)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def enum_column(enum_cls, **kwargs) -> sa.Enum:
    """A portable enum column storing member names as VARCHAR with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.name) for m in enum_cls) + 4,
        validate_strings=True,
        name=kwargs.pop("name", enum_cls.__name__.lower()),
        **kwargs,
    )


def tune_sqlite(engine: sa.engine.Engine) -> None:
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA synchronous=NORMAL")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()


class WriteCounter:
    """Counts this process's writes to some tables, for caches that must notice them.

    ORM flushes (new, changed or deleted objects) and INSERT / UPDATE / DELETE statements run
    through a session (the bulk imports) both count. A cache keeps the ``count`` it saw when it
    was filled and is stale once the count has moved; ``bump()`` is for Core writes that bypass
    the session. Writes by other processes are not seen: each cache bounds those by its own means.
    """

    def __init__(self, tables) -> None:
        self.tables = frozenset(tables)
        self.count = 0
        sa.event.listen(sa.orm.Session, "after_flush", self._after_flush)
        sa.event.listen(sa.orm.Session, "do_orm_execute", self._on_execute)

    def bump(self) -> None:
        self.count += 1

    def _after_flush(self, session, _ctx) -> None:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if getattr(obj, "__tablename__", None) in self.tables:
                self.count += 1
                return

    def _on_execute(self, state) -> None:
        table = getattr(state.statement, "table", None)
        if (state.is_insert or state.is_update or state.is_delete) and getattr(table, "name", None) in self.tables:
            self.count += 1
