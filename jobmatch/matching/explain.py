"""Plain-Chinese explanations for ranked pairs, and "what would raise my chances".

Explanations are read off the same feature values the scorers use, so they
never claim something the score did not see. Positives and negatives are kept
apart ("持有焊工证", "离家 3 公里", "工资比期望高 800 元" /
"需要两班倒，您需要照顾家人", "缺少叉车证"). ``audience='person'`` addresses the
person (您); ``'staff'`` speaks about them (本人) for shortlists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import limits
from .data import MatchingData
from .features import COL
from .pairs import PLACE_OUT
from .records import CHANNELS

#: distances (km) at or below which "离家 N 公里" is a plus, and above which (same province) a minus
NEAR_KM = 15.0
FAR_KM = 40.0
#: employer record worth mentioning: at least this many decided referrals, and this far from average
EMPLOYER_MIN_DECIDED = 10
EMPLOYER_LIFT = 0.15

_CH = {n: i for i, n in enumerate(CHANNELS)}
_HOURS_ZH = ("弹性", "白班", "两班倒", "三班倒")
_EDU_REQ_ZH = {0.0: "小学", 1.0: "初中", 2.0: "高中/中专", 3.0: "大专"}


@lru_cache(maxsize=4096)
def _km_text(km: int) -> str:
    return "离家不到 1 公里" if km < 1 else f"离家 {km} 公里"


@lru_cache(maxsize=4096)
def _wage_text(diff: int) -> str:
    if diff >= 100:
        return f"工资比期望高 {diff} 元"
    if diff <= -100:
        return f"工资比期望低 {-diff} 元"
    return "工资与期望相当"


def _pay_text(lo: float | None, hi: float | None) -> str:
    if lo and hi:
        return f"符合岗位基本条件，月薪 {int(lo)}–{int(hi)} 元"
    if lo or hi:
        return f"符合岗位基本条件，月薪 {int(lo or hi)} 元"
    return "符合岗位基本条件"


@dataclass
class Explanation:
    """Reasons for one ranked pair."""

    positives: list[str]
    negatives: list[str]

    @property
    def reasons(self) -> list[str]:
        """Positives first, then negatives."""
        return self.positives + self.negatives


def explain(
    data: MatchingData,
    person_rows: np.ndarray,
    posting_rows: np.ndarray,
    X: np.ndarray,
    audience: str = "person",
) -> list[Explanation]:
    """Explanations for aligned arrays of person rows, posting rows and feature rows."""
    you = "您" if audience == "person" else "本人"
    p, q = data.people, data.postings
    names = data.names
    skills_space = data.spaces.skills.values
    person_rows = np.broadcast_to(person_rows, (len(X),))
    posting_rows = np.broadcast_to(posting_rows, (len(X),))

    # vectorised decisions first; the Python loop below only assembles strings, on plain lists
    # (indexing numpy arrays element by element costs more than the string work)
    def col(name):
        return X[:, COL[name]].tolist()

    km, place = col("commute_km"), col("place_level")
    wage_diff = (q.wage_mid[posting_rows] - p.expected_wage[person_rows]).tolist()
    must_cov, nice_cov, occ = (
        col("skill_must_coverage"),
        col("skill_nice_coverage"),
        col("occupation_similarity"),
    )
    ret_lift, headroom, short = (
        col("employer_retention_lift"),
        col("capacity_headroom"),
        col("education_shortfall"),
    )
    employer_known = (X[:, COL["employer_log_decided"]] >= np.log1p(EMPLOYER_MIN_DECIDED)).tolist()
    care = p.care[person_rows].tolist()
    hours = q.hours[posting_rows].tolist()
    pref = p.preference[person_rows].tolist()
    channel = q.channel[posting_rows].tolist()
    board = q.board[posting_rows].tolist()
    age = data.ages_now[person_rows].tolist()
    max_age = q.max_age[posting_rows].tolist()
    person_rows = person_rows.tolist()
    posting_rows = posting_rows.tolist()
    isnan = math.isnan
    cf, pw = _CH["COMMUNITY_FACTORY"], _CH["PUBLIC_WELFARE"]
    out: list[Explanation] = []
    skill_sets: dict[int, frozenset] = {}
    for k in range(len(X)):
        i, j = person_rows[k], posting_rows[k]
        posting = q.records[j]
        pos: list[str] = []
        neg: list[str] = []
        # skills and certificates
        if posting.must_skill_ids or posting.nice_skill_ids:
            held = skill_sets.get(i)
            if held is None:
                sl = slice(p.skills.indptr[i], p.skills.indptr[i + 1])
                held = skill_sets[i] = frozenset(skills_space[c] for c in p.skills.indices[sl])
            if posting.must_skill_ids:
                have = [names.skill(s) for s in posting.must_skill_ids if s in held]
                miss = [names.skill(s) for s in posting.must_skill_ids if s not in held]
                if have:
                    pos.append(
                        ("具备岗位要求的技能：" if must_cov[k] < 1 else "具备岗位要求的全部技能：")
                        + "、".join(have)
                    )
                if miss:
                    neg.append("缺少岗位要求的技能：" + "、".join(miss))
            if nice_cov[k] > 0:
                pos.append(
                    "具备优先技能：" + "、".join(names.skill(s) for s in posting.nice_skill_ids if s in held)
                )
        if occ[k] >= 0.6 and not (posting.must_skill_ids and must_cov[k] > 0):
            pos.append("做过相近的工作")
        for cid in posting.required_certificate_ids:
            pos.append("持有" + names.certificate(int(cid)))
        # place and distance
        if place[k] == PLACE_OUT:
            where = posting.province or "省外"
            if pref[k] in (2, 3):  # OUT_OF_PROVINCE, ANY
                pos.append(f"到{where}务工，符合{you}外出务工的意愿")
            else:
                neg.append(f"岗位在省外（{where}）")
        elif not isnan(km[k]):
            d = int(round(km[k]))
            if km[k] <= NEAR_KM:
                pos.append(_km_text(d))
            elif km[k] > FAR_KM:
                neg.append(_km_text(d))
        elif isnan(place[k]):
            neg.append("工作地点不详")
        if channel[k] == cf and km[k] <= NEAR_KM:
            pos.append("安置点社区工厂，家门口就业")
        if channel[k] == pw:
            pos.append(f"公益性岗位，{you}符合条件")
        # wage and conditions
        if not isnan(wage_diff[k]):
            d = int(round(wage_diff[k] / 100.0)) * 100
            (pos if d > -100 else neg).append(_wage_text(d))
        if board[k]:
            pos.append("包吃住")
        if employer_known[k] and ret_lift[k] >= 1 + EMPLOYER_LIFT:
            pos.append("这家单位录用的人多数干得长")
        elif employer_known[k] and ret_lift[k] <= 1 - EMPLOYER_LIFT:
            neg.append("这家单位录用的人半年内离职较多")
        # care duty, hours, capacity, education, age
        h = hours[k]
        if care[k]:
            if h == 0:
                pos.append(f"工作时间弹性，方便{you}照顾家人")
            if place[k] >= 1 and place[k] < PLACE_OUT:
                neg.append(f"离家较远，{you}需要照顾家人")
        elif h >= 2:
            neg.append(f"需要{_HOURS_ZH[h]}")
        if headroom[k] < 0:
            neg.append(f"劳动强度（{'重' if headroom[k] < -1 else '中'}）偏高，请结合{you}的身体情况")
        if short[k] > 0:
            req = q.education[j]
            neg.append(f"学历低于岗位要求（要求{_EDU_REQ_ZH.get(float(req), '更高学历')}）")
        if not isnan(max_age[k]) and not isnan(age[k]) and max_age[k] - age[k] <= 2:
            neg.append(f"年龄接近岗位上限（{int(max_age[k])} 岁）")
        if not pos:
            pos.append(_pay_text(posting.wage_min, posting.wage_max))
        out.append(Explanation(pos, neg))
    return out


# -- what would raise my chances ------------------------------------------------------------------
@dataclass(frozen=True)
class Unlock:
    """The single certificate or skill that would open the most additional postings."""

    kind: str  # 'certificate' | 'renew' | 'skill'
    item_id: int
    count: int
    text: str


def unlocks(
    data: MatchingData,
    person_rows: np.ndarray,
    posting_rows: np.ndarray,
    masks: np.ndarray,
    must_overlap: np.ndarray,
) -> list[Unlock | None]:
    """For each person: which one certificate or skill adds the most matchable postings.

    A posting is *matchable* when it passes every hard limit and the person has all its
    must-have skills. A certificate unlocks a posting whose only hard-limit failures are
    certificate ones, where exactly one required certificate is missing or expired, and whose
    must-have skills are met. A skill unlocks a posting that passes every hard limit and misses
    exactly that one must-have skill. Ties go to certificates (training leads to them).

    ``masks`` and ``must_overlap`` are (n_people × n_postings) for the given rows.
    """
    p, q = data.people, data.postings
    person_rows = np.asarray(person_rows)
    posting_rows = np.asarray(posting_rows)
    n = len(person_rows)
    n_must = q.n_must[posting_rows][None, :]
    skills_ok = must_overlap >= n_must
    cert_bits = limits.CERT_MISSING | limits.CERT_EXPIRED
    results: list[Unlock | None] = [None] * n
    best_count = np.zeros(n, dtype=np.int64)
    # certificates
    cand_i, cand_j = np.nonzero(((masks & ~cert_bits) == 0) & ((masks & cert_bits) != 0) & skills_ok)
    n_certs = len(data.spaces.certs)
    if len(cand_i) and n_certs:
        valid = _dense_rows(data.certs_valid_at(data.t), person_rows)  # n × C (few certificates)
        req = _rows(q.required_certs, posting_rows[cand_j])
        owner = np.repeat(np.arange(len(cand_i)), np.diff(req.indptr))
        missing = ~valid[cand_i[owner], req.indices]
        n_missing = np.bincount(owner, weights=missing, minlength=len(cand_i))
        single = (n_missing == 1)[owner] & missing
        key = cand_i[owner[single]] * n_certs + req.indices[single]
        counts = np.bincount(key, minlength=n * n_certs).reshape(n, n_certs)
        best = counts.argmax(1)
        best_count = counts[np.arange(n), best]
        held_any = _dense_rows(data.certs_held, person_rows)
        for r in np.flatnonzero(best_count > 0):
            cid = int(data.spaces.certs.values[best[r]])
            name = data.names.certificate(cid)
            if held_any[r, best[r]]:
                results[r] = Unlock(
                    "renew", cid, int(best_count[r]), f"更新（复审）{name}后可匹配的岗位多 {best_count[r]} 个"
                )
            else:
                results[r] = Unlock(
                    "certificate", cid, int(best_count[r]), f"取得{name}后可匹配的岗位多 {best_count[r]} 个"
                )
    # skills
    cand_i, cand_j = np.nonzero((masks == 0) & (n_must - must_overlap == 1))
    n_skills = len(data.spaces.skills)
    if len(cand_i) and n_skills:
        has = _dense_rows(p.skills, person_rows)  # n × K
        must = _rows(q.must, posting_rows[cand_j])
        owner = np.repeat(np.arange(len(cand_i)), np.diff(must.indptr))
        missing = ~has[cand_i[owner], must.indices]
        key = cand_i[owner[missing]] * n_skills + must.indices[missing]
        counts = np.bincount(key, minlength=n * n_skills).reshape(n, n_skills)
        best = counts.argmax(1)
        cnt = counts[np.arange(n), best]
        for r in np.flatnonzero(cnt > best_count):
            sid = int(data.spaces.skills.values[best[r]])
            results[r] = Unlock(
                "skill", sid, int(cnt[r]), f"学会{data.names.skill(sid)}后可匹配的岗位多 {cnt[r]} 个"
            )
    return results


class _Rows:
    """indptr / indices of selected CSR rows (what sparse fancy indexing returns, minus its overhead)."""

    def __init__(self, indptr, indices):
        self.indptr, self.indices = indptr, indices


def _rows(m, rows: np.ndarray) -> _Rows:
    starts = m.indptr[rows]
    lens = m.indptr[rows + 1] - starts
    indptr = np.r_[0, np.cumsum(lens)]
    pos = np.repeat(starts - indptr[:-1], lens) + np.arange(indptr[-1])
    return _Rows(indptr, m.indices[pos])


def _dense_rows(m, rows: np.ndarray) -> np.ndarray:
    """Boolean dense copy of some rows of a binary CSR matrix."""
    r = _rows(m, np.asarray(rows))
    out = np.zeros((len(rows), m.shape[1]), dtype=bool)
    out[np.repeat(np.arange(len(rows)), np.diff(r.indptr)), r.indices] = True
    return out
