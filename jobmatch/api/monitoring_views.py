"""Monitoring endpoints on the API blueprint: indicators and the zero-employment list."""

from __future__ import annotations

from flask import jsonify

from jobmatch.accounts import audit
from jobmatch.accounts.permissions import STAFF_ROLES
from jobmatch.api.auth import api_scope, require_roles
from jobmatch.api.params import int_arg, str_arg
from jobmatch.api.views import bp
from jobmatch.errors import NotFound
from jobmatch.extensions import db
from jobmatch.monitoring import episodes
from jobmatch.monitoring import indicators as ind
from jobmatch.places.services import Scope, find_region_by_name, find_site_by_name, scope_for


def narrowed_scope(scope: Scope, name: str) -> tuple[Scope, str]:
    """``scope`` narrowed to a region or site by name (never widened); unknown or outside → 404."""
    if not name:
        return scope, scope.label
    region = find_region_by_name(name)
    target = scope_for(region=region) if region else None
    if target is None:
        site = find_site_by_name(name)
        target = scope_for(site=site) if site else None
    if target is None or not (target.site_ids & scope.site_ids):
        raise NotFound(f"找不到区域“{name}”，或不在您的管辖范围内")
    return Scope(target.site_ids & scope.site_ids, target.label), target.label


@bp.get("/indicators")
def indicators():
    """Monitoring indicators for the token's region (the same figures as the dashboard and the CLI).
    ---
    get:
      summary: 监测指标（一户一人、零就业家庭、就业、培训率、持证率、收入变化）
      parameters:
        - {name: region, in: query, schema: {type: string}, description: 区域或安置点名称（只能在令牌的管辖范围内）}
        - {name: month, in: query, schema: {type: string, pattern: "^[0-9]{4}-[0-9]{2}$"}, description: 统计月份（取月末；本月取今天）}
      responses:
        "200":
          description: 指标
          content:
            application/json:
              schema:
                type: object
                properties:
                  region: {type: string}
                  "on": {type: string, format: date}
                  people: {type: integer}
                  households: {type: integer}
                  able_workers: {type: integer}
                  employed: {type: integer}
                  able_employed: {type: integer}
                  employment_rate: {type: number, nullable: true}
                  out_of_province: {type: integer}
                  public_welfare: {type: integer}
                  households_with_able_members: {type: integer}
                  zero_employment_households: {type: integer}
                  one_per_household_coverage: {type: number, nullable: true}
                  zero_on_list: {type: integer}
                  zero_county_level: {type: integer}
                  zero_exited: {type: integer}
                  training_rate: {type: number, nullable: true}
                  certificate_rate: {type: number, nullable: true}
                  avg_income_employed: {type: number, nullable: true}
                  income_change: {type: number, nullable: true}
        "401": {$ref: "#/components/responses/Error"}
        "403": {$ref: "#/components/responses/Error"}
        "404": {$ref: "#/components/responses/Error"}
        "422": {$ref: "#/components/responses/Error"}
    """
    require_roles(*STAFF_ROLES)
    scope, label = narrowed_scope(api_scope(), str_arg("region"))
    on = ind.day_of_month(str_arg("month", max_length=7) or None)
    figures = ind.indicators(scope, on, label=label)
    db.session.commit()  # keeps the standings and month-end snapshots brought up to date
    return jsonify(figures)


@bp.get("/zero-employment")
def zero_employment():
    """Zero-employment households of the token's region (audited).
    ---
    get:
      summary: 零就业家庭名单（在册、逾期、县级督办、政策退出、已清零）
      parameters:
        - {name: list, in: query, schema: {type: string, enum: [active, overdue, county, exited, cleared], default: active}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 200}}
      responses:
        "200": {description: 名单}
        "401": {$ref: "#/components/responses/Error"}
        "404": {$ref: "#/components/responses/Error"}
    """
    require_roles(*STAFF_ROLES)
    which = str_arg("list") or "active"
    rows = episodes.list_episodes(api_scope(), which, limit=int_arg("limit", 200, 1, 1000))
    audit.record("api_read", "zero_episode", None, list=which, rows=len(rows))
    db.session.commit()
    return jsonify({"list": which, "results": [{
        "household_id": r.episode.household_id, "household_code": r.household_code, "site": r.site_name,
        "detected_on": r.episode.detected_on.isoformat(), "origin": r.episode.origin.label,
        "referrals_since_detection": r.referrals, "referrals_due_on": r.episode.referrals_due_on.isoformat(),
        "escalation": r.episode.escalation.label,
        "cleared_on": r.episode.cleared_on.isoformat() if r.episode.cleared_on else None,
        "exit_state": r.episode.exit_state.label if r.episode.exit_state else None,
        "has_plan": r.has_plan, "last_visit": r.last_visit.isoformat() if r.last_visit else None,
    } for r in rows]})
