"""Bearer-token authentication and scope for the API."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from jobmatch.accounts.models import Role
from jobmatch.accounts.services import user_for_api_token, user_scope
from jobmatch.errors import JobmatchError, PermissionDenied
from jobmatch.places.services import Scope

#: read-only endpoints without personal data that a signed-in page may also call with its session
SESSION_ENDPOINTS = frozenset({"api.occupation_suggest"})


class Unauthorized(JobmatchError):
    status = 401
    code = "unauthorized"


def authenticate() -> None:
    """``before_request``: a valid ``Authorization: Bearer jm_…`` token is required."""
    if request.endpoint == "api.openapi":
        return
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    if token is None and request.endpoint in SESSION_ENDPOINTS and current_user.is_authenticated:
        g.api_user = current_user._get_current_object()  # the posting form's live suggestions
        return
    user = user_for_api_token(token)
    if user is None:
        raise Unauthorized("缺少或无效的接口令牌：请在请求头中提供 Authorization: Bearer <令牌>")
    g.api_user = user


def api_user():
    return g.api_user


def api_scope() -> Scope:
    if "api_scope" not in g:
        g.api_scope = user_scope(g.api_user)
    return g.api_scope


def require_roles(*roles: Role) -> None:
    if g.api_user.role not in roles:
        raise PermissionDenied("该令牌的账号没有权限调用此接口")
