"""The OpenAPI document, assembled by apispec from the endpoints' docstrings."""

from __future__ import annotations

from apispec import APISpec
from apispec_webframeworks.flask import FlaskPlugin
from flask import current_app

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "参数 limit 应在 1 到 100 之间"},
                "details": {},
            },
        }
    },
}
PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "id_number_masked": {"type": "string", "example": "610926********236X"},
        "phone_masked": {"type": "string", "example": "138****5678"},
        "household_code": {"type": "string"},
        "site": {"type": "string"},
        "labor_capacity": {"type": "string"},
        "employment_status": {"type": "string"},
        "skills": {"type": "array", "items": {"type": "string"}},
        "certificates": {"type": "array", "items": {"type": "string"}},
    },
}

_REASONS = {"type": "array", "items": {"type": "string"}}
RECOMMENDATIONS_SCHEMA = {
    "type": "object",
    "properties": {
        "person_id": {"type": "integer"},
        "id_number_masked": {"type": "string"},
        "scorer": {"type": "string", "example": "规则评分"},
        "scorer_warning": {"type": "string", "nullable": True},
        "results": {"type": "array", "items": {"type": "object", "properties": {
            "posting": {"type": "string", "example": "GW00001"}, "title": {"type": "string"},
            "rank": {"type": "integer"}, "score": {"type": "number"},
            "positives": _REASONS, "negatives": _REASONS, "reasons": _REASONS}}},
        "raise_chances": {"type": "string", "nullable": True, "example": "取得叉车证后可匹配的岗位多 12 个"},
        "excluded": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}
_SHORTLIST_ROW = {"type": "object", "properties": {
    "person_id": {"type": "integer"}, "name": {"type": "string"}, "id_number_masked": {"type": "string"},
    "site": {"type": "string"}, "policy_rank": {"type": "integer"}, "model_rank": {"type": "integer"},
    "score": {"type": "number"}, "priority": _REASONS, "policy_note": {"type": "string", "nullable": True},
    "positives": _REASONS, "negatives": _REASONS}}
SHORTLIST_SCHEMA = {
    "type": "object",
    "properties": {
        "posting": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "string"},
        "scorer": {"type": "string"}, "scorer_warning": {"type": "string", "nullable": True},
        "policy_rule": {"type": "string"}, "n_eligible": {"type": "integer"},
        "policy_order": {"type": "array", "items": _SHORTLIST_ROW},
        "model_order": {"type": "array", "items": _SHORTLIST_ROW},
    },
}


def build_spec() -> dict:
    """Collect every /api/v1 view with a YAML docstring into one OpenAPI 3 document."""
    spec = APISpec(
        title="jobmatch API",
        version="1",
        openapi_version="3.0.3",
        plugins=[FlaskPlugin()],
        info={"description": "搬迁群众就业服务平台接口。所有接口（本文件除外）需要 Authorization: Bearer <令牌>；"
                             "令牌用 `jobmatch create-token 用户名` 创建。身份证号和电话一律脱敏。"},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.schema("Person", PERSON_SCHEMA)
    spec.components.schema("PeopleList", {"type": "object", "properties": {
        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Person"}}}})
    spec.components.schema("Recommendations", RECOMMENDATIONS_SCHEMA)
    spec.components.schema("Shortlist", SHORTLIST_SCHEMA)
    spec.components.response("Error", {"description": "错误（统一格式）",
                                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        view = current_app.view_functions[rule.endpoint]
        if view.__doc__ and "---" in view.__doc__:
            spec.path(view=view, app=current_app)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document
