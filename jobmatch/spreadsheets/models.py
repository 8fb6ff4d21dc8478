"""The record kept of every applied import."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.database import utcnow
from jobmatch.extensions import db


class ImportRecord(db.Model):
    """Who imported which file when, and what it changed."""

    __tablename__ = "import_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sites / register / postings / outcomes …
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    file_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(sa.String(60))
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_added: Mapped[int] = mapped_column(default=0)
    rows_updated: Mapped[int] = mapped_column(default=0)
    rows_unchanged: Mapped[int] = mapped_column(default=0)
    #: free-form summary shown on the import history page
    summary: Mapped[str | None] = mapped_column(sa.Text)

    user = relationship("User")
