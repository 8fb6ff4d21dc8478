"""Query-parameter parsing for the API with Chinese error messages."""

from __future__ import annotations

from flask import request

from jobmatch.errors import ValidationError


def int_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(f"参数 {name} 应为整数", fields={name: "应为整数"}) from None
    if not minimum <= value <= maximum:
        raise ValidationError(f"参数 {name} 应在 {minimum} 到 {maximum} 之间",
                              fields={name: f"应在 {minimum} 到 {maximum} 之间"})
    return value


def str_arg(name: str, required: bool = False, max_length: int = 100) -> str:
    value = (request.args.get(name) or "").strip()
    if required and not value:
        raise ValidationError(f"缺少参数 {name}", fields={name: "必填"})
    if len(value) > max_length:
        raise ValidationError(f"参数 {name} 太长", fields={name: f"不能超过 {max_length} 个字符"})
    return value
