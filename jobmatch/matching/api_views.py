"""Matching endpoints of the JSON API (added to the ``api`` blueprint; OpenAPI in the docstrings)."""

from __future__ import annotations

from flask import jsonify

from jobmatch.accounts import audit
from jobmatch.accounts.models import Role
from jobmatch.api.auth import api_scope, api_user
from jobmatch.api.params import int_arg
from jobmatch.api.views import bp
from jobmatch.errors import NotFound
from jobmatch.extensions import db
from jobmatch.jobs import services as jobs
from jobmatch.matching import pages, service
from jobmatch.people import services as people


def _is_broker() -> bool:
    return api_user().role is Role.BROKER


@bp.get("/people/<int:person_id>/recommendations")
def person_recommendations(person_id: int):
    """Ranked open postings for one person, with explanations.
    ---
    get:
      summary: 为一个人推荐在招岗位（匹配引擎，附理由）
      parameters:
        - {name: person_id, in: path, required: true, schema: {type: integer}}
        - {name: top, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 10}}
        - {name: ask_out_of_area, in: query, description: "1 = 本人愿意考虑外地岗位", schema: {type: integer, enum: [0, 1], default: 0}}
      responses:
        "200": {description: 推荐结果, content: {application/json: {schema: {$ref: "#/components/schemas/Recommendations"}}}}
        "401": {$ref: "#/components/responses/Error"}
        "404": {$ref: "#/components/responses/Error"}
        "422": {$ref: "#/components/responses/Error"}
    """
    top = int_arg("top", 10, 1, 200)
    ask = int_arg("ask_out_of_area", 0, 0, 1) == 1
    p = people.get_person(person_id, api_scope())
    if _is_broker() and p.broker_consent_on is None:
        raise NotFound("找不到该人员，或不在您的管辖范围内")
    try:
        ranking = service.rank_for_person(p.id, top=top, ask_out_of_area=ask)
    except service.UnknownPerson:
        raise NotFound("此人刚登记，匹配数据正在更新，请稍后再试") from None
    status = service.scorer_status()
    audit.record("api_read", "person", p.id, what="recommendations")
    db.session.commit()
    return jsonify({
        "person_id": p.id, "id_number_masked": people.masked_id(p), "scorer": ranking.scorer,
        "scorer_warning": status["warning"],
        "results": [{"posting": r.code, "title": r.title, "rank": r.rank, "score": round(float(r.score), 4),
                     "positives": r.positives, "negatives": r.negatives, "reasons": r.reasons}
                    for r in ranking.results],
        "raise_chances": ranking.raise_chances, "excluded": ranking.excluded_summary,
    })


@bp.get("/postings/<code>/shortlist")
def posting_shortlist(code: str):
    """A posting's shortlist: the model's order and the policy's order, with reasons.
    ---
    get:
      summary: 岗位候选人名单（模型顺序与政策顺序，附理由；经纪人只看到同意共享的人员）
      parameters:
        - {name: code, in: path, required: true, schema: {type: string, example: GW00001}}
        - {name: top, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
      responses:
        "200": {description: 候选人名单, content: {application/json: {schema: {$ref: "#/components/schemas/Shortlist"}}}}
        "401": {$ref: "#/components/responses/Error"}
        "404": {$ref: "#/components/responses/Error"}
        "422": {$ref: "#/components/responses/Error"}
    """
    top = int_arg("top", 50, 1, 200)
    found = jobs.find_posting_by_code(code)
    if found is None:
        raise NotFound(f"找不到岗位编号“{code}”")
    posting = jobs.get_posting(found.id, api_scope(), broker=api_user() if _is_broker() else None)
    sl = pages.posting_shortlist(posting, api_scope(), consenting_only=_is_broker(), limit=top)
    audit.record("view_shortlist", "posting", posting.id, shown=len(sl.candidates), via="api")
    db.session.commit()

    def row(c) -> dict:
        return {"person_id": c.person_id, "name": c.name, "id_number_masked": c.masked_id, "site": c.site,
                "policy_rank": c.rank, "model_rank": c.model_rank, "score": round(float(c.score), 4),
                "priority": c.priority, "policy_note": c.policy_note, "positives": c.positives,
                "negatives": c.negatives}

    return jsonify({
        "posting": posting.code, "title": posting.title, "status": posting.status.label, "scorer": sl.scorer,
        "scorer_warning": sl.warning, "policy_rule": sl.policy_rule, "n_eligible": sl.eligible,
        "policy_order": [row(c) for c in sl.candidates], "model_order": [row(c) for c in sl.model_order],
    })


