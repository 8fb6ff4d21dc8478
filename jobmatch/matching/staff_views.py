"""Staff page of the model registry: versions with their held-out metrics; activate, roll back, use rules.

Open to city administrators and county reviewers (the scorer is installation-wide).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from jobmatch.accounts.models import Role
from jobmatch.accounts.permissions import roles_required
from jobmatch.broker.forms import ActionForm
from jobmatch.errors import ValidationError
from jobmatch.extensions import db
from jobmatch.matching import service
from jobmatch.staff.views import bp

MANAGERS = (Role.CITY_ADMIN, Role.COUNTY_REVIEWER)
KIND_ZH = {"logistic": "加性逻辑回归", "hgb": "梯度提升树", "rules": "规则评分", "random": "随机"}


def _me():
    return current_user._get_current_object()


def _check() -> None:
    if not ActionForm().validate_on_submit():
        raise ValidationError("表单已过期，请刷新页面后重试")


@bp.route("/matching/models")
@roles_required(*MANAGERS)
def matching_models():
    """Model versions, which one ranks now, and the rule weights and policy rule in force."""
    status = service.scorer_status()
    return render_template("staff/matching_models.html", versions=service.versions(), status=status,
                           rules=service.rule_scorer().describe(), policy=service.policy_config().describe(50),
                           kind_zh=KIND_ZH, action_form=ActionForm())


@bp.route("/matching/models/<version>/activate", methods=["POST"])
@roles_required(*MANAGERS)
def matching_activate(version: str):
    _check()
    try:
        service.activate(version, user=_me())
        db.session.commit()
        flash(f"已启用模型 {version}", "success")
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("staff.matching_models"))


@bp.route("/matching/models/rollback", methods=["POST"])
@roles_required(*MANAGERS)
def matching_rollback():
    _check()
    row = service.rollback(user=_me())
    db.session.commit()
    flash(f"已回滚到模型 {row.version}" if row else "没有可回滚的模型版本，已改用规则评分", "success")
    return redirect(url_for("staff.matching_models"))


@bp.route("/matching/models/use-rules", methods=["POST"])
@roles_required(*MANAGERS)
def matching_use_rules():
    _check()
    service.use_rules(user=_me())
    db.session.commit()
    flash("已停用模型，改用规则评分", "success")
    return redirect(url_for("staff.matching_models"))


