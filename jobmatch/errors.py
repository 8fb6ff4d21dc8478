"""Domain errors and the single error shape for HTML pages and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class JobmatchError(Exception):
    """Base class: ``message`` is what the user reads (Chinese)."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: dict | list | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationError(JobmatchError):
    """Input that breaks a rule; ``fields`` maps a field name to its message."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message, details=fields or None)
        self.fields = fields or {}


class NotFound(JobmatchError):
    status = 404
    code = "not_found"


class PermissionDenied(JobmatchError):
    status = 403
    code = "forbidden"


class Conflict(JobmatchError):
    status = 409
    code = "conflict"


@dataclass
class RowError:
    """One problem in an imported file: ``第N行 列名: 原因``."""

    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"第{self.row}行 " if self.row else ""
        col = f"{self.column}: " if self.column else ""
        return f"{where}{col}{self.reason}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason, "text": str(self)}


@dataclass
class ImportRejected(JobmatchError):
    """A file with at least one bad row: nothing was written."""

    errors: list[RowError] = field(default_factory=list)
    status = 422
    code = "import_rejected"

    def __post_init__(self):
        super().__init__(f"文件有 {len(self.errors)} 处错误，未导入任何数据", details=[e.as_dict() for e in self.errors])


HTTP_MESSAGES = {
    400: "请求有误，请检查后重试",
    401: "请先登录",
    403: "您没有权限访问此页面",
    404: "找不到您要的页面或记录",
    405: "不支持此操作",
    413: "上传的文件太大",
    429: "操作太频繁，请稍后再试",
    500: "系统出现错误，请稍后再试；如果一直出现，请联系管理员",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, details=None):
    """Render the one error shape: JSON under /api/, an HTML page elsewhere."""
    if _wants_json():
        body = {"error": {"code": code, "message": message}}
        if details is not None:
            body["error"]["details"] = details
        return jsonify(body), status
    return render_template("errors.html", status=status, message=message, details=details), status


def register_error_handlers(app: Flask) -> None:
    """Map domain errors and HTTP errors to the one error shape."""

    @app.errorhandler(JobmatchError)
    def _domain(err: JobmatchError):
        return error_response(err.status, err.code, err.message, err.details)

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):
        return error_response(400, "csrf", "页面已过期或表单来源无效，请刷新页面后重试")

    @app.errorhandler(413)
    def _too_large(err):
        limit_mb = (app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return error_response(413, "too_large", f"上传的文件太大：最大允许 {limit_mb} MB，请拆分后再上传")

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        status = err.code or 500
        return error_response(status, err.name.lower().replace(" ", "_"), HTTP_MESSAGES.get(status, err.description))

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, "server_error", HTTP_MESSAGES[500])
