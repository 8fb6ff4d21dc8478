"""Indicators agree with the register computed independently; CLI, API and export say the same;
a township clerk never sees another township's households."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from jobmatch.accounts.services import create_api_token
from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.monitoring import indicators as ind
from jobmatch.people import services as people
from jobmatch.people.enums import EmploymentStatus, LaborCapacity, Relation, StatusSource
from jobmatch.people.idnumber import age_on
from jobmatch.people.models import Person
from jobmatch.places.services import all_sites_scope, find_region_by_name, scope_for
from tests.factories import make_people, make_site, make_user, person_fields
from tests.monitoring.helpers import household

S = EmploymentStatus


@pytest.fixture
def county(app):
    """Two townships; households of every kind, some history."""
    make_site()
    make_site(site="城关2号安置点")
    make_site(township="长安镇", site="长安1号安置点")
    long_ago = today() - dt.timedelta(days=400)
    household("HH200001", S.UNEMPLOYED, effective_on=long_ago)                         # zero
    household("HH200002", S.LOCAL, S.UNEMPLOYED, effective_on=long_ago)                # covered
    household("HH200003", S.OUT_OF_PROVINCE, site="城关2号安置点", effective_on=long_ago)   # covered, out of province
    household("HH200004", S.STUDENT, elders=2, effective_on=long_ago)                  # no able members
    household("HH200005", S.PUBLIC_WELFARE, S.UNEMPLOYED, township="长安镇", site="长安1号安置点",
              effective_on=long_ago)
    household("HH200006", S.UNEMPLOYED, S.OTHER, township="长安镇", site="长安1号安置点", effective_on=long_ago)
    # a 62-year-old on a public-welfare post does not take the household off the list
    make_people(person_fields(household_code="HH200007", name="老刘", birth_date=dt.date(today().year - 62, 1, 1),
                              employment_status=S.PUBLIC_WELFARE, workplace="保洁"),
                person_fields(household_code="HH200007", name="小刘", relation=Relation.CHILD,
                              birth_date=dt.date(1995, 1, 1)), effective_on=long_ago)
    # incomes, and a worker hired 40 days ago (history decides last month's figures)
    w = db.session.scalar(sa.select(Person).where(Person.name == "成员030"))
    people.record_status(w, S.LOCAL, today() - dt.timedelta(days=40), source=StatusSource.EDIT, workplace="工厂",
                         monthly_income=3000)
    db.session.commit()


def independent(names: set[str] | None = None, on: dt.date | None = None) -> dict:
    """The register's figures from plain Python over the rows (no shared SQL)."""
    on = on or today()
    rows = db.session.scalars(sa.select(Person)).all()
    if names is not None:
        rows = [p for p in rows if p.site.township.name in names or p.site.name in names]
    employed = {S.LOCAL, S.IN_PROVINCE, S.OUT_OF_PROVINCE, S.PUBLIC_WELFARE, S.SELF_EMPLOYED}

    def able(p):
        return 16 <= age_on(p.birth_date, on) <= 60 and p.labor_capacity is not LaborCapacity.NONE \
            and p.employment_status is not S.STUDENT

    households: dict[int, list] = {}
    for p in rows:
        households.setdefault(p.household_id, []).append(p)
    with_able = [h for h in households.values() if any(able(p) for p in h)]
    zero = [h for h in with_able if not any(able(p) and p.employment_status in employed for p in h)]
    return {
        "people": len(rows), "households": len(households), "able_workers": sum(able(p) for p in rows),
        "employed": sum(p.employment_status in employed for p in rows),
        "able_employed": sum(able(p) and p.employment_status in employed for p in rows),
        "out_of_province": sum(p.employment_status is S.OUT_OF_PROVINCE for p in rows),
        "public_welfare": sum(p.employment_status is S.PUBLIC_WELFARE for p in rows),
        "households_with_able_members": len(with_able), "zero_employment_households": len(zero),
        "one_per_household_coverage": (len(with_able) - len(zero)) / len(with_able),
    }


def test_indicators_equal_the_register_computed_independently(county):
    got = ind.indicators(all_sites_scope())
    want = independent()
    assert {k: got[k] for k in want} == want
    assert want["zero_employment_households"] == 3 and want["households_with_able_members"] == 6
    # the zero-employment list agrees with the register's definition
    assert got["zero_on_list"] == want["zero_employment_households"]
    township = ind.indicators(scope_for(region=find_region_by_name("长安镇")))
    assert {k: township[k] for k in want} == independent({"长安镇"})
    from jobmatch.people.stats import register_counts

    counts = register_counts(all_sites_scope())
    assert (counts.zero_employment_households, counts.able_workers) == (got["zero_employment_households"],
                                                                       got["able_workers"])


def test_monthly_trend_follows_the_dated_history(county):
    last_month_end = today().replace(day=1) - dt.timedelta(days=1)
    trend = {m["month"]: m for m in ind.monthly_trend(all_sites_scope(), 3)}
    now, before = trend[f"{today():%Y-%m}"], trend[f"{last_month_end:%Y-%m}"]
    assert now["zero_employment_households"] == 3
    hired_on = today() - dt.timedelta(days=40)
    # the worker hired 40 days ago counts at last month's end only if hired before it
    assert before["zero_employment_households"] == (3 if hired_on <= last_month_end else 4)
    past = ind.indicators(all_sites_scope(), last_month_end)
    assert past["zero_employment_households"] == before["zero_employment_households"]
    assert past["one_per_household_coverage"] == pytest.approx(before["one_per_household_coverage"])


def test_cli_prints_the_same_figures_as_json_and_table(county, runner):
    result = runner.invoke(args=["indicators", "--region", "城关镇", "--format", "json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    want = independent({"城关镇"})
    assert {k: figures[k] for k in want} == want
    table = runner.invoke(args=["indicators", "--format", "table"])
    assert table.exit_code == 0 and "一户一人覆盖率" in table.output and "零就业家庭（台账）　　　　　3" in table.output
    bad = runner.invoke(args=["indicators", "--month", "2026-13"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
    last = (today().replace(day=1) - dt.timedelta(days=1))
    past = runner.invoke(args=["indicators", "--month", f"{last:%Y-%m}", "--format", "json"])
    assert json.loads(past.output)["on"] == last.isoformat()


def test_export_command_writes_the_monthly_report(county, runner, tmp_path):
    out = tmp_path / "月报.xlsx"
    result = runner.invoke(args=["export", "indicators", str(out), "--region", "平利县"])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["月报", "逐月趋势", "零就业家庭名单", "口径说明"]
    ws = wb["月报"]
    assert "就业监测月报" in ws["A1"].value
    names = [ws.cell(r, 1).value for r in range(4, ws.max_row + 1)]
    assert names == ["城关镇", "长安镇", "合计"]
    headers = [c.value for c in ws[3]]
    total = {headers[j]: ws.cell(ws.max_row, j + 1).value for j in range(1, len(headers))}
    want = independent()
    assert total["零就业家庭（台账）"] == want["zero_employment_households"]
    assert total["劳动力"] == want["able_workers"]
    assert total["一户一人覆盖率"] == pytest.approx(want["one_per_household_coverage"])
    assert wb["零就业家庭名单"].max_row == 1 + 3


def test_township_clerk_sees_only_their_township(county, client, login_as):
    login_as("township_clerk", "长安镇")
    page = client.get("/staff/monitoring/zero").get_data(as_text=True)
    assert "HH200006" in page and "HH200005" not in page
    assert "HH200001" not in page and "HH200007" not in page
    other = db.session.scalar(sa.select(Person.household_id).where(Person.name == "成员010"))  # 城关镇
    assert client.get(f"/staff/monitoring/households/{other}").status_code == 404
    dashboard = client.get("/staff/monitoring/").get_data(as_text=True)
    want = independent({"长安镇"})
    assert f'id="zero-households"><a href="/staff/monitoring/zero">{want["zero_employment_households"]}</a>' in dashboard
    assert f'id="able-workers">{want["able_workers"]}<' in dashboard
    assert "长安1号安置点" in dashboard and "城关1号安置点" not in dashboard
    city_id = find_region_by_name("城关镇").id
    assert client.get(f"/staff/monitoring/?area=township-{city_id}").status_code == 404
    assert client.get(f"/staff/monitoring/export?area=township-{city_id}").status_code == 404
    export = client.get("/staff/monitoring/export")
    assert export.status_code == 200
    wb = load_workbook(io.BytesIO(export.data))
    codes = [wb["零就业家庭名单"].cell(r, 1).value for r in range(2, wb["零就业家庭名单"].max_row + 1)]
    assert codes == ["HH200006"]


def test_api_indicators_and_zero_list_are_scoped(county, client):
    clerk = make_user("township_clerk", "长安镇")
    token = create_api_token(clerk, "测试")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/indicators", headers=headers).get_json()
    want = independent({"长安镇"})
    assert {k: body[k] for k in want} == want
    assert client.get("/api/v1/indicators?region=城关镇", headers=headers).status_code == 404
    assert client.get("/api/v1/indicators?region=长安1号安置点", headers=headers).get_json()["people"] == want["people"]
    bad = client.get("/api/v1/indicators?month=2026/01", headers=headers)
    assert bad.status_code == 422 and "error" in bad.get_json()
    zero = client.get("/api/v1/zero-employment", headers=headers).get_json()
    assert [r["household_code"] for r in zero["results"]] == ["HH200006"]
    broker = make_user("broker")
    broker_headers = {"Authorization": f"Bearer {create_api_token(broker, '经纪人')}"}
    db.session.commit()
    assert client.get("/api/v1/zero-employment", headers=broker_headers).status_code == 403
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/indicators" in spec["paths"] and "/api/v1/zero-employment" in spec["paths"]


def test_dashboard_drills_down_county_to_township_to_site(county, client, login_as):
    login_as("county_reviewer")
    page = client.get("/staff/monitoring/").get_data(as_text=True)
    town = find_region_by_name("城关镇")
    assert f'data-area="township-{town.id}"' in page
    page = client.get(f"/staff/monitoring/?area=township-{town.id}").get_data(as_text=True)
    assert "城关2号安置点" in page and 'data-area="site-' in page and "长安1号安置点" not in page
    want = independent({"城关镇"})
    assert f'id="people">{want["people"]}<' in page
