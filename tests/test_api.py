"""The JSON API: bearer tokens, scope, masking, one error shape, OpenAPI document."""

import re

import pytest
import sqlalchemy as sa

from jobmatch.accounts.models import ApiToken
from jobmatch.accounts.services import create_api_token
from jobmatch.extensions import db
from jobmatch.people.services import reveal_id
from tests.factories import make_people, make_site, make_user, person_fields


@pytest.fixture
def data(app):
    make_site()
    make_site(township="长安镇", site="长安1号安置点")
    home = make_people(person_fields(name="王秀英", phone="13812345678"))
    away = make_people(person_fields(name="李长安", household_code="H3", township="长安镇", site="长安1号安置点"))
    return home[0], away[0]


def bearer(user) -> dict:
    token = create_api_token(user, "测试")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_token_is_required_and_errors_share_one_shape(client, data):
    for headers in ({}, {"Authorization": "Bearer jm_wrong"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/people?q=王", headers=headers)
        assert response.status_code == 401
        body = response.get_json()
        assert body["error"]["code"] == "unauthorized" and "令牌" in body["error"]["message"]


def test_search_is_scoped_and_masked(client, data):
    wang, li = data
    headers = bearer(make_user("township_clerk", "城关镇"))
    body = client.get("/api/v1/people?q=wxy", headers=headers).get_json()
    assert [r["name"] for r in body["results"]] == ["王秀英"]
    text = client.get("/api/v1/people?q=王", headers=headers).get_data(as_text=True)
    assert reveal_id(wang) not in text and "13812345678" not in text and "138****5678" in text
    assert client.get("/api/v1/people?q=李长安", headers=headers).get_json()["results"] == []
    assert client.get(f"/api/v1/people/{li.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/people/{wang.id}", headers=headers).get_json()["name"] == "王秀英"


@pytest.mark.parametrize("query,message", [("", "缺少参数 q"), ("q=王&limit=abc", "应为整数"), ("q=王&limit=0", "1 到 100")])
def test_malformed_calls_get_a_clear_answer(client, data, query, message):
    headers = bearer(make_user("county_reviewer"))
    response = client.get(f"/api/v1/people?{query}", headers=headers)
    assert response.status_code == 422
    assert message in response.get_json()["error"]["message"]


def test_unknown_endpoint_and_method_are_json(client, data):
    headers = bearer(make_user("county_reviewer"))
    assert client.get("/api/v1/nothing", headers=headers).get_json()["error"]["code"] == "not_found"
    response = client.post("/api/v1/people", headers=headers)
    assert response.status_code == 405 and "error" in response.get_json()


def test_household_and_summary(client, data):
    wang, _ = data
    headers = bearer(make_user("county_reviewer"))
    body = client.get(f"/api/v1/households/{wang.household_id}", headers=headers).get_json()
    assert body["is_zero_employment"] is True and body["members"][0]["name"] == "王秀英"
    summary = client.get("/api/v1/register/summary", headers=headers).get_json()
    assert (summary["people"], summary["zero_employment_households"]) == (2, 2)


def test_openapi_document_lists_the_endpoints(client, data):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and "/api/v1/people" in doc["paths"]
    assert "/api/v1/people/{person_id}" in doc["paths"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_create_token_cli_and_disabled_users(runner, client, data):
    user = make_user("county_reviewer", username="script.user")
    result = runner.invoke(args=["create-token", "script.user", "--name", "夜间同步"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert re.fullmatch(r"jm_[\w-]{40,}", token)
    assert db.session.scalar(sa.select(ApiToken.token_hash)) != token
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/register/summary", headers=headers).status_code == 200
    user.is_active = False
    db.session.commit()
    assert client.get("/api/v1/register/summary", headers=headers).status_code == 401
