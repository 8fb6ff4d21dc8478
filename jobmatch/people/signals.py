"""Signals the register sends after writing, so higher layers (monitoring) can react in the
same transaction without the register importing them."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from blinker import Namespace

from jobmatch.people.enums import EmploymentStatus, StatusSource

_signals = Namespace()

#: sent after status rows were written and flushed: ``sender`` is the StatusSource,
#: ``writes`` a list of StatusWrite, ``actor`` the user (or label) who wrote them
status_written = _signals.signal("status-written")


class StatusWrite(NamedTuple):
    person_id: int
    previous: EmploymentStatus | None
    status: EmploymentStatus
    effective_on: dt.date


def notify(source: StatusSource, writes: list[StatusWrite], actor=None) -> None:
    """Tell the receivers about ``writes`` (nothing is sent for an empty list)."""
    if writes:
        status_written.send(source, writes=writes, actor=actor)
