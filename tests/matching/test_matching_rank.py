"""Ranking for a person, shortlists for a posting, batch recommendations, explanations."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from jobmatch.matching.policy import PolicyConfig
from jobmatch.matching.rank import MatchingEngine
from tests.matching.conftest import KM_LON, cert, make_data, person, posting


def _engine(people, postings, **kw):
    return MatchingEngine(make_data(people, postings), **kw)


def test_person_ranking_explains_itself_in_chinese():
    me = person(person_id=1, skill_ids=[1], certificates=[cert(10)], expected_wage=3000.0)
    weld = posting(
        posting_id=11,
        title="焊工",
        must_skill_ids=[1],
        required_certificate_ids=[10],
        wage_min=3400.0,
        wage_max=4200.0,
    )  # midpoint 3800: 800 above
    far = posting(
        posting_id=12,
        lon=109.0 + 60 * KM_LON,
        county_id=2,
        wage_min=2000.0,
        wage_max=2400.0,
        hours="TWO_SHIFT",
        must_skill_ids=[2],
    )
    forklift = posting(posting_id=13, required_certificate_ids=[11])
    r = _engine([me], [weld, far, forklift]).rank_for_person(1)
    assert [x.code for x in r.results] == ["GW00011", "GW00012"]
    top = r.results[0]
    assert "持有焊工证" in top.positives
    assert "离家 3 公里" in top.positives
    assert "工资比期望高 800 元" in top.positives
    assert "具备岗位要求的全部技能：电焊" in top.positives
    second = r.results[1]
    assert "缺少岗位要求的技能：叉车驾驶" in second.negatives
    assert "工资比期望低 800 元" in second.negatives
    assert "需要两班倒" in second.negatives
    assert "离家 60 公里" in second.negatives
    assert top.score > second.score and top.rank == 1
    assert len(r.excluded) == 1 and r.excluded[0].code == "GW00013"
    assert r.excluded[0].reasons == ["缺少叉车证"]
    assert r.excluded.for_posting("GW00013").reasons == ["缺少叉车证"]
    assert r.excluded.for_posting(11) is None
    assert r.raise_chances == "取得叉车证后可匹配的岗位多 1 个"
    d = r.to_dict()
    assert d["results"][0]["posting"] == "GW00011" and d["results"][0]["reasons"][0]
    assert d["excluded"] == {"缺少证书": 1}


def test_care_duty_reasons():
    me = person(person_id=1, has_care_duty=True)
    shifts = posting(posting_id=21, hours="TWO_SHIFT")
    flexible = posting(posting_id=22, hours="FLEXIBLE")
    r = _engine([me], [shifts, flexible]).rank_for_person(1)
    assert [x.code for x in r.results] == ["GW00022"]
    assert "工作时间弹性，方便您照顾家人" in r.results[0].positives
    assert r.excluded[0].reasons == ["需要两班倒，您需要照顾家人"]


def test_out_of_area_only_when_asked():
    me = person(person_id=1, work_preference="LOCAL")
    jiangsu = posting(posting_id=31, province="江苏", county_id=None, lon=120.3, lat=31.5)
    eng = _engine([me], [jiangsu, posting(posting_id=32)])
    assert [x.code for x in eng.rank_for_person(1).results] == ["GW00032"]
    asked = eng.rank_for_person(1, ask_out_of_area=True)
    assert {x.code for x in asked.results} == {"GW00031", "GW00032"}
    assert "岗位在省外（江苏）" in asked.results[[x.code for x in asked.results].index("GW00031")].negatives


def test_raise_chances_picks_the_certificate_that_unlocks_most():
    me = person(person_id=1, skill_ids=[1], certificates=[cert(12, expires_on=date(2026, 1, 1))])
    postings = (
        [posting(required_certificate_ids=[11]) for _ in range(3)]
        + [posting(required_certificate_ids=[10]) for _ in range(2)]
        + [posting(required_certificate_ids=[10, 11])]  # needs two: unlocked by neither alone
        + [posting(must_skill_ids=[2]) for _ in range(2)]  # one skill short
    )
    eng = _engine([me], postings)
    assert eng.rank_for_person(1).raise_chances == "取得叉车证后可匹配的岗位多 3 个"
    renew = _engine([me], [posting(required_certificate_ids=[12]) for _ in range(4)])
    assert renew.rank_for_person(1).raise_chances == "更新（复审）健康证后可匹配的岗位多 4 个"
    skill = _engine([me], [posting(must_skill_ids=[1, 3]) for _ in range(2)])
    assert skill.rank_for_person(1).raise_chances == "学会缝纫后可匹配的岗位多 2 个"
    assert _engine([me], [posting()]).rank_for_person(1).raise_chances is None


def test_lazy_rows_behave_like_a_list(county_data):
    eng = MatchingEngine(county_data)
    pid = county_data.people.records[county_data.job_seekers()[0]].person_id
    r = eng.rank_for_person(pid, explain_top=2)
    assert len(r.results) > 5
    assert r.results[-1].rank == len(r.results)
    assert r.results[4].reasons  # explained on access
    assert [x.rank for x in r.results[:3]] == [1, 2, 3]
    scores = [x.score for x in r.results]
    assert scores == sorted(scores, reverse=True)
    assert all(x.reasons for x in r.excluded[:20])
    with pytest.raises(IndexError):
        r.results[len(r.results)]


def test_shortlist_shows_model_and_policy_order():
    postings = [posting(posting_id=50, must_skill_ids=[1])]
    people = [
        person(person_id=100 + k, skill_ids=[1] if k < 6 else [], expected_wage=3000.0) for k in range(8)
    ]
    people.append(person(person_id=200, skill_ids=[], in_zero_employment_household=True))
    people.append(person(person_id=201, labor_capacity="NONE"))
    eng = _engine(
        people, postings, policy_config=PolicyConfig(reserved_share=0.2, min_score=0, min_relative=0.1)
    )
    sl = eng.shortlist(50, top=5)
    assert sl.n_candidates == 9  # the NONE-capacity person is not a job seeker
    assert [r.model_rank for r in sl.model_order] == [1, 2, 3, 4, 5]
    assert all(r.person_id != 200 for r in sl.model_order)
    promoted = [r for r in sl.policy_order if r.person_id == 200]
    assert promoted and promoted[0].priority_reasons == ["零就业家庭成员"]
    assert "按政策优先进入前 5 名" in promoted[0].policy_note
    assert promoted[0].policy_rank == 5
    pushed = [r for r in sl.model_order if r.policy_note]
    assert len(pushed) == 1 and "移出前 5 名" in pushed[0].policy_note
    assert "政策优先" in sl.policy_rule
    assert sl.to_dict()["policy_order"][4]["priority"] == ["零就业家庭成员"]
    # an explicit candidate list
    sl2 = eng.shortlist("GW00050", top=3, person_ids=[100, 101, 201])
    assert sl2.n_candidates == 3 and sl2.n_eligible == 2
    assert sl2.excluded_summary == {"无劳动能力": 1}


def test_recommend_all_matches_one_by_one(county_data):
    eng = MatchingEngine(county_data)
    rows = county_data.job_seekers()[:40]
    ids = [county_data.people.records[i].person_id for i in rows]
    batch = list(eng.recommend_all(ids, top=5, block_size=16))
    assert [b.person_id for b in batch] == ids
    for b in batch:
        one = eng.rank_for_person(b.person_id)
        assert [x.code for x in b.results] == [x.code for x in one.results[:5]]
        np.testing.assert_allclose(
            [x.score for x in b.results], [x.score for x in one.results[:5]], rtol=1e-5
        )
        assert [x.reasons for x in b.results] == [x.reasons for x in one.results[:5]]
        assert b.raise_chances == one.raise_chances
        assert b.excluded_summary == one.excluded_summary


def test_default_batch_is_every_job_seeker(county_data):
    eng = MatchingEngine(county_data)
    n = sum(1 for _ in eng.recommend_all(top=1, block_size=512, raise_chances=False))
    assert n == len(county_data.job_seekers())


def test_batch_prescreen_for_slow_models(county_data, trained):
    from jobmatch.matching.pipeline import make_pipeline
    from jobmatch.matching.scoring import ModelScorer
    from jobmatch.matching.train import build_training_set

    ts = build_training_set(county_data)
    hgb = ModelScorer(make_pipeline("hgb").fit(ts.X, ts.y), "hgb")
    assert hgb.fast is None
    eng = MatchingEngine(county_data, hgb)
    rows = county_data.job_seekers()[:12]
    ids = [county_data.people.records[i].person_id for i in rows]
    full = list(eng.recommend_all(ids, top=3, prescreen=10_000))
    cut = list(eng.recommend_all(ids, top=3, prescreen=60))
    # the pre-screen rarely changes a top 3; scores of what it keeps are the model's own
    same = sum(
        [x.code for x in a.results] == [x.code for x in b.results] for a, b in zip(full, cut, strict=True)
    )
    assert same >= 9
    for b in cut:
        one = {x.code: x.score for x in eng.rank_for_person(b.person_id).results}
        for x in b.results:
            assert x.score == pytest.approx(one[x.code], abs=1e-6)
