"""Pair features: pure, documented, vectorised functions of (person, posting).

Each ``f_*`` function takes numpy arrays (or scalars) that broadcast against
each other and returns a float32 array; none of them looks at a database or
at the app. :func:`compute` assembles them for a :class:`PairBlock` into the
feature matrix the scorers read, columns in :data:`FEATURE_NAMES` order.

Deliberately **not** features:

* sex (性别) — used only by the fairness report;
* 零就业家庭 / 监测对象 — policy priority is applied in the open afterwards (policy.py);
* the current 就业状态 and 公益性岗位 months held — they are today's snapshot and would
  leak the outcome of the very referrals the model learns from.

Missing values are NaN; the model's pipeline imputes them (with missing
indicators) and the rule scorer treats them as neutral.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pairs import PLACE_LOCAL, PLACE_OUT, PairBlock
from .records import CHANNELS, HOURS, INTENSITIES, LABOR_CAPACITIES, WORK_PREFERENCES

#: bump when a feature's meaning changes: models trained on another version are not loaded
FEATURE_VERSION = 1

F32 = np.float32


# -- pure feature functions -------------------------------------------------------------------
def f_coverage(overlap, n_required, empty=1.0) -> np.ndarray:
    """Share of required items present: overlap / n_required; ``empty`` when nothing is required."""
    overlap, n_required = np.asarray(overlap, F32), np.asarray(n_required, F32)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_required > 0, overlap / n_required, F32(empty)).astype(F32)


def f_missing(overlap, n_required) -> np.ndarray:
    """How many required items are missing (≥ 0)."""
    return np.maximum(np.asarray(n_required, F32) - np.asarray(overlap, F32), 0).astype(F32)


def f_cosine(overlap, n_a, n_b) -> np.ndarray:
    """Cosine similarity of two binary sets: overlap / sqrt(|a|·|b|); 0 when either is empty."""
    denom = np.sqrt(np.asarray(n_a, F32) * np.asarray(n_b, F32))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, np.asarray(overlap, F32) / denom, 0).astype(F32)


def f_age_margin(age, min_age, max_age, default_min=16.0) -> np.ndarray:
    """Years to the nearer edge of the posting's age range (negative = outside; no max → 10).

    A person in the middle of a wide range gets a large margin; one at 49 for a posting
    capped at 50 gets 1. Capped at 10 so wide ranges do not dominate. NaN when age unknown.
    """
    age = np.asarray(age, F32)
    lo = np.where(np.isnan(min_age), default_min, min_age)
    hi = np.where(np.isnan(max_age), np.inf, max_age)
    return np.minimum(np.minimum(age - lo, hi - age), 10).astype(F32)


def f_education_shortfall(person_level, required_level) -> np.ndarray:
    """Levels below the requirement (0 when met or 不限; NaN when the person's education is unknown)."""
    req = np.asarray(required_level, F32)
    person = np.asarray(person_level, F32)
    short = np.maximum(np.where(np.isnan(req), 0, req) - person, 0)
    return short.astype(F32)


def f_education_surplus(person_level, required_level) -> np.ndarray:
    """Levels above a stated requirement (0 when 不限; NaN when the person's education is unknown)."""
    req = np.asarray(required_level, F32)
    person = np.asarray(person_level, F32)
    return np.where(np.isnan(req), np.where(np.isnan(person), np.nan, 0), np.maximum(person - req, 0)).astype(
        F32
    )


#: willingness fit by preference (rows, WORK_PREFERENCES order) × place level (local, province, out)
WILLINGNESS_FIT = np.array(
    [
        [1.0, 0.0, 0.0],  # LOCAL 县内就近
        [1.0, 1.0, 0.0],  # IN_PROVINCE 省内
        [0.5, 0.5, 1.0],  # OUT_OF_PROVINCE 省外: wants to go out, local jobs are second best
        [1.0, 1.0, 1.0],  # ANY 不限
        [0.5, 0.0, 0.0],  # NONE 暂无意愿
    ],
    dtype=F32,
)


def f_willingness_fit(preference, place) -> np.ndarray:
    """How well the job's place matches the stated willingness (0–1; NaN when the place is unknown)."""
    place = np.asarray(place, F32)
    idx = np.where(np.isnan(place), 0, place).astype(np.int64)
    fit = WILLINGNESS_FIT[np.asarray(preference, np.int64), idx]
    return np.where(np.isnan(place), np.nan, fit).astype(F32)


#: labor capacity → level (强 2, 弱/半 1, 无 0) and intensity → level (轻 0, 中 1, 重 2)
CAPACITY_LEVEL = np.array([2, 1, 1, 0], dtype=F32)  # LABOR_CAPACITIES order
INTENSITY_LEVEL = np.array([0, 1, 2], dtype=F32)  # INTENSITIES order


def f_intensity_level(intensity) -> np.ndarray:
    """轻 0, 中 1, 重 2; NaN unknown."""
    intensity = np.asarray(intensity)
    return np.where(intensity < 0, np.nan, INTENSITY_LEVEL[np.maximum(intensity, 0)]).astype(F32)


def f_capacity_headroom(capacity, intensity) -> np.ndarray:
    """Capacity level minus intensity level: ≥ 0 fits, < 0 the work is harder than the person can do."""
    return (CAPACITY_LEVEL[np.asarray(capacity, np.int64)] - f_intensity_level(intensity)).astype(F32)


#: how much the hours clash with care duty: 弹性 0, 白班 0.5, 两班倒/三班倒 1 (unknown 0.5)
HOURS_CARE_CONFLICT = np.array([0.0, 0.5, 1.0, 1.0], dtype=F32)


def f_care_hours_conflict(care, hours) -> np.ndarray:
    """Care duty × how inflexible the hours are (0 without care duty)."""
    hours = np.asarray(hours)
    conflict = np.where(hours < 0, 0.5, HOURS_CARE_CONFLICT[np.maximum(hours, 0)])
    return (np.asarray(care, F32) * conflict).astype(F32)


def f_shift_work(hours) -> np.ndarray:
    """1 for 两班倒/三班倒, 0 for 弹性/白班, NaN unknown."""
    hours = np.asarray(hours)
    return np.where(hours < 0, np.nan, (hours >= HOURS.index("TWO_SHIFT")).astype(F32)).astype(F32)


def f_away(place) -> np.ndarray:
    """1 when the job is outside the home county (place level ≥ 1), 0 local, NaN unknown."""
    place = np.asarray(place, F32)
    return np.where(np.isnan(place), np.nan, (place > PLACE_LOCAL).astype(F32)).astype(F32)


def f_care_far(care, place) -> np.ndarray:
    """Care duty × the job being away from home (0–1 by place level; unknown place counts half)."""
    place = np.asarray(place, F32)
    away = np.where(np.isnan(place), 0.5, place / PLACE_OUT)
    return (np.asarray(care, F32) * away).astype(F32)


def f_wage_ratio(wage_mid, expected) -> np.ndarray:
    """Posting wage (midpoint) / the person's expected wage, clipped to [0.2, 5]; NaN if either unknown."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.asarray(wage_mid, F32) / np.asarray(expected, F32)
    return np.clip(r, 0.2, 5).astype(F32)


def f_wage_level(wage_mid, reference) -> np.ndarray:
    """Posting wage relative to the median posting wage of the data (scale-free); NaN unknown."""
    return np.clip(np.asarray(wage_mid, F32) / F32(reference), 0.2, 5).astype(F32)


def f_log_slots(slots) -> np.ndarray:
    """log(1 + open slots)."""
    return np.log1p(np.maximum(np.asarray(slots, F32), 0)).astype(F32)


# -- the feature table --------------------------------------------------------------------------
@dataclass(frozen=True)
class Feature:
    """One column of the feature matrix."""

    name: str
    label: str  # Chinese, for staff
    doc: str


FEATURES: tuple[Feature, ...] = (
    Feature(
        "skill_must_coverage",
        "必备技能符合率",
        "share of the posting's must-have skills the person has (1 if none)",
    ),
    Feature("skill_must_missing", "缺少的必备技能数", "count of must-have skills the person lacks"),
    Feature(
        "skill_nice_coverage",
        "优先技能符合率",
        "share of nice-to-have skills held (NaN if the posting lists none)",
    ),
    Feature(
        "skill_cosine", "技能相似度", "cosine between the person's skills and all skills the posting names"
    ),
    Feature(
        "occupation_similarity",
        "职业相近程度",
        "best CSCO similarity between the person's occupations and the posting's",
    ),
    Feature("person_skill_count", "掌握技能数", "log(1 + number of skills the person has)"),
    Feature("cert_required_held", "持有要求证书数", "required certificates held and valid"),
    Feature("person_cert_count", "有效证书数", "number of valid certificates the person holds"),
    Feature("age_margin", "年龄余量", "years to the nearer edge of the posting's age range, capped at 10"),
    Feature("education_shortfall", "学历差距", "levels below the required education (高中 = 中专)"),
    Feature("education_surplus", "学历高出", "levels above a stated requirement"),
    Feature("commute_km", "通勤距离（公里）", "great-circle km from the person's site to the workplace"),
    Feature("place_level", "工作地点", "0 home county, 1 same province, 2 other province"),
    Feature("willingness_fit", "就业意愿符合度", "fit between the stated willingness and the job's place"),
    Feature("capacity_headroom", "劳动能力余量", "labor capacity level minus the job's intensity level"),
    Feature("care_hours_conflict", "照料与工时冲突", "care duty × inflexibility of the hours"),
    Feature("care_far", "照料与距离冲突", "care duty × the job being away from home"),
    Feature("wage_ratio", "工资/期望", "posting wage midpoint / expected wage"),
    Feature("wage_level", "工资水平", "posting wage / median posting wage"),
    Feature("board_lodging", "包吃住", "the posting offers board and lodging"),
    Feature("board_away", "外地且包吃住", "board and lodging for a job away from home"),
    Feature("channel", "渠道", "posting channel code (categorical)"),
    Feature("shift_work", "倒班", "two or three shifts"),
    Feature("intensity_level", "劳动强度", "轻 0, 中 1, 重 2"),
    Feature("log_open_slots", "招聘人数", "log(1 + open slots)"),
    Feature(
        "employer_hire_lift", "用工单位录用率", "employer's smoothed hire rate / county rate, before the day"
    ),
    Feature(
        "employer_retention_lift",
        "用工单位稳岗率",
        "employer's smoothed 6-month retention / county rate, before the day",
    ),
    Feature(
        "employer_log_decided", "用工单位记录数", "log(1 + decided referrals of the employer), before the day"
    ),
    Feature("person_log_referrals", "本人推荐次数", "log(1 + the person's earlier referrals)"),
    Feature("person_hires", "本人录用次数", "the person's earlier hires (capped at 5)"),
    Feature(
        "person_early_leaves", "本人半年内离职次数", "the person's earlier hires that ended within 6 months"
    ),
    Feature("person_retained", "本人稳定就业次数", "the person's earlier hires that lasted 6 months"),
    Feature("person_declines", "本人放弃次数", "the person's earlier declined referrals"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
COL = {name: i for i, name in enumerate(FEATURE_NAMES)}
CATEGORICAL = {"channel": list(range(len(CHANNELS)))}

_ = (INTENSITIES, LABOR_CAPACITIES, WORK_PREFERENCES)  # orders the tables above rely on


def compute(block: PairBlock, rows: np.ndarray | None = None) -> np.ndarray:
    """Feature matrix (n_pairs × len(FEATURE_NAMES), float32, column-major) for the block's pairs.

    ``rows`` optionally restricts the block to some of its pairs (e.g. the ones passing hard
    limits): for ``person``/``posting``/``pairs`` blocks the work is only done for those; for a
    ``grid`` block ``rows`` are flat (C-order) indices into the n × P grid.
    """
    if rows is not None and block.mode != "grid":
        block = subset(block, rows)
        rows = None
    d = block.data
    p, q = d.people, d.postings
    pi, qi = block.pi, block.qi
    shape = block.shape
    cols: dict[str, np.ndarray] = {}

    n_person_skills = np.diff(p.skills.indptr).astype(F32)[pi]
    must_ov, nice_ov = block.must_overlap, block.nice_overlap
    cols["skill_must_coverage"] = f_coverage(must_ov, q.n_must[qi])
    cols["skill_must_missing"] = f_missing(must_ov, q.n_must[qi])
    cols["skill_nice_coverage"] = f_coverage(nice_ov, q.n_nice[qi], empty=np.nan)
    cols["skill_cosine"] = f_cosine(must_ov + nice_ov, n_person_skills, q.n_must[qi] + q.n_nice[qi])
    cols["occupation_similarity"] = block.occupation_similarity
    cols["person_skill_count"] = np.log1p(n_person_skills)
    cols["cert_required_held"] = block.certs_valid if q.required_certs.nnz else np.zeros(shape, F32)
    cols["person_cert_count"] = block.person_valid_cert_count
    cols["age_margin"] = f_age_margin(block.age, q.min_age[qi], q.max_age[qi])
    cols["education_shortfall"] = f_education_shortfall(p.education[pi], q.education[qi])
    cols["education_surplus"] = f_education_surplus(p.education[pi], q.education[qi])
    cols["commute_km"] = block.km
    place = block.place
    cols["place_level"] = place
    cols["willingness_fit"] = f_willingness_fit(p.preference[pi], place)
    cols["capacity_headroom"] = f_capacity_headroom(p.capacity[pi], q.intensity[qi])
    care = p.care[pi]
    cols["care_hours_conflict"] = f_care_hours_conflict(care, q.hours[qi])
    cols["care_far"] = f_care_far(care, place)
    cols["wage_ratio"] = f_wage_ratio(q.wage_mid[qi], p.expected_wage[pi])
    cols["wage_level"] = f_wage_level(q.wage_mid[qi], d.reference_wage)
    board = q.board[qi].astype(F32)
    cols["board_lodging"] = board
    cols["board_away"] = (board * np.nan_to_num(f_away(place), nan=0.5)).astype(F32)
    cols["channel"] = q.channel[qi].astype(F32)
    cols["shift_work"] = f_shift_work(q.hours[qi])
    cols["intensity_level"] = f_intensity_level(q.intensity[qi])
    cols["log_open_slots"] = f_log_slots(q.slots[qi])
    emp = q.employer[qi]
    if block.mode == "pairs":
        cols.update(d.history.employer_features(emp, block.t))
        cols.update(d.history.person_features(pi, block.t))
    else:
        for name, values in d.employer_history_now.items():
            cols[name] = values[emp]
        for name, values in d.person_history_now.items():
            cols[name] = values[pi]

    if rows is None:
        X = np.empty((block.size, len(FEATURE_NAMES)), dtype=F32, order="F")
        for j, name in enumerate(FEATURE_NAMES):
            if len(shape) == 1:
                X[:, j] = cols[name]  # (1,) or (n,): numpy broadcasts on assignment
            else:
                X[:, j] = np.broadcast_to(cols[name], shape).ravel()
        return X
    ii, jj = np.divmod(np.asarray(rows), shape[1])
    X = np.empty((len(ii), len(FEATURE_NAMES)), dtype=F32, order="F")
    for j, name in enumerate(FEATURE_NAMES):
        # fancy indexing a broadcast view reads person / posting columns without expanding them
        X[:, j] = np.broadcast_to(cols[name], shape)[ii, jj]
    return X


def subset(block: PairBlock, rows: np.ndarray) -> PairBlock:
    """The same block restricted to some of its pairs (person / posting / pairs modes).

    Quantities already computed on the full block (distances, overlaps, ages… — hard limits
    need most of them) are carried over, sliced, instead of being computed again.
    """
    if block.mode == "person":
        new = PairBlock(block.data, "person", block.pi, block.qi[rows], block.t)
    elif block.mode == "posting":
        new = PairBlock(block.data, "posting", block.pi[rows], block.qi, block.t)
    elif block.mode == "pairs":
        new = PairBlock(block.data, "pairs", block.pi[rows], block.qi[rows], block.t[rows])
    else:
        raise ValueError("grid blocks are subset by choosing their rows and columns")
    full = block.shape
    for name, value in list(vars(block).items()):
        if name in PairBlock.CACHED and isinstance(value, np.ndarray):
            if value.shape == full:
                vars(new)[name] = value[rows]
            elif value.size == 1:
                vars(new)[name] = value
    return new
