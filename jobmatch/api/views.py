"""API endpoints. Each docstring carries its OpenAPI operation after ``---``."""

from __future__ import annotations

from flask import Blueprint, jsonify

from jobmatch.accounts import audit
from jobmatch.api.auth import api_scope, authenticate
from jobmatch.api.params import int_arg, str_arg
from jobmatch.api.spec import build_spec
from jobmatch.extensions import csrf, db
from jobmatch.people import services as people
from jobmatch.people.search import search_people
from jobmatch.people.stats import register_counts

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.before_request(authenticate)


def person_json(p, view=None) -> dict:
    """A person as the API shows it: numbers masked, never in clear."""
    return {
        "id": p.id,
        "name": p.name,
        "id_number_masked": people.masked_id(p),
        "phone_masked": people.masked_phone(p),
        "sex": p.sex.label,
        "birth_date": p.birth_date.isoformat(),
        "household_id": p.household_id,
        "household_code": p.household.code,
        "site": p.site.name,
        "relation": p.relation.label,
        "labor_capacity": p.labor_capacity.label,
        "employment_status": p.employment_status.label,
        "status_since": p.status_since.isoformat() if p.status_since else None,
        "work_preference": p.work_preference.label if p.work_preference else None,
        "skills": [s.raw for s in p.skills],
        "certificates": [c.raw for c in p.certificates],
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document of this API (no token needed)."""
    return jsonify(build_spec())


@bp.get("/people")
def people_search():
    """Search people in the token's region.
    ---
    get:
      summary: 查找人员（姓名、拼音、身份证号或后几位、电话）
      parameters:
        - {name: q, in: query, required: true, schema: {type: string, maxLength: 100}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
      responses:
        "200": {description: 匹配的人员（号码已脱敏）, content: {application/json: {schema: {$ref: "#/components/schemas/PeopleList"}}}}
        "401": {$ref: "#/components/responses/Error"}
        "422": {$ref: "#/components/responses/Error"}
    """
    q = str_arg("q", required=True)
    limit = int_arg("limit", 20, 1, 100)
    results = search_people(api_scope(), q, limit=limit)
    return jsonify({"results": [person_json(p) for p in results]})


@bp.get("/people/<int:person_id>")
def person_detail(person_id: int):
    """One person in the token's region (audited).
    ---
    get:
      summary: 人员详情（号码已脱敏）
      parameters:
        - {name: person_id, in: path, required: true, schema: {type: integer}}
      responses:
        "200": {description: 人员, content: {application/json: {schema: {$ref: "#/components/schemas/Person"}}}}
        "401": {$ref: "#/components/responses/Error"}
        "404": {$ref: "#/components/responses/Error"}
    """
    p = people.get_person(person_id, api_scope())
    audit.record("api_read", "person", p.id)
    db.session.commit()
    return jsonify(person_json(p))


@bp.get("/households/<int:household_id>")
def household_detail(household_id: int):
    """A household with its members and whether it is a zero-employment household.
    ---
    get:
      summary: 家庭详情与零就业判定
      parameters:
        - {name: household_id, in: path, required: true, schema: {type: integer}}
      responses:
        "200": {description: 家庭}
        "401": {$ref: "#/components/responses/Error"}
        "404": {$ref: "#/components/responses/Error"}
    """
    h = people.get_household(household_id, api_scope())
    view = people.household_view(h)
    audit.record("api_read", "household", h.id)
    db.session.commit()
    return jsonify({
        "id": h.id, "code": h.code, "site": h.site.name,
        "able_members": view.standing.able, "able_employed": view.standing.able_employed,
        "is_zero_employment": view.standing.is_zero_employment,
        "members": [person_json(m.person) | {"age": m.age, "is_able": m.is_able} for m in view.members],
    })


@bp.get("/register/summary")
def register_summary():
    """Register counts for the token's region.
    ---
    get:
      summary: 台账汇总（人数、劳动力、就业、零就业家庭）
      responses:
        "200": {description: 汇总}
        "401": {$ref: "#/components/responses/Error"}
    """
    counts = register_counts(api_scope())
    return jsonify({
        "people": counts.people, "households": counts.households, "able_workers": counts.able_workers,
        "employed": counts.employed, "households_with_able_members": counts.households_with_able_members,
        "zero_employment_households": counts.zero_employment_households,
        "one_per_household_coverage": counts.one_per_household_coverage,
        "by_status": {status.label: n for status, n in counts.by_status.items()},
    })


from jobmatch.api import occupations as _occupations  # noqa: E402, F401  (adds the occupation endpoints to bp)
