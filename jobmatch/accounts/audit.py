"""The audit log: reads of sensitive data, exports, changes and sign-ins."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db

ACTION_LABELS = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "view_person": "查看人员",
    "view_household": "查看家庭",
    "reveal_id": "查看完整身份证号",
    "reveal_phone": "查看完整电话",
    "edit_person": "修改人员",
    "status_change": "变更就业状态",
    "status_confirm": "月度核实",
    "import": "导入文件",
    "export": "导出文件",
    "create_user": "创建账号",
    "edit_user": "修改账号",
    "edit_site": "修改安置点",
    "edit_synonym": "修改同义词",
    "create_token": "创建接口令牌",
    "api_read": "接口读取",
    "enroll": "培训报名",
    "edit_training": "维护培训",
    "complete_training": "培训结业",
    "exam_result": "登记考试结果",
    "award_certificate": "登记证书",
    "train_model": "训练匹配模型",
    "activate_model": "启用匹配模型",
    "deactivate_model": "停用匹配模型",
    "recommend": "生成岗位推荐",
}


def record(action: str, object_type: str | None = None, object_id: int | None = None, *, actor=None, **detail):
    """Add an audit event for the current user (or ``actor``: a User or a label)."""
    user = actor if actor is not None and not isinstance(actor, str) else None
    label = actor if isinstance(actor, str) else None
    if user is None and label is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    event = AuditEvent(
        user_id=user.id if user is not None else None,
        actor=user.username if user is not None else (label or "命令行"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def events_for(object_type: str, object_id: int, limit: int = 50) -> list[AuditEvent]:
    """The latest audit events about one object."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
