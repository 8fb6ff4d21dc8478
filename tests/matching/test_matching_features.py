"""Every feature function, and the assembled feature matrix in all block shapes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from jobmatch.matching import features as F
from jobmatch.matching.features import COL, FEATURE_NAMES
from jobmatch.matching.occupations import occupation_similarity
from jobmatch.matching.pairs import PairBlock, haversine_km, place_level
from jobmatch.matching.records import CHANNELS, HOURS, INTENSITIES, LABOR_CAPACITIES, WORK_PREFERENCES
from tests.matching.conftest import KM_LON, cert, make_data, outcome, person, posting

nan = np.nan


def test_coverage_and_missing():
    assert F.f_coverage([1, 0, 2], [2, 0, 2]).tolist() == [0.5, 1.0, 1.0]
    assert np.isnan(F.f_coverage(0, 0, empty=nan))
    assert F.f_missing([1, 0, 2], [2, 0, 2]).tolist() == [1, 0, 0]


def test_cosine():
    assert F.f_cosine(1, 1, 4) == pytest.approx(0.5)
    assert F.f_cosine(0, 0, 3) == 0
    assert F.f_cosine(2, 2, 2) == pytest.approx(1.0)


def test_age_margin():
    assert F.f_age_margin(30, 18, 50) == 10  # capped
    assert F.f_age_margin(49, 18, 50) == 1
    assert F.f_age_margin(17, 18, 50) == -1
    assert F.f_age_margin(40, nan, nan) == 10  # no maximum, legal minimum 16
    assert np.isnan(F.f_age_margin(nan, 18, 50))


def test_education_gap_treats_high_school_and_secondary_vocational_alike():
    from jobmatch.matching.tables import EDUCATION_LEVEL

    gaozhong, zhongzhuan, chuzhong = EDUCATION_LEVEL[2], EDUCATION_LEVEL[3], EDUCATION_LEVEL[1]
    assert F.f_education_shortfall(zhongzhuan, gaozhong) == 0
    assert F.f_education_shortfall(chuzhong, gaozhong) == 1
    assert F.f_education_shortfall(chuzhong, nan) == 0  # 不限
    assert F.f_education_surplus(EDUCATION_LEVEL[4], gaozhong) == 1
    assert F.f_education_surplus(EDUCATION_LEVEL[4], nan) == 0
    assert np.isnan(F.f_education_shortfall(nan, gaozhong))


def test_haversine_and_place_level():
    km = haversine_km(np.radians(109.0), np.radians(32.0), np.radians(109.0 + 3 * KM_LON), np.radians(32.0))
    assert km == pytest.approx(3.0, rel=0.01)
    assert place_level(1, 1, 0, 0, 80.0) == 0  # same county, whatever the distance
    assert place_level(1, 2, 0, 0, 10.0) == 1
    assert place_level(1, -1, 0, 0, 10.0) == 0  # county unknown: near enough counts as local
    assert place_level(1, -1, 0, 0, 120.0) == 1
    assert place_level(1, -1, 0, 1, nan) == 2  # other province
    assert np.isnan(place_level(1, -1, 0, 0, nan))


def test_willingness_fit():
    pref = {n: i for i, n in enumerate(WORK_PREFERENCES)}
    assert F.f_willingness_fit(pref["LOCAL"], 0) == 1
    assert F.f_willingness_fit(pref["LOCAL"], 2) == 0
    assert F.f_willingness_fit(pref["IN_PROVINCE"], 1) == 1
    assert F.f_willingness_fit(pref["OUT_OF_PROVINCE"], 2) == 1
    assert F.f_willingness_fit(pref["OUT_OF_PROVINCE"], 0) == 0.5
    assert F.f_willingness_fit(pref["ANY"], 2) == 1
    assert np.isnan(F.f_willingness_fit(pref["ANY"], nan))


def test_capacity_headroom_and_intensity():
    cap = {n: i for i, n in enumerate(LABOR_CAPACITIES)}
    inten = {n: i for i, n in enumerate(INTENSITIES)}
    assert F.f_capacity_headroom(cap["FULL"], inten["HEAVY"]) == 0
    assert F.f_capacity_headroom(cap["WEAK"], inten["MEDIUM"]) == 0
    assert F.f_capacity_headroom(cap["HALF"], inten["HEAVY"]) == -1
    assert F.f_capacity_headroom(cap["FULL"], inten["LIGHT"]) == 2
    assert np.isnan(F.f_capacity_headroom(cap["FULL"], -1))
    assert F.f_intensity_level(inten["MEDIUM"]) == 1


def test_care_duty_features():
    h = {n: i for i, n in enumerate(HOURS)}
    assert F.f_care_hours_conflict(True, h["FLEXIBLE"]) == 0
    assert F.f_care_hours_conflict(True, h["DAY"]) == 0.5
    assert F.f_care_hours_conflict(True, h["THREE_SHIFT"]) == 1
    assert F.f_care_hours_conflict(False, h["THREE_SHIFT"]) == 0
    assert F.f_care_hours_conflict(True, -1) == 0.5
    assert F.f_care_far(True, 2) == 1 and F.f_care_far(True, 0) == 0 and F.f_care_far(False, 2) == 0
    assert F.f_care_far(True, nan) == 0.5
    assert F.f_shift_work(h["TWO_SHIFT"]) == 1 and F.f_shift_work(h["DAY"]) == 0
    assert np.isnan(F.f_shift_work(-1))
    assert F.f_away(1) == 1 and F.f_away(0) == 0


def test_wage_features():
    assert F.f_wage_ratio(3800, 3000) == pytest.approx(3800 / 3000)
    assert np.isnan(F.f_wage_ratio(3800, nan))
    assert F.f_wage_ratio(100000, 1000) == 5  # clipped
    assert F.f_wage_level(4500, 3000) == pytest.approx(1.5)
    assert F.f_log_slots(0) == 0 and F.f_log_slots(np.e - 1) == pytest.approx(1)


def test_occupation_similarity_levels():
    assert occupation_similarity("6-25-04-01", "6-25-04-01") == 1.0
    assert occupation_similarity("6-25-04-01", "6-25-04-02") == 0.75
    assert occupation_similarity("6-25-04-01", "6-25-03-01") == 0.5
    assert occupation_similarity("6-25-04-01", "6-18-04-01") == 0.25
    assert occupation_similarity("6-25-04-01", "4-25-04-01") == 0.0
    assert occupation_similarity(None, "6-25") == 0.0
    assert occupation_similarity(" 6-25-04-01 ", "6250401") == 1.0


def test_sex_and_policy_flags_are_not_features():
    assert not any(("sex" in n) or ("gender" in n) for n in FEATURE_NAMES)
    assert not any(("monitor" in n) or ("zero" in n) or ("priority" in n) for n in FEATURE_NAMES)
    # the same person with the other sex / policy flags gets the same features
    a = person(person_id=1, sex="F", skill_ids=[1])
    b = person(person_id=2, sex="M", skill_ids=[1], is_monitored=True, in_zero_employment_household=True)
    data = make_data([a, b], [posting(posting_id=5, must_skill_ids=[1])])
    X = F.compute(PairBlock.for_posting(data, 0))
    np.testing.assert_array_equal(np.nan_to_num(X[0]), np.nan_to_num(X[1]))


def _one(data, i=0, j=0):
    X = F.compute(PairBlock.for_person(data, i, np.array([j])))
    return dict(zip(FEATURE_NAMES, X[0], strict=True))


def test_compute_reads_the_records():
    p = person(
        skill_ids=[1, 3],
        certificates=[cert(10)],
        expected_wage=2500.0,
        has_care_duty=True,
        occupation_codes=["6-18-02-01"],
        education=0,
    )
    q = posting(
        must_skill_ids=[1, 2],
        nice_skill_ids=[3],
        required_certificate_ids=[10],
        csco_code="6-18-02-04",
        education=1,
        hours="FLEXIBLE",
        board_lodging=True,
        channel="COMMUNITY_FACTORY",
        min_age=18,
        max_age=40,
    )
    f = _one(make_data([p], [q]))
    assert f["skill_must_coverage"] == 0.5
    assert f["skill_must_missing"] == 1
    assert f["skill_nice_coverage"] == 1
    assert f["skill_cosine"] == pytest.approx(2 / np.sqrt(2 * 3))
    assert f["occupation_similarity"] == pytest.approx(0.75)
    assert f["cert_required_held"] == 1 and f["person_cert_count"] == 1
    assert f["age_margin"] == 5  # 35 on 2026-06-01, max 40
    assert f["education_shortfall"] == 1
    assert f["commute_km"] == pytest.approx(3, rel=0.02)
    assert f["place_level"] == 0 and f["willingness_fit"] == 1
    assert f["care_hours_conflict"] == 0 and f["care_far"] == 0
    assert f["wage_ratio"] == pytest.approx(3100 / 2500)
    assert f["board_lodging"] == 1 and f["board_away"] == 0
    assert f["channel"] == CHANNELS.index("COMMUNITY_FACTORY")
    assert f["employer_hire_lift"] == 1 and f["employer_retention_lift"] == 1  # no history: county average


def test_expired_certificate_does_not_count():
    p = person(certificates=[cert(10, expires_on=date(2026, 1, 1)), cert(12)])
    f = _one(make_data([p], [posting(required_certificate_ids=[10])]))
    assert f["cert_required_held"] == 0
    assert f["person_cert_count"] == 1


def test_all_block_shapes_agree(county_data):
    d = county_data
    people = d.job_seekers()[:4]
    grid = F.compute(PairBlock.for_grid(d, people))
    P = len(d.open_postings)
    for r, i in enumerate(people):
        one = F.compute(PairBlock.for_person(d, int(i)))
        pairs = F.compute(PairBlock.for_pairs(d, np.full(P, i), d.open_postings, np.full(P, d.t)))
        np.testing.assert_allclose(np.nan_to_num(one), np.nan_to_num(grid[r * P : (r + 1) * P]), rtol=1e-6)
        np.testing.assert_allclose(np.nan_to_num(one), np.nan_to_num(pairs), rtol=1e-6)
    j = int(d.open_postings[7])
    col = F.compute(PairBlock.for_posting(d, j, people))
    k = list(d.open_postings).index(j)
    np.testing.assert_allclose(np.nan_to_num(col), np.nan_to_num(grid[k::P]), rtol=1e-6)
    sel = np.array([3, P + 5, 3 * P - 1])
    np.testing.assert_allclose(
        np.nan_to_num(F.compute(PairBlock.for_grid(d, people), sel)), np.nan_to_num(grid[sel]), rtol=1e-6
    )


def test_history_features_only_see_the_past():
    p1, p2 = person(person_id=1), person(person_id=2)
    q = posting(posting_id=9, employer_id=77)
    outs = [
        # person 1 was hired on 2025-01-10 and stayed: known as "lasted" from 2025-07-11
        outcome(1, 9, date(2025, 1, 1), "HIRED", date(2025, 1, 10)),
        outcome(2, 9, date(2025, 3, 1), "DECLINED"),
    ]
    d = make_data([p1, p2], [q], outs, as_of=date(2026, 6, 1))
    early = F.compute(PairBlock.for_pairs(d, [0, 1], [0, 0], [date(2025, 1, 5).toordinal()] * 2))
    assert early[:, COL["person_hires"]].tolist() == [0, 0]
    assert early[:, COL["employer_log_decided"]].tolist() == [0, 0]
    later = F.compute(PairBlock.for_pairs(d, [0, 1], [0, 0], [date(2025, 8, 1).toordinal()] * 2))
    assert later[:, COL["person_hires"]].tolist() == [1, 0]
    assert later[:, COL["person_retained"]].tolist() == [1, 0]
    assert later[:, COL["person_declines"]].tolist() == [0, 1]
    assert later[0, COL["employer_log_decided"]] == pytest.approx(np.log1p(2))
    assert later[0, COL["employer_retention_lift"]] > 1  # its one resolved hire lasted
    # the same day as an event does not see it (strictly before)
    same = F.compute(PairBlock.for_pairs(d, [0], [0], [date(2025, 1, 10).toordinal()]))
    assert same[0, COL["person_hires"]] == 0
