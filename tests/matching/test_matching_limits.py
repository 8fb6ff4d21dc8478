"""Every hard limit excludes what it should, and says why in Chinese."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from jobmatch.matching import limits as L
from jobmatch.matching.pairs import PairBlock
from tests.matching.conftest import KM_LON, cert, make_data, person, posting

OTHER_PROVINCE = dict(province="江苏", county_id=None, lon=120.3, lat=31.5)
OTHER_COUNTY = dict(county_id=2, lon=108.9, lat=34.3)

CASES = [
    # (id, person kwargs, posting kwargs, bit, reason)
    ("no capacity", dict(labor_capacity="NONE"), {}, L.NO_CAPACITY, "登记为无劳动能力，不推荐岗位"),
    (
        "too old",
        dict(birth_date=date(1970, 1, 1)),
        dict(min_age=18, max_age=50),
        L.AGE,
        "年龄 56 岁，岗位要求 18–50 岁",
    ),
    (
        "too young",
        dict(birth_date=date(2009, 1, 1)),
        dict(min_age=18, max_age=None),
        L.AGE,
        "年龄 17 岁，岗位要求 18 岁以上",
    ),
    (
        "under 16",
        dict(birth_date=date(2011, 1, 1)),
        dict(min_age=None, max_age=None),
        L.AGE,
        "岗位要求 16 岁以上",
    ),
    ("missing certificate", {}, dict(required_certificate_ids=[11]), L.CERT_MISSING, "缺少叉车证"),
    (
        "expired certificate",
        dict(certificates=[cert(11, expires_on=date(2026, 5, 1))]),
        dict(required_certificate_ids=[11]),
        L.CERT_EXPIRED,
        "叉车证已过期",
    ),
    (
        "weak for heavy",
        dict(labor_capacity="WEAK"),
        dict(intensity="HEAVY"),
        L.HEAVY_WORK,
        "重体力岗位，与您的劳动能力（弱劳动力）不符",
    ),
    ("half for heavy", dict(labor_capacity="HALF"), dict(intensity="HEAVY"), L.HEAVY_WORK, "半劳动力"),
    (
        "local only, other province",
        dict(work_preference="LOCAL"),
        OTHER_PROVINCE,
        L.PLACE,
        "岗位在省外（江苏），您希望县内就近就业",
    ),
    (
        "local only, other county",
        dict(work_preference="LOCAL"),
        OTHER_COUNTY,
        L.PLACE,
        "岗位在县外，您希望县内就近就业",
    ),
    ("no willingness = local", dict(work_preference="NONE"), OTHER_COUNTY, L.PLACE, "暂无外出就业意愿"),
    ("in province only", dict(work_preference="IN_PROVINCE"), OTHER_PROVINCE, L.PLACE, "您希望省内就业"),
    (
        "care vs two shifts",
        dict(has_care_duty=True),
        dict(hours="TWO_SHIFT"),
        L.CARE_SHIFT,
        "需要两班倒，您需要照顾家人",
    ),
    (
        "care vs three shifts",
        dict(has_care_duty=True),
        dict(hours="THREE_SHIFT"),
        L.CARE_SHIFT,
        "需要三班倒，您需要照顾家人",
    ),
    (
        "care vs out of province",
        dict(has_care_duty=True),
        OTHER_PROVINCE,
        L.CARE_FAR,
        "岗位在省外，您需要照顾家人",
    ),
    ("public welfare, not eligible", {}, dict(channel="PUBLIC_WELFARE"), L.PW_INELIGIBLE, "公益性岗位面向"),
    (
        "public welfare, 36 months",
        dict(labor_capacity="WEAK", public_welfare_months_held=36),
        dict(channel="PUBLIC_WELFARE"),
        L.PW_LIMIT,
        "已在公益性岗位累计 36 个月，达到 3 年上限",
    ),
    ("no slots", {}, dict(open_slots=0), L.NO_SLOTS, "岗位已招满"),
]


@pytest.mark.parametrize(("pk", "qk", "bit", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_limit_excludes_with_its_reason(pk, qk, bit, reason):
    d = make_data([person(**pk)], [posting(**qk)])
    mask = L.check(PairBlock.for_person(d, 0))
    assert mask[0] & bit
    text = L.reasons(d, 0, 0, int(mask[0]))
    assert any(reason in r for r in text), text


ALLOWED = [
    ("no limits at all", {}, {}),
    ("age unknown", dict(birth_date=None), dict(min_age=18, max_age=30)),
    (
        "valid certificate",
        dict(certificates=[cert(11, expires_on=date(2027, 1, 1))]),
        dict(required_certificate_ids=[11]),
    ),
    ("weak for medium", dict(labor_capacity="WEAK"), dict(intensity="MEDIUM")),
    ("any, other province", dict(work_preference="ANY"), OTHER_PROVINCE),
    ("out of province wants out, local job", dict(work_preference="OUT_OF_PROVINCE"), {}),
    ("in province, other county", dict(work_preference="IN_PROVINCE"), OTHER_COUNTY),
    (
        "local, unknown place in province",
        dict(work_preference="LOCAL"),
        dict(county_id=None, lon=None, lat=None),
    ),
    (
        "local, county unknown but 20 km",
        dict(work_preference="LOCAL"),
        dict(county_id=None, lon=109.0 + 20 * KM_LON),
    ),
    ("care, flexible hours", dict(has_care_duty=True), dict(hours="FLEXIBLE")),
    ("care, day shift", dict(has_care_duty=True), dict(hours="DAY")),
    (
        "public welfare, weak",
        dict(labor_capacity="WEAK", public_welfare_months_held=12),
        dict(channel="PUBLIC_WELFARE"),
    ),
    ("public welfare, half", dict(labor_capacity="HALF"), dict(channel="PUBLIC_WELFARE")),
    (
        "public welfare, zero-employment household",
        dict(in_zero_employment_household=True),
        dict(channel="PUBLIC_WELFARE"),
    ),
    ("public welfare, monitored", dict(is_monitored=True), dict(channel="PUBLIC_WELFARE")),
]


@pytest.mark.parametrize(("pk", "qk"), [c[1:] for c in ALLOWED], ids=[c[0] for c in ALLOWED])
def test_allowed_pairs_pass(pk, qk):
    d = make_data([person(**pk)], [posting(**qk)])
    assert L.check(PairBlock.for_person(d, 0))[0] == 0


def test_asking_lifts_willingness_but_not_care_duty():
    d = make_data(
        [person(work_preference="LOCAL"), person(work_preference="LOCAL", has_care_duty=True)],
        [posting(**OTHER_PROVINCE), posting(**OTHER_COUNTY)],
    )
    asked = L.LimitOptions(ask_out_of_area=True)
    assert L.check(PairBlock.for_person(d, 0)).tolist() == [L.PLACE, L.PLACE]
    assert L.check(PairBlock.for_person(d, 0), asked).tolist() == [0, 0]
    assert L.check(PairBlock.for_person(d, 1), asked).tolist() == [L.CARE_FAR, 0]


def test_several_limits_give_several_reasons():
    d = make_data(
        [person(labor_capacity="WEAK", has_care_duty=True, work_preference="LOCAL")],
        [
            posting(
                intensity="HEAVY", hours="THREE_SHIFT", required_certificate_ids=[10, 11], **OTHER_PROVINCE
            )
        ],
    )
    m = int(L.check(PairBlock.for_person(d, 0))[0])
    assert m == L.HEAVY_WORK | L.CARE_SHIFT | L.CARE_FAR | L.PLACE | L.CERT_MISSING
    text = L.reasons(d, 0, 0, m)
    assert "缺少焊工证" in text and "缺少叉车证" in text
    assert L.summarize(np.array([m, 0, L.PLACE]))["工作地点不符合就业意愿"] == 2


def test_limits_are_the_same_in_every_block_shape(county_data):
    d = county_data
    people = d.job_seekers()[:6]
    grid = L.check(PairBlock.for_grid(d, people))
    for r, i in enumerate(people):
        np.testing.assert_array_equal(L.check(PairBlock.for_person(d, int(i))), grid[r])
    j = int(d.open_postings[3])
    np.testing.assert_array_equal(L.check(PairBlock.for_posting(d, j, people)), grid[:, 3])
    rows = L.summarize_rows(grid)
    assert rows[0] == L.summarize(grid[0][grid[0] != 0])
