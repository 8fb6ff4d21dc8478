"""Guards: sign-in, roles, and the region scope every query applies."""

from __future__ import annotations

from functools import wraps

from flask import g, redirect, request, url_for
from flask_login import current_user

from jobmatch.accounts.models import Role
from jobmatch.accounts.services import user_scope
from jobmatch.errors import PermissionDenied
from jobmatch.places.services import Scope

STAFF_ROLES = frozenset({Role.CITY_ADMIN, Role.COUNTY_REVIEWER, Role.TOWNSHIP_CLERK, Role.SITE_CLERK})


def current_scope() -> Scope:
    """The signed-in user's scope, computed once per request."""
    if "scope" not in g:
        g.scope = user_scope(current_user)
    return g.scope


def require_roles(*roles: Role):
    """A ``before_request`` hook: sign-in required, then one of ``roles``."""
    allowed = frozenset(roles)

    def guard():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        if current_user.role not in allowed:
            raise PermissionDenied("您的账号没有权限访问此页面")
        return None

    return guard


def roles_required(*roles: Role):
    """Decorator for a view open only to ``roles`` (on top of the blueprint guard)."""
    allowed = frozenset(roles)

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role not in allowed:
                raise PermissionDenied("您的账号没有权限进行此操作")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def can_see_full_numbers() -> bool:
    """Staff may reveal a full ID or phone number (each reveal is audited); brokers never."""
    return current_user.is_authenticated and current_user.role in STAFF_ROLES
