"""Occupation codes in the app: posting forms, corrections learned as aliases, imports, people, 职业分布."""

import datetime as dt
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from jobmatch.accounts.services import create_api_token
from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs import occupation_codes
from jobmatch.jobs import services as jobs
from jobmatch.jobs.enums import PostingStatus, ReferralOutcome
from jobmatch.jobs.models import Posting, Referral
from jobmatch.people.enums import EmploymentStatus, WorkPreference
from jobmatch.places.models import Region
from jobmatch.places.services import scope_for
from jobmatch.spreadsheets.importing import run_import
from jobmatch.vocab import occupations as vocab_occupations
from jobmatch.vocab.models import OccupationAlias, Skill
from jobmatch.vocab.occupations import suggest
from jobmatch.vocab.services import add_skill, ensure_seed, fill_skill_codes
from tests.conftest import csrf_token_from
from tests.factories import make_people, make_site, make_user, person_fields
from tests.jobs.helpers import make_posting, posting_raw
from tests.sheets import sample_path, sample_rows, to_csv

DAY = dt.timedelta(days=1)
WELDER = "6-18-02-04"  # 焊工, the code of the skill 电焊
ASSEMBLER = "6-25-04-07"  # 电子设备装接工
CLEANER = "4-09-08-01"  # 保洁员


def _form(client, url: str, **fields) -> dict:
    """Form data for a posting form: a fresh CSRF token and valid values; keywords override."""
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    data = {k: v for k, v in posting_raw(**fields).items() if k != "board_lodging"}
    return data | {"csrf_token": token, "publish": "1"}


def _other_candidate(title: str) -> str:
    """A real 细类 among the title's suggestions that is not the first one."""
    answer = suggest(title)
    return answer.candidates[2].code


@pytest.fixture
def county(app):
    make_site()
    make_site(township="长安镇", site="长安1号安置点", lon=109.51, lat=32.14)
    return make_user("broker", username="broker_occ")


# --- posting forms --------------------------------------------------------------------------------------

@pytest.mark.parametrize("role,prefix", [("broker", "/broker/postings"), ("county_reviewer", "/staff/jobs/postings")])
def test_edit_form_shows_top_five_suggestions_with_scores(client, login_as, county, role, prefix):
    user = login_as(role)
    posting = make_posting(broker=user if role == "broker" else None, title="电子厂普工包吃住")
    html = client.get(f"{prefix}/{posting.id}/edit").get_data(as_text=True)
    picks = re.findall(r'name="csco_pick" value="([\d-]+)"', html)
    assert len(picks) == 5 and picks[0] == ASSEMBLER
    assert picks == [c.code for c in suggest("电子厂普工包吃住").candidates]
    assert "电子设备装接工" in html and re.search(r"\d+%", html)
    assert "/api/v1/occupations/suggest" in html and "js/occupation-suggest.js" in html
    script = client.get("/static/js/occupation-suggest.js")
    assert script.status_code == 200 and b"csco_pick" in script.data
    script.close()


def test_a_posting_saved_without_a_choice_gets_the_first_suggestion_unconfirmed(client, login_as, county):
    login_as("county_reviewer")
    posting = make_posting(title="保洁阿姨")
    assert (posting.csco_code, posting.csco_confirmed) == (CLEANER, False)
    assert db.session.scalar(sa.select(sa.func.count(OccupationAlias.id))) == 0
    for url in (f"/staff/jobs/postings/{posting.id}", "/staff/jobs/postings"):
        html = client.get(url).get_data(as_text=True)
        assert CLEANER in html and "保洁员" in html and "待确认" in html, url


def test_picking_the_first_suggestion_confirms_it_and_learns_nothing(client, login_as, county):
    broker = login_as("broker")
    response = client.post("/broker/postings/new", data=_form(client, "/broker/postings/new", title="护林员",
                                                              csco_pick="5-02-03-01"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    posting = db.session.scalar(sa.select(Posting).where(Posting.broker_id == broker.id))
    assert (posting.csco_code, posting.csco_confirmed) == ("5-02-03-01", True)
    assert db.session.scalar(sa.select(sa.func.count(OccupationAlias.id))) == 0
    html = client.get(f"/broker/postings/{posting.id}").get_data(as_text=True)
    assert "5-02-03-01" in html and "护林员" in html and "待确认" not in html


def test_a_correction_is_learned_end_to_end(client, login_as, county):
    title = "吉他厂打磨师傅"
    before = suggest(title)
    target = _other_candidate(title)
    assert before.code != target
    broker = login_as("broker")
    # the broker types the code without dashes; it is normalised and checked against the catalogue
    data = _form(client, "/broker/postings/new", title=title, csco_code=target.replace("-", ""),
                 csco_pick=before.code)
    response = client.post("/broker/postings/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    posting = db.session.scalar(sa.select(Posting).where(Posting.broker_id == broker.id))
    assert (posting.csco_code, posting.csco_confirmed) == (target, True)
    alias = db.session.scalar(sa.select(OccupationAlias))
    assert (alias.example, alias.code, alias.created_by_id) == (title, target, broker.id)
    # next time the same title (with salary noise) suggests the correction first, everywhere
    assert suggest(title).code == target
    assert suggest(f"{title} 月薪5000 包吃住").code == target
    api = client.get("/api/v1/occupations/suggest", query_string={"title": title}).get_json()
    assert api["results"][0]["code"] == target
    again = make_posting(title=title, employer="另一家吉他厂")
    assert (again.csco_code, again.csco_confirmed) == (target, False)
    html = client.get("/broker/postings/new").get_data(as_text=True)
    assert html.count('name="csco_pick"') == 0  # no title yet: nothing suggested


@pytest.mark.parametrize("code,message", [
    ("9-99-99-99", "不在职业分类大典（2022）中"),
    ("6-25-00-00", "是中类"),
    ("普工", "不在职业分类大典（2022）中"),
])
def test_a_bad_code_is_refused_in_chinese_and_nothing_is_saved(client, login_as, county, code, message):
    login_as("county_reviewer")
    response = client.post("/staff/jobs/postings/new",
                           data=_form(client, "/staff/jobs/postings/new", title="电子厂普工", csco_code=code))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'id="csco_code-msg"' in html
    assert db.session.scalar(sa.select(sa.func.count(Posting.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(OccupationAlias.id))) == 0
    # the suggestions are shown again for the typed title
    assert re.findall(r'name="csco_pick" value="([\d-]+)"', html)[0] == ASSEMBLER


def test_editing_keeps_a_confirmed_code_and_changing_the_title_resuggests_an_unconfirmed_one(client, login_as, county):
    broker = login_as("broker")
    posting = make_posting(broker=broker, title="护林员")
    url = f"/broker/postings/{posting.id}/edit"
    assert client.post(url, data=_form(client, url, title="护林员", csco_pick="5-02-03-01")).status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert 'value="5-02-03-01"' in html and "已确认" in html  # the confirmed code is filled in
    assert client.post(url, data=_form(client, url, title="护林员", csco_code="5-02-03-01")).status_code == 302
    db.session.expire_all()
    assert (posting.csco_code, posting.csco_confirmed) == ("5-02-03-01", True)
    assert client.post(url, data=_form(client, url, title="保洁阿姨", csco_code="")).status_code == 302
    db.session.expire_all()
    assert (posting.csco_code, posting.csco_confirmed) == (CLEANER, False)


# --- the suggest endpoint -------------------------------------------------------------------------------

def test_suggest_endpoint_with_a_session_or_a_token(client, login_as, county, app):
    assert client.get("/api/v1/occupations/suggest?title=普工").status_code == 401
    user = login_as("site_clerk")
    body = client.get("/api/v1/occupations/suggest", query_string={"title": "电子厂普工", "top": 3}).get_json()
    assert body["title"] == "电子厂普工" and len(body["results"]) == 3
    assert body["results"][0] == {"code": ASSEMBLER, "name": "电子设备装接工", "score": body["results"][0]["score"]}
    missing = client.get("/api/v1/occupations/suggest")
    assert missing.status_code == 422 and missing.get_json()["error"]["message"] == "缺少参数 title"
    token = create_api_token(user, "测试")
    db.session.commit()
    other = app.test_client()
    ok = other.get("/api/v1/occupations/suggest?title=保洁阿姨", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.get_json()["results"][0]["code"] == CLEANER
    # the session shortcut is for this endpoint only
    assert client.get("/api/v1/register/summary").status_code == 401
    spec = other.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/occupations/suggest" in spec["paths"] and "/api/v1/indicators/occupations" in spec["paths"]


# --- imports --------------------------------------------------------------------------------------------

@pytest.fixture
def register(app):
    run_import("sites", sample_path("sites.sample.csv").read_bytes(), "sites.csv")
    run_import("register", sample_path("register.sample.csv").read_bytes(), "register.csv")
    db.session.commit()


def test_postings_import_fills_codes_classifying_each_distinct_title_once(register, monkeypatch):
    calls = []
    real = vocab_occupations.suggest_many

    def counting(titles, top=5):
        calls.append(list(titles))
        return real(titles, top=top)

    monkeypatch.setattr(vocab_occupations, "suggest_many", counting)
    header, rows = sample_rows("postings.sample.csv")
    title_col = header.index("岗位名称")
    rows = rows + [[f"GW9{i:04d}", *r[1:]] for i, r in enumerate(rows)]  # every title twice
    run_import("postings", to_csv(header, rows), "postings.csv")
    db.session.commit()
    postings = list(db.session.scalars(sa.select(Posting)))
    titles = {r[title_col] for r in rows}
    assert len(postings) == len(rows) and len(calls) == 1 and sorted(calls[0]) == sorted(titles)
    for p in postings:
        assert p.csco_code == suggest(p.title).code and p.csco_code and not p.csco_confirmed


def test_reimport_keeps_confirmed_codes_and_follows_new_titles(register):
    header, rows = sample_rows("postings.sample.csv")
    run_import("postings", to_csv(header, rows), "postings.csv")
    db.session.commit()
    code_col, title_col = header.index("岗位编号"), header.index("岗位名称")
    first, second = (db.session.scalar(sa.select(Posting).where(Posting.code == rows[i][code_col])) for i in (0, 1))
    first.csco_code, first.csco_confirmed = CLEANER, True
    db.session.commit()
    rows[0][title_col] = rows[0][title_col] + "（长期）"
    rows[1][title_col] = "保洁阿姨"
    run_import("postings", to_csv(header, rows), "postings.csv")
    db.session.commit()
    db.session.expire_all()
    assert (first.csco_code, first.csco_confirmed) == (CLEANER, True)
    assert (second.csco_code, second.csco_confirmed) == (CLEANER, False)


def test_a_dry_run_import_classifies_nothing(register, monkeypatch):
    monkeypatch.setattr(vocab_occupations, "suggest_many", lambda *a, **k: pytest.fail("classified on a dry run"))
    header, rows = sample_rows("postings.sample.csv")
    run_import("postings", to_csv(header, rows), "postings.csv", dry_run=True)
    assert db.session.scalar(sa.select(sa.func.count(Posting.id))) == 0


# --- skills and people ----------------------------------------------------------------------------------

def test_skills_carry_occupation_codes(app):
    ensure_seed()
    codes = dict(db.session.execute(sa.select(Skill.name, Skill.occupation_code)).all())
    assert codes["电焊"] == WELDER and codes["保洁"] == CLEANER and codes["电脑操作"] == ""
    assert all(c is not None for c in codes.values())
    added = add_skill("吉他制作", "轻工制品")
    assert added.occupation_code == "6-09-02-02"  # 提琴吉他制作工, by the classifier
    skill = db.session.scalar(sa.select(Skill).where(Skill.name == "电焊"))
    skill.occupation_code = None  # as in a database seeded before codes existed
    db.session.flush()
    assert fill_skill_codes() == 1 and skill.occupation_code == WELDER


@pytest.fixture
def staffed(county):
    """Two people in 城关, one in 长安; postings of three occupations; referrals and hires."""
    wang, li, zhao = make_people(
        person_fields(name="王焊工", skills=["电焊", "会开挖机"], work_preference=WorkPreference.ANY),
        person_fields(name="李保洁", household_code="HH900002", skills=["保洁"], work_preference=WorkPreference.ANY),
        person_fields(name="赵长安", household_code="HH900003", township="长安镇", site="长安1号安置点",
                      skills=["电焊"], work_preference=WorkPreference.ANY),
        effective_on=today() - 300 * DAY,
    )
    assembler = make_posting(title="电子厂普工", headcount="10", channel="劳务输出", employer="苏州协作站",
                             province="江苏", site="", workplace="江苏苏州")
    cleaner = make_posting(title="保洁阿姨", headcount="3")
    welder = make_posting(title="电焊工", headcount="2")
    closed = make_posting(title="保洁员", headcount="7")
    jobs.close_posting(closed)
    r1 = jobs.refer(wang, assembler, on=today() - 20 * DAY)
    jobs.record_outcome(r1, ReferralOutcome.HIRED, started_on=today() - 10 * DAY)
    jobs.refer(li, cleaner, on=today() - 5 * DAY)
    r3 = jobs.refer(zhao, welder, on=today() - 20 * DAY)
    jobs.record_outcome(r3, ReferralOutcome.HIRED, started_on=today() - 10 * DAY)
    db.session.commit()
    return {"wang": wang, "li": li, "zhao": zhao, "assembler": assembler, "cleaner": cleaner, "welder": welder}


def test_person_codes_are_skill_codes_plus_hired_postings(staffed):
    ids = [staffed[k].id for k in ("wang", "li", "zhao")]
    expected = {
        staffed["wang"].id: {WELDER, "6-30-05-05", ASSEMBLER},  # 电焊, 挖掘机 (会开挖机), hired as 普工
        staffed["li"].id: {CLEANER},  # referred, not hired: only the skill
        staffed["zhao"].id: {WELDER},
    }
    assert occupation_codes.person_occupation_codes(db.session, ids) == expected
    # a long id list takes the one-query-over-everything path and gives the same answer
    many = ids + list(range(10_000, 11_000))
    assert occupation_codes.person_occupation_codes(db.session, many) == expected
    assert occupation_codes.person_occupation_codes(db.session, []) == {}


def test_person_codes_take_two_queries_at_most(staffed):
    ids = [staffed["wang"].id, staffed["li"].id]
    statements = []
    engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith("PRAGMA"):  # SQLite connection set-up
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        found = occupation_codes.person_occupation_codes(db.session, ids)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert 1 <= len(statements) <= 2 and set(found) == set(ids)


def test_staff_person_page_shows_codes_and_names(client, login_as, staffed):
    login_as("county_reviewer")
    html = client.get(f"/staff/people/{staffed['wang'].id}").get_data(as_text=True)
    section = html[html.index('id="person-occupations"'):]
    for code, name in ((WELDER, "焊工"), (ASSEMBLER, "电子设备装接工"), ("6-30-05-05", "挖掘铲运和桩工机械司机")):
        assert f"{code}</span> {name}" in section
    assert "职业分类" in html


# --- 职业分布 -------------------------------------------------------------------------------------------

def _table(response) -> dict[str, list[str]]:
    """The 职业分布 rows by group prefix: [open postings, headcount, referrals, hires, employed people]."""
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = {}
    for prefix, cells in re.findall(r'<tr data-group="([^"]*)">(.*?)</tr>', html, re.S):
        rows[prefix] = [re.search(rf'class="{c}">([^<]*)<', cells).group(1)
                        for c in ("open-postings", "open-headcount", "referrals", "hires", "employed-people")]
    return rows


def test_occupation_indicators_equal_hand_counted_figures(client, login_as, staffed):
    # employed: 王 (hired as 普工: 6-25 by placement, 6-18 and 6-30 by skills) and 赵 (hired: 6-18)
    assert staffed["wang"].employment_status is not EmploymentStatus.UNEMPLOYED
    assert staffed["li"].employment_status is EmploymentStatus.UNEMPLOYED
    login_as("county_reviewer")
    response = client.get("/staff/indicators/occupations")
    html = response.get_data(as_text=True)
    assert _table(response) == {
        "4": ["1", "3", "1", "0", "0"],  # 保洁阿姨 open (3); 保洁员 closed; 李 referred, not employed
        "6": ["2", "12", "2", "2", "2"],  # 普工 (10) + 电焊工 (2); 王 and 赵 hired and employed
    }
    assert "职业分布" in html and "社会生产服务和生活服务人员" in html and "生产制造及有关人员" in html
    assert 'href="/staff/indicators/occupations?major=6"' in html
    assert _table(client.get("/staff/indicators/occupations?major=6")) == {
        "6-18": ["1", "2", "1", "1", "2"],  # 电焊工 posting, 赵's referral; 王 and 赵 have the 电焊 skill
        "6-25": ["1", "10", "1", "1", "1"],  # 普工 posting, 王 hired
        "6-30": ["0", "0", "0", "0", "1"],  # 王 can drive an excavator
    }
    api_user = db.session.merge(login_as("county_reviewer", username="api_reviewer"))
    token = create_api_token(api_user, "测试")
    db.session.commit()
    body = client.get("/api/v1/indicators/occupations?major=6", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert {g["code"]: [g["open_postings"], g["open_headcount"], g["referrals"], g["hires"], g["employed_people"]]
            for g in body["groups"]} == {"6-18-00-00": [1, 2, 1, 1, 2], "6-25-00-00": [1, 10, 1, 1, 1],
                                         "6-30-00-00": [0, 0, 0, 0, 1]}
    bad = client.get("/api/v1/indicators/occupations?major=x", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 422 and "大类" in bad.get_json()["error"]["message"]
    export = client.get("/staff/indicators/occupations.xlsx?major=6")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.data)).active
    values = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert values[0] == occupation_codes.HEADERS
    assert values[1:] == [["6-18-00-00", "机械制造基础加工人员", 1, 2, 1, 1, 2],
                          ["6-25-00-00", "计算机、通信和其他电子设备制造人员", 1, 10, 1, 1, 1],
                          ["6-30-00-00", "运输设备和通用工程机械操作人员及有关人员", 0, 0, 0, 0, 1],
                          [None, "合计", 2, 12, 2, 2, None]]


def test_occupation_indicators_are_scoped_to_the_region(client, login_as, staffed):
    make_site(county="岚皋县", township="四季镇", site="岚皋1号安置点", lon=108.9, lat=32.3)
    make_posting(title="保洁阿姨", county="岚皋县", site="岚皋1号安置点", headcount="50", employer="岚皋保洁公司")
    login_as("township_clerk", "长安镇")
    # postings of 平利县 (the clerk's county) only; referrals, hires and people of 长安镇 only (赵)
    assert _table(client.get("/staff/indicators/occupations")) == {"4": ["1", "3", "0", "0", "0"], "6": ["2", "12", "1", "1", "1"]}
    login_as("county_reviewer", "岚皋县", username="langao", c=client)
    assert _table(client.get("/staff/indicators/occupations")) == {"4": ["1", "50", "0", "0", "0"]}
    nav = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/indicators/occupations"' in nav and "职业分布" in nav


def _counted_by_hand(scope, width: int, major: str | None) -> dict[str | None, tuple[int, int]]:
    """(referrals, hires) by code prefix, counted over every referral in Python (the SQL's oracle)."""
    out: dict[str | None, tuple[int, int]] = {}
    for r in db.session.scalars(sa.select(Referral)):
        code = r.posting.csco_code
        if not scope.allows(r.person.site_id) or (major and not (code or "").startswith(f"{major}-")):
            continue
        key = code[:width] if code else None
        n, hires = out.get(key, (0, 0))
        out[key] = (n + 1, hires + (r.started_on is not None))
    return out


def test_referrals_and_hires_are_counted_per_referral_of_people_in_scope(staffed):
    # repeated referrals of one person to one posting each count; a referral of someone outside
    # the scope to a posting inside it does not (the referral query groups per posting first)
    wang, li, zhao = staffed["wang"], staffed["li"], staffed["zhao"]
    first = jobs.refer(wang, staffed["welder"], on=today() - 30 * DAY)
    jobs.record_outcome(first, ReferralOutcome.REJECTED)
    jobs.refer(wang, staffed["welder"], on=today() - 25 * DAY)
    jobs.refer(li, staffed["assembler"], on=today() - 3 * DAY)
    jobs.refer(zhao, staffed["assembler"], on=today() - 2 * DAY)
    jobs.refer(zhao, staffed["cleaner"], on=today() - 2 * DAY)
    db.session.commit()
    county_scope = scope_for(db.session.scalar(sa.select(Region).where(Region.name == "平利县")))
    township_scope = scope_for(db.session.scalar(sa.select(Region).where(Region.name == "长安镇")))
    for scope in (county_scope, township_scope):
        for major, width in ((None, 1), ("6", 4), ("4", 4)):
            result = occupation_codes.occupation_indicators(scope, major)
            got = {r.prefix: (r.referrals, r.hires) for r in result.rows if r.referrals or r.hires}
            assert got == _counted_by_hand(scope, width, major), (scope.label, major)
    by_group = {r.prefix: (r.referrals, r.hires) for r in occupation_codes.occupation_indicators(county_scope, "6").rows}
    assert by_group["6-18"] == (3, 1) and by_group["6-25"] == (3, 1)
    by_group = {r.prefix: (r.referrals, r.hires) for r in occupation_codes.occupation_indicators(township_scope).rows}
    assert by_group == {"4": (1, 0), "6": (2, 1)}  # 赵 only: the cleaner, the assembler, the welder (hired)


def test_uncoded_postings_are_counted_apart(client, login_as, staffed):
    staffed["cleaner"].csco_code = None
    db.session.commit()
    login_as("county_reviewer")
    rows = _table(client.get("/staff/indicators/occupations"))
    assert rows[""] == ["1", "3", "1", "0", "—"] and "4" not in rows
    assert staffed["cleaner"].status is PostingStatus.OPEN


def test_skill_vocabulary_page_shows_codes(client, login_as, county):
    ensure_seed()
    db.session.commit()
    login_as("county_reviewer")
    html = client.get("/staff/vocab").get_data(as_text=True)
    assert f"{WELDER}</span> 焊工" in html and f"{CLEANER}</span> 保洁员" in html
