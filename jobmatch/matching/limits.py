"""Hard limits (硬性条件): pairs that are never recommended, each with its reason.

Limits are checked before any scoring; an excluded posting is not ranked, but it
keeps its reasons so a page can answer "为什么没有推荐这个岗位". The result of
:func:`check` is an integer bit mask per pair (0 = allowed); :func:`reasons`
turns one pair's mask into Chinese sentences.

Rules (every one documented in docs/matching.md):

=================  ===========================================================================
bit                rule
=================  ===========================================================================
NO_CAPACITY        无劳动能力 people are never recommended any posting.
AGE                age (on the day) must lie in the posting's [最低年龄, 最高年龄]; without a
                   minimum the legal working age 16 applies; unknown birth date → not checked.
CERT_MISSING       every required certificate must be held …
CERT_EXPIRED       … and not expired on the day (an expired one is reported separately).
HEAVY_WORK         弱/半劳动力 are not recommended 重 (heavy) work.
PLACE              willingness versus place: 县内就近 (and 暂无意愿, treated the same) only
                   jobs in the home county; 省内 nothing outside the province; 省外 and 不限 no
                   limit. A job whose location cannot be placed is allowed (and explained).
                   Lifted when the person explicitly asks (``ask_out_of_area=True``).
CARE_SHIFT         照料负担 people are not recommended 两班倒 / 三班倒 jobs.
CARE_FAR           照料负担 people are not recommended jobs outside the province (not lifted
                   by the ask override: care duty means staying near home).
PW_INELIGIBLE      公益性岗位 only for 弱/半劳动力, members of zero-employment households or
                   monitoring subjects.
PW_LIMIT           公益性岗位 at most 36 months in total.
NO_SLOTS           a posting without open slots.
=================  ===========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pairs import PLACE_LOCAL, PLACE_OUT, PairBlock
from .records import CHANNELS, HOURS, INTENSITIES, LABOR_CAPACITIES, WORK_PREFERENCES

NO_CAPACITY = 1 << 0
AGE = 1 << 1
CERT_MISSING = 1 << 2
CERT_EXPIRED = 1 << 3
HEAVY_WORK = 1 << 4
PLACE = 1 << 5
CARE_SHIFT = 1 << 6
CARE_FAR = 1 << 7
PW_INELIGIBLE = 1 << 8
PW_LIMIT = 1 << 9
NO_SLOTS = 1 << 10

#: the legal minimum working age, used when a posting states no minimum
MIN_WORKING_AGE = 16
#: 公益性岗位 may be held at most this many months in total
PUBLIC_WELFARE_MAX_MONTHS = 36

_CAP = {n: i for i, n in enumerate(LABOR_CAPACITIES)}
_PREF = {n: i for i, n in enumerate(WORK_PREFERENCES)}
_HOURS = {n: i for i, n in enumerate(HOURS)}
_PW = CHANNELS.index("PUBLIC_WELFARE")
_HEAVY = INTENSITIES.index("HEAVY")

ALL_BITS = (
    NO_CAPACITY,
    AGE,
    CERT_MISSING,
    CERT_EXPIRED,
    HEAVY_WORK,
    PLACE,
    CARE_SHIFT,
    CARE_FAR,
    PW_INELIGIBLE,
    PW_LIMIT,
    NO_SLOTS,
)

#: short Chinese names of the rules, for summaries ("因年龄不符排除 12 个")
RULE_NAMES = {
    NO_CAPACITY: "无劳动能力",
    AGE: "年龄不符",
    CERT_MISSING: "缺少证书",
    CERT_EXPIRED: "证书过期",
    HEAVY_WORK: "劳动强度不符",
    PLACE: "工作地点不符合就业意愿",
    CARE_SHIFT: "倒班与照料负担冲突",
    CARE_FAR: "省外岗位与照料负担冲突",
    PW_INELIGIBLE: "不符合公益性岗位条件",
    PW_LIMIT: "公益性岗位已满3年",
    NO_SLOTS: "岗位已招满",
}


@dataclass(frozen=True)
class LimitOptions:
    """Per-request switches."""

    #: the person asked to see jobs outside the area they said they would work in
    ask_out_of_area: bool = False


def check(block: PairBlock, options: LimitOptions = LimitOptions()) -> np.ndarray:
    """Bit mask of violated hard limits for every pair of the block (0 = allowed)."""
    d = block.data
    p, q = d.people, d.postings
    pi, qi = block.pi, block.qi
    mask = np.zeros(block.shape, dtype=np.int32)

    def flag(cond, bit):
        nonlocal mask
        mask |= np.where(cond, bit, 0).astype(np.int32)

    cap = p.capacity[pi]
    flag(cap == _CAP["NONE"], NO_CAPACITY)

    age = block.age
    lo = np.where(np.isnan(q.min_age[qi]), MIN_WORKING_AGE, q.min_age[qi])
    hi = q.max_age[qi]
    flag((age < lo) | (age > hi), AGE)  # NaN compares False: unknown age or no maximum → allowed

    n_req = q.n_required[qi]
    if d.postings.required_certs.nnz:
        held, valid = block.certs_held_any, block.certs_valid
        flag(n_req - held > 0, CERT_MISSING)
        flag(held - valid > 0, CERT_EXPIRED)

    weak = (cap == _CAP["WEAK"]) | (cap == _CAP["HALF"])
    flag(weak & (q.intensity[qi] == _HEAVY), HEAVY_WORK)

    place = block.place
    if not options.ask_out_of_area:
        pref = p.preference[pi]
        local_only = (pref == _PREF["LOCAL"]) | (pref == _PREF["NONE"])
        flag(local_only & (place > PLACE_LOCAL), PLACE)  # NaN (unknown place) → allowed
        flag((pref == _PREF["IN_PROVINCE"]) & (place == PLACE_OUT), PLACE)

    care = p.care[pi]
    hours = q.hours[qi]
    flag(care & ((hours == _HOURS["TWO_SHIFT"]) | (hours == _HOURS["THREE_SHIFT"])), CARE_SHIFT)
    flag(care & (place == PLACE_OUT), CARE_FAR)

    pw = q.channel[qi] == _PW
    eligible = weak | p.zero_employment[pi] | p.monitored[pi]
    flag(pw & ~eligible, PW_INELIGIBLE)
    flag(pw & (p.pw_months[pi] >= PUBLIC_WELFARE_MAX_MONTHS), PW_LIMIT)

    flag(q.slots[qi] <= 0, NO_SLOTS)
    return mask


_HOURS_ZH = {"TWO_SHIFT": "两班倒", "THREE_SHIFT": "三班倒"}
_CAP_ZH = {"FULL": "强劳动力", "WEAK": "弱劳动力", "HALF": "半劳动力", "NONE": "无劳动能力"}
_PREF_ZH = {
    "LOCAL": "县内就近",
    "IN_PROVINCE": "省内",
    "OUT_OF_PROVINCE": "省外",
    "ANY": "不限",
    "NONE": "暂无意愿",
}


def reasons(data, person_row: int, posting_row: int, mask: int) -> list[str]:
    """Chinese sentences explaining why this posting is not recommended to this person."""
    if not mask:
        return []
    p, q = data.people, data.postings
    person, posting = p.records[person_row], q.records[posting_row]
    names = data.names
    out: list[str] = []
    if mask & NO_CAPACITY:
        out.append("登记为无劳动能力，不推荐岗位")
    if mask & AGE:
        age = int(data.ages_now[person_row])
        lo, hi = posting.min_age, posting.max_age
        if lo is not None and hi is not None:
            rng = f"{lo}–{hi} 岁"
        elif hi is not None:
            rng = f"{hi} 岁以下"
        else:
            rng = f"{lo if lo is not None else MIN_WORKING_AGE} 岁以上"
        out.append(f"年龄 {age} 岁，岗位要求 {rng}")
    if mask & (CERT_MISSING | CERT_EXPIRED):
        held_cols = _row_cols(data.certs_held, person_row)
        valid_cols = _row_cols(data.certs_valid_at(data.t), person_row)
        for cid in posting.required_certificate_ids:
            col = data.spaces.certs.get(int(cid))
            if col in valid_cols:
                continue
            if col in held_cols:
                out.append(f"{names.certificate(int(cid))}已过期")
            else:
                out.append(f"缺少{names.certificate(int(cid))}")
    if mask & HEAVY_WORK:
        out.append(f"重体力岗位，与您的劳动能力（{_CAP_ZH[person.labor_capacity]}）不符")
    if mask & PLACE:
        pref = _PREF_ZH.get(person.work_preference or "NONE", "暂无意愿")
        where = (
            "省外"
            if q.province[posting_row] >= 0 and q.province[posting_row] != p.province[person_row]
            else "县外"
        )
        if where == "省外" and posting.province:
            where = f"省外（{posting.province}）"
        if person.work_preference in (None, "NONE"):
            out.append(f"岗位在{where}，您暂无外出就业意愿（按县内就近处理）")
        else:
            out.append(f"岗位在{where}，您希望{pref}就业")
    if mask & CARE_SHIFT:
        out.append(f"需要{_HOURS_ZH.get(posting.hours, '倒班')}，您需要照顾家人")
    if mask & CARE_FAR:
        out.append("岗位在省外，您需要照顾家人")
    if mask & PW_INELIGIBLE:
        out.append("公益性岗位面向弱劳动力、半劳动力、零就业家庭成员和监测对象")
    if mask & PW_LIMIT:
        out.append(f"已在公益性岗位累计 {person.public_welfare_months_held} 个月，达到 3 年上限")
    if mask & NO_SLOTS:
        out.append("岗位已招满")
    return out


def _row_cols(m, row: int) -> set[int]:
    return set(m.indices[m.indptr[row] : m.indptr[row + 1]].tolist())


def summarize(masks: np.ndarray) -> dict[str, int]:
    """How many pairs each rule excluded (a pair can count under several rules)."""
    return {RULE_NAMES[bit]: int(np.count_nonzero(masks & bit)) for bit in ALL_BITS if np.any(masks & bit)}


def summarize_rows(masks: np.ndarray) -> list[dict[str, int]]:
    """:func:`summarize` for every row of an (n × P) mask matrix at once."""
    counts = np.stack([np.count_nonzero(masks & bit, axis=1) for bit in ALL_BITS], axis=1)
    names = [RULE_NAMES[bit] for bit in ALL_BITS]
    return [{names[b]: int(c[b]) for b in np.flatnonzero(c)} for c in counts]
