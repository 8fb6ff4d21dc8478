"""A short-lived, per-process cache for the progress page's figures and the skill-gap report.

Both are read far more often than the data under them change (many staff open the same
county's progress page; the register changes by imports a few times a day). A cached entry
is used only while

* no write to a table the figures read has been flushed in this process since it was made
  (an ``after_flush`` listener for ORM objects and a ``do_orm_execute`` listener for bulk
  INSERT / UPDATE / DELETE statements bump a counter — so a page always shows this process's
  own changes at once), and
* it is younger than ``TRAINING_FIGURES_CACHE_SECONDS`` (default 60; 0 turns the cache off) —
  the bound on how stale a figure can be after a write by *another* process (a command-line
  import, another web worker).

Keys are the figure's name, the scope's site ids, the day and the arguments. The cold path
(what the benchmark prints as "cold") is the SQL of ``indicators.progress_figures`` and
``gaps.skill_gap_report``; values are deep-copied out so callers may change them.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict

from flask import current_app

from jobmatch.database import WriteCounter, today

_lock = threading.Lock()
MAX_ENTRIES = 64

#: this process's writes to the tables the figures read (see ``database.WriteCounter``)
_writes = WriteCounter({
    "persons", "households", "person_skills", "person_certificates", "status_events", "sites", "regions",
    "skills", "certificates", "postings", "posting_skills", "posting_certificates", "employers", "referrals",
    "courses", "course_sessions", "course_postings", "enrollments", "attendance", "certificate_awards",
})


def invalidate() -> None:
    """Forget every cached figure (e.g. after a Core write that bypassed the session)."""
    _writes.bump()


def cached(name: str, scope, compute, *args):
    """``compute(scope, *args)``, or a copy of its cached value (see the module docstring)."""
    ttl = float(current_app.config.get("TRAINING_FIGURES_CACHE_SECONDS", 60))
    if ttl <= 0:
        return compute(scope, *args)
    store: OrderedDict = current_app.extensions.setdefault("training_figures", OrderedDict())
    key = (name, tuple(sorted(scope.site_ids)), today(), args)
    now = time.monotonic()
    with _lock:
        hit = store.get(key)
        if hit is not None and hit[0] == _writes.count and now - hit[1] < ttl:
            store.move_to_end(key)
            return copy.deepcopy(hit[2])
    seen = _writes.count
    value = compute(scope, *args)
    with _lock:
        store[key] = (seen, now, value)
        store.move_to_end(key)
        while len(store) > MAX_ENTRIES:
            store.popitem(last=False)
    return copy.deepcopy(value)
