"""Sign-in and sign-out for staff and brokers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from jobmatch.accounts.forms import LoginForm
from jobmatch.accounts.models import Role
from jobmatch.accounts.services import authenticate, end_session, login_locked, start_session
from jobmatch.extensions import db

bp = Blueprint("auth", __name__)


def _home_for(user) -> str:
    if user.role is Role.BROKER and "broker.home" in _endpoints():
        return url_for("broker.home")
    return url_for("staff.home")


def _endpoints():
    from flask import current_app

    return current_app.view_functions


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Staff and broker sign-in (throttled per username and per IP address)."""
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip()
        ip = request.remote_addr
        if login_locked(username, ip):
            error, status = "登录失败次数过多，账号已临时锁定，请 15 分钟后再试", 429
        else:
            user = authenticate(username, form.password.data, ip)
            if user is None:
                db.session.commit()  # keep the failure count
                error, status = "用户名或密码不正确", 401
                if login_locked(username, ip):
                    error, status = "登录失败次数过多，账号已临时锁定，请 15 分钟后再试", 429
            else:
                session.clear()  # a new session id after sign-in (no fixation)
                start_session(user, ip, request.user_agent.string)
                login_user(user)
                db.session.commit()
                flash(f"欢迎，{user.name}", "success")
                return redirect(_safe_next(request.args.get("next")) or _home_for(user))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: the server-side session is revoked, so the old cookie is worthless."""
    if current_user.is_authenticated:
        end_session(current_user.get_id())
        from jobmatch.accounts import audit

        audit.record("logout", "user", current_user.id)
        db.session.commit()
    logout_user()
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))
