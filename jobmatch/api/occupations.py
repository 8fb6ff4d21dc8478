"""Occupation API: live CSCO suggestions for a job title, and indicators by occupation group."""

from __future__ import annotations

from flask import jsonify

from jobmatch.api.auth import api_scope
from jobmatch.api.params import int_arg, str_arg
from jobmatch.api.views import bp
from jobmatch.jobs import occupation_codes


@bp.get("/occupations/suggest")
def occupation_suggest():
    """The top CSCO 2022 codes for a job title (staff corrections included).
    ---
    get:
      summary: 按岗位名称推荐职业分类代码（职业分类大典 2022 细类）
      description: 也可在已登录的网页中直接调用（发布岗位页面实时推荐用）。
      parameters:
        - {name: title, in: query, required: true, schema: {type: string, maxLength: 80}}
        - {name: top, in: query, schema: {type: integer, minimum: 1, maximum: 10, default: 5}}
      responses:
        "200":
          description: 推荐，按得分从高到低
          content:
            application/json:
              schema:
                type: object
                properties:
                  title: {type: string}
                  results:
                    type: array
                    items:
                      type: object
                      properties:
                        code: {type: string, example: "6-25-04-07"}
                        name: {type: string, example: 电子设备装接工}
                        score: {type: number, example: 0.93}
        "401": {$ref: "#/components/responses/Error"}
        "422": {$ref: "#/components/responses/Error"}
    """
    title = str_arg("title", required=True, max_length=80)
    top = int_arg("top", 5, 1, 10)
    return jsonify({"title": title, "results": occupation_codes.candidates(title, top=top)})


@bp.get("/indicators/occupations")
def occupation_indicators():
    """Open postings, referrals, hires and employed people by occupation group in the token's region.
    ---
    get:
      summary: 职业分布：按大类（或某大类下的中类）统计在招岗位、推荐、录用和已就业人数
      parameters:
        - {name: major, in: query, description: 大类代码（1–8）；给出时按其下的中类统计, schema: {type: string, maxLength: 1}}
      responses:
        "200":
          description: 各职业组的数字；code 为 null 的一行是未编码的岗位
          content:
            application/json:
              schema:
                type: object
                properties:
                  major: {type: string, nullable: true}
                  major_name: {type: string, nullable: true}
                  groups:
                    type: array
                    items:
                      type: object
                      properties:
                        code: {type: string, nullable: true, example: "6-25-00-00"}
                        name: {type: string}
                        open_postings: {type: integer}
                        open_headcount: {type: integer}
                        referrals: {type: integer}
                        hires: {type: integer}
                        employed_people: {type: integer}
        "401": {$ref: "#/components/responses/Error"}
        "422": {$ref: "#/components/responses/Error"}
    """
    major = str_arg("major", max_length=1) or None
    result = occupation_codes.occupation_indicators(api_scope(), major)
    return jsonify({
        "major": result.major, "major_name": result.major_name,
        "groups": [{"code": r.code, "name": r.name, "open_postings": r.open_postings, "open_headcount": r.open_headcount,
                    "referrals": r.referrals, "hires": r.hires, "employed_people": r.employed_people}
                   for r in result.rows],
    })
