"""Command-line tools of the jobs domain (registered on the ``jobmatch`` group).

``jobmatch shortlist`` now ranks with the matching engine (model order and policy order);
it lives in :mod:`jobmatch.matching.cli` and is re-exported here for the registration.
"""

from __future__ import annotations

from jobmatch.matching.cli import shortlist_command

__all__ = ["shortlist_command"]
