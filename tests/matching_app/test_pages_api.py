"""Pages and API on the engine: both orders with the policy reason, explanations, scope, broker consent."""

from __future__ import annotations

import re

import pytest

from jobmatch.accounts.services import create_api_token
from jobmatch.extensions import db
from jobmatch.matching import service
from tests.factories import make_user
from tests.matching_app.helpers import small_county


@pytest.fixture
def county(app):
    # two top places: one reserved for priority people; 丙 (monitoring subject, lacks the skill) is promoted
    app.config["MATCHING_SHORTLIST_SIZE"] = 2
    app.config["MATCHING_POLICY"] = {"min_relative": 0.0}
    return small_county()


def bearer(user) -> dict:
    token = create_api_token(user, "测试")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _rows(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'data-person="(\d+)"', body)


def test_staff_posting_page_shows_policy_and_model_orders_with_reasons(client, login_as, county):
    (a, b, c, d), posting, _export = county
    login_as("county_reviewer")
    html = client.get(f"/staff/jobs/postings/{posting.id}").get_data(as_text=True)
    policy, model = _rows(html, "shortlist"), _rows(html, "model-order")
    assert str(c.id) in policy and str(c.id) not in model  # promoted by the policy, not by the score
    assert len(policy) == 2 and len(model) == 2
    assert "按政策优先进入前 2 名（按分数排第 4 名）" in html
    assert 'id="policy-rule"' in html and "预留 1 个名额给零就业家庭成员、监测对象" in html
    assert "监测对象" in html
    assert "＋ 具备岗位要求的全部技能：缝纫" in html  # positive reason
    assert "－ 缺少岗位要求的技能：缝纫" in html  # negative reason of the promoted person
    assert "排序依据：规则评分" in html


def test_policy_can_be_switched_off_in_the_config(app, client, login_as, county):
    (_a, _b, c, _d), posting, _export = county
    app.config["MATCHING_POLICY"] = {"monitored": False, "zero_employment": False}
    service.reset()
    login_as("county_reviewer")
    html = client.get(f"/staff/jobs/postings/{posting.id}").get_data(as_text=True)
    assert str(c.id) not in _rows(html, "shortlist")
    assert "政策优先没有改变名次" in html


def test_shortlist_is_scoped_to_the_region(client, login_as, county):
    (a, b, c, d), posting, _export = county
    login_as("township_clerk", "长安镇")  # 丁 lives in 长安镇; the others in 城关镇
    html = client.get(f"/staff/jobs/postings/{posting.id}").get_data(as_text=True)
    assert _rows(html, "shortlist") == [str(d.id)]
    assert "甲缝纫" not in html


def test_broker_sees_only_consenting_people_masked(app, client, login_as, county):
    (a, b, c, d), _posting, _export = county
    broker = login_as("broker")
    from tests.jobs.helpers import make_posting

    mine = make_posting(broker=broker, title="缝纫工（经纪人）", must_skills="缝纫", employer="经纪人合作工厂")
    html = client.get(f"/broker/postings/{mine.id}").get_data(as_text=True)
    shown = set(_rows(html, "shortlist")) | set(_rows(html, "model-order"))
    assert shown == {str(a.id), str(c.id)}  # 甲 and 丙 consented; 乙 and 丁 did not
    assert "乙缝纫" not in html and "丁长安" not in html
    from jobmatch.people.services import reveal_id

    assert reveal_id(a) not in html and "********" in html


def test_staff_person_page_ranks_explains_and_answers_why_not(client, login_as, county):
    (a, b, c, d), posting, export = county
    login_as("county_reviewer")
    html = client.get(f"/staff/jobs/people/{c.id}/postings").get_data(as_text=True)
    assert posting.code in html and "－ 缺少岗位要求的技能：缝纫" in html
    assert 'id="raise-chances"' in html and "学会缝纫后可匹配的岗位多 1 个" in html
    assert export.code in html.split('id="excluded"', 1)[1]
    why = client.get(f"/staff/jobs/people/{c.id}/postings?why={export.code}").get_data(as_text=True)
    assert 'id="why"' in why and "岗位在省外（江苏），您希望县内就近就业" in why.split('id="why"', 1)[1]
    asked = client.get(f"/staff/jobs/people/{c.id}/postings?ask=1").get_data(as_text=True)
    assert export.code in asked.split('id="eligible"', 1)[1].split("</table>", 1)[0]  # lifted when asked
    unknown = client.get(f"/staff/jobs/people/{c.id}/postings?why=GW99999").get_data(as_text=True)
    assert "没有岗位编号为“GW99999”的岗位" in unknown


def test_person_page_out_of_scope_is_not_found(client, login_as, county):
    (a, b, c, d), _posting, _export = county
    login_as("township_clerk", "长安镇")
    assert client.get(f"/staff/jobs/people/{a.id}/postings").status_code == 404


def test_api_recommendations_and_shortlist(client, county):
    (a, b, c, d), posting, export = county
    headers = bearer(make_user("county_reviewer"))
    data = client.get(f"/api/v1/people/{c.id}/recommendations?top=5", headers=headers).get_json()
    assert data["person_id"] == c.id and data["scorer"] == "规则评分"
    assert data["results"][0]["posting"] == posting.code and data["results"][0]["negatives"]
    assert data["raise_chances"] == "学会缝纫后可匹配的岗位多 1 个"
    assert "工作地点不符合就业意愿" in data["excluded"]
    assert "*" in data["id_number_masked"]
    sl = client.get(f"/api/v1/postings/{posting.code}/shortlist?top=2", headers=headers).get_json()
    assert [r["person_id"] for r in sl["policy_order"]][1] == c.id
    assert c.id not in [r["person_id"] for r in sl["model_order"]]
    promoted = sl["policy_order"][1]
    assert promoted["priority"] == ["监测对象"] and promoted["model_rank"] > 2 and promoted["policy_note"]
    assert "预留" in sl["policy_rule"]
    bad = client.get("/api/v1/postings/GW99999/shortlist", headers=headers)
    assert bad.status_code == 404 and "找不到岗位编号" in bad.get_json()["error"]["message"]
    assert client.get(f"/api/v1/people/{a.id}/recommendations?top=0", headers=headers).status_code == 422
    assert client.get(f"/api/v1/people/{a.id}/recommendations").status_code == 401


def test_api_scope_and_broker_consent(client, county):
    (a, b, c, d), posting, _export = county
    clerk = bearer(make_user("township_clerk", "长安镇"))
    assert client.get(f"/api/v1/people/{a.id}/recommendations", headers=clerk).status_code == 404
    sl = client.get(f"/api/v1/postings/{posting.code}/shortlist", headers=clerk).get_json()
    assert [r["person_id"] for r in sl["policy_order"]] == [d.id]
    broker = bearer(make_user("broker"))
    assert client.get(f"/api/v1/people/{b.id}/recommendations", headers=broker).status_code == 404  # no consent
    assert client.get(f"/api/v1/people/{a.id}/recommendations", headers=broker).status_code == 200
    # a broker only reaches their own postings
    assert client.get(f"/api/v1/postings/{posting.code}/shortlist", headers=broker).status_code == 404


def test_openapi_lists_the_matching_endpoints(client, county):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/people/{person_id}/recommendations" in doc["paths"]
    assert "/api/v1/postings/{code}/shortlist" in doc["paths"]
    assert {"Recommendations", "Shortlist"} <= set(doc["components"]["schemas"])


def test_person_newer_than_the_engine_gets_a_message_not_an_error(client, login_as, county, monkeypatch):
    (a, _b, _c, _d), _posting, _export = county
    login_as("county_reviewer")

    def stale(person_id, **kw):
        raise service.UnknownPerson(person_id)

    monkeypatch.setattr(service, "rank_for_person", stale)
    response = client.get(f"/staff/jobs/people/{a.id}/postings")
    assert response.status_code == 200 and "匹配数据正在更新" in response.get_data(as_text=True)
    api = client.get(f"/api/v1/people/{a.id}/recommendations", headers=bearer(make_user("county_reviewer")))
    assert api.status_code == 404 and "匹配数据正在更新" in api.get_json()["error"]["message"]
