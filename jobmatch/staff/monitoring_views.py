"""Monitoring pages under /staff/monitoring."""

from __future__ import annotations

from flask import Blueprint

from jobmatch.accounts.permissions import STAFF_ROLES, require_roles

bp = Blueprint("monitoring", __name__, url_prefix="/staff/monitoring")
bp.before_request(require_roles(*STAFF_ROLES))
