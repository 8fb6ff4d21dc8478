"""A synthetic county for the matching tests and benchmarks (not used by the engine).

The hidden outcome process below is plausible but deliberately *not* the
engine's feature set: it works on skill families and latent employer /
person qualities the engine never sees, with noise, so a model can only
recover it partially. The engine must not depend on anything here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from jobmatch.matching.records import (
    CertificateHeld,
    Names,
    OutcomeRecord,
    PersonRecord,
    PostingRecord,
)

# (family name, CSCO 小类 prefix, skill names)
FAMILIES = [
    ("缝纫", "6-05-01", ["缝纫", "车衣", "锁边", "裁剪", "熨烫"]),
    ("电焊", "6-18-02", ["电焊", "气焊", "氩弧焊", "钣金"]),
    ("电工", "6-31-01", ["电工", "低压电工", "电气安装", "水电维修"]),
    ("叉车", "4-02-03", ["叉车驾驶", "装卸", "仓库搬运"]),
    ("养老护理", "4-10-01", ["养老护理", "病患陪护", "康复护理"]),
    ("家政", "4-10-02", ["家政服务", "育婴", "保洁"]),
    ("烹饪", "4-03-02", ["中式烹调", "面点", "食堂帮厨"]),
    ("茶叶", "6-02-06", ["采茶", "制茶", "茶叶加工", "茶艺"]),
    ("电子装配", "6-25-04", ["电子装配", "焊锡", "质检", "贴片"]),
    ("建筑", "6-29-01", ["砌筑", "钢筋", "木工", "抹灰", "架子工"]),
    ("物流", "4-02-06", ["分拣", "快递", "仓储管理"]),
    ("种养", "5-01-01", ["种植", "养殖", "护林"]),
    ("保洁绿化", "4-09-07", ["环卫", "绿化", "物业保洁"]),
    ("电商", "4-04-05", ["电商客服", "直播带货", "网店运营"]),
    ("毛绒玩具", "6-05-02", ["毛绒玩具加工", "手工编织", "包装"]),
]
# certificate id → (name, family index, expires)
CERTS = {
    1: ("焊工证", 1, True),
    2: ("电工证", 2, True),
    3: ("叉车证", 3, True),
    4: ("养老护理员", 4, False),
    5: ("健康证", 6, True),
    6: ("育婴员", 5, False),
    7: ("中式烹调师", 6, False),
    8: ("茶艺师", 7, False),
    9: ("砌筑工", 9, False),
}
OUT_PROVINCES = [("江苏", 120.3, 31.5), ("浙江", 120.2, 30.3), ("广东", 113.3, 23.1), ("福建", 118.1, 24.5)]
HOME = ("陕西", 109.3, 32.3)
CHANNELS = ["COMMUNITY_FACTORY", "PUBLIC_WELFARE", "LABOR_EXPORT", "ENTERPRISE", "OTHER"]


def skill_id(family: int, k: int) -> int:
    """Canonical skill id of the k-th skill of a family."""
    return 100 + family * 10 + k


@dataclass
class County:
    """The generated records plus the hidden truth (for tests only)."""

    people: list[PersonRecord]
    postings: list[PostingRecord]
    outcomes: list[OutcomeRecord]
    names: Names
    cutoff: date
    employer_quality: np.ndarray
    person_reliability: np.ndarray


def names() -> Names:
    """Skill and certificate display names."""
    skills = {skill_id(f, k): s for f, (_, _, ss) in enumerate(FAMILIES) for k, s in enumerate(ss)}
    return Names(skills=skills, certificates={c: n for c, (n, _, _) in CERTS.items()})


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def generate(
    n_people: int = 4000,
    n_postings: int = 300,
    n_outcomes: int = 3000,
    n_closed: int | None = None,
    seed: int = 0,
    cutoff: date = date(2026, 10, 31),
    span_days: int = 720,
) -> County:
    """A county with people, open and closed postings and referral outcomes."""
    rng = np.random.default_rng(seed)
    nf = len(FAMILIES)
    n_closed = n_postings // 3 if n_closed is None else n_closed
    n_sites = max(5, n_people // 900)
    site_lon = HOME[1] + rng.uniform(-0.35, 0.35, n_sites)
    site_lat = HOME[2] + rng.uniform(-0.25, 0.25, n_sites)

    # ---- people -----------------------------------------------------------------------------
    n = n_people
    age = rng.integers(0, 80, n)
    sex = rng.choice(["M", "F"], n)
    site = rng.integers(0, n_sites, n)
    edu = np.clip(rng.normal(1.2, 1.0, n).round(), 0, 4).astype(int)
    cap = np.where(
        age < 16,
        "NONE",
        np.where(
            age > 65,
            rng.choice(["NONE", "WEAK"], n, p=[0.6, 0.4]),
            rng.choice(["FULL", "WEAK", "HALF", "NONE"], n, p=[0.78, 0.09, 0.08, 0.05]),
        ),
    )
    care = (rng.random(n) < np.where((sex == "F") & (age >= 25) & (age <= 50), 0.35, 0.1)) & (age >= 18)
    pref = rng.choice(
        ["LOCAL", "IN_PROVINCE", "OUT_OF_PROVINCE", "ANY", "NONE"], n, p=[0.4, 0.15, 0.2, 0.15, 0.1]
    )
    pref = np.where(care & (rng.random(n) < 0.7), "LOCAL", pref)
    student = (age >= 6) & (age < 22) & (rng.random(n) < np.where(age < 16, 1.0, 0.5))
    employed = (~student) & (cap != "NONE") & (rng.random(n) < 0.3)
    status = np.where(
        student,
        "STUDENT",
        np.where(
            employed,
            rng.choice(
                ["LOCAL", "IN_PROVINCE", "OUT_OF_PROVINCE", "PUBLIC_WELFARE", "SELF_EMPLOYED"],
                n,
                p=[0.35, 0.15, 0.35, 0.08, 0.07],
            ),
            np.where(cap == "NONE", "OTHER", "UNEMPLOYED"),
        ),
    )
    wage_exp = np.where(rng.random(n) < 0.85, (rng.normal(3800, 900, n) / 100).round() * 100, np.nan)
    wage_exp = np.where((cap == "NONE") | student, np.nan, np.clip(wage_exp, 1500, 9000))
    fam_p = rng.integers(0, nf, n)  # the person's main skill family (hidden)
    reliability = rng.normal(0, 1, n)  # hidden
    monitored = rng.random(n) < 0.08
    zero_emp = rng.random(n) < 0.03
    pw_months = np.where(status == "PUBLIC_WELFARE", rng.integers(1, 48, n), 0)
    start = date(2026, 11, 1)
    people: list[PersonRecord] = []
    for i in range(n):
        skills: list[int] = []
        occ: list[str] = []
        certs: list[CertificateHeld] = []
        if cap[i] != "NONE" and not student[i]:
            k = rng.choice([0, 1, 2, 3], p=[0.2, 0.4, 0.3, 0.1])
            fam_skills = FAMILIES[fam_p[i]][2]
            skills = [
                skill_id(fam_p[i], int(x))
                for x in rng.choice(len(fam_skills), min(k, len(fam_skills)), replace=False)
            ]
            if rng.random() < 0.25:
                f2 = int(rng.integers(0, nf))
                skills.append(skill_id(f2, int(rng.integers(0, len(FAMILIES[f2][2])))))
            if skills and rng.random() < 0.5:
                occ = [f"{FAMILIES[fam_p[i]][1]}-0{int(rng.integers(1, 4))}"]
            for cid, (_, fam, expires) in CERTS.items():
                if (fam == fam_p[i] and rng.random() < 0.35) or rng.random() < 0.01:
                    exp = None
                    if expires:
                        exp = start + timedelta(days=int(rng.integers(-400, 1500)))
                    certs.append(CertificateHeld(cid, rng.choice(["四级", "五级", None]), exp))
        people.append(
            PersonRecord(
                person_id=i + 1,
                birth_date=start - timedelta(days=int(age[i] * 365.25 + rng.integers(0, 365))),
                sex=str(sex[i]),
                education=int(edu[i]),
                labor_capacity=str(cap[i]),
                employment_status=str(status[i]),
                work_preference=str(pref[i]),
                expected_wage=None if np.isnan(wage_exp[i]) else float(wage_exp[i]),
                has_care_duty=bool(care[i]),
                is_monitored=bool(monitored[i]),
                in_zero_employment_household=bool(zero_emp[i]),
                site_lon=float(site_lon[site[i]] + rng.normal(0, 0.002)),
                site_lat=float(site_lat[site[i]] + rng.normal(0, 0.002)),
                county_id=1,
                province="陕西",
                skill_ids=sorted(set(skills)),
                certificates=certs,
                occupation_codes=occ,
                public_welfare_months_held=int(pw_months[i]),
            )
        )

    # ---- postings ---------------------------------------------------------------------------
    m = n_postings + n_closed
    n_emp = max(10, m // 4)
    emp_keep = rng.normal(0, 0.8, n_emp)  # hidden employer retention quality
    emp_hire = rng.normal(0, 0.6, n_emp)  # hidden employer hiring propensity
    emp_channel = rng.choice(CHANNELS, n_emp, p=[0.3, 0.1, 0.3, 0.25, 0.05])
    emp_fam = rng.integers(0, nf, n_emp)
    postings: list[PostingRecord] = []
    p_fam = np.zeros(m, int)
    p_emp = rng.integers(0, n_emp, m)
    p_lonlat = np.zeros((m, 2))
    p_out = np.zeros(m, bool)
    p_wage = np.zeros(m)
    p_hours = np.empty(m, object)
    p_int = np.empty(m, object)
    p_board = np.zeros(m, bool)
    p_certs: list[list[int]] = []
    p_must: list[list[int]] = []
    for j in range(m):
        e = p_emp[j]
        ch = emp_channel[e]
        fam = emp_fam[e] if rng.random() < 0.8 else int(rng.integers(0, nf))
        p_fam[j] = fam
        county = 1
        prov = "陕西"
        if ch == "LABOR_EXPORT":
            prov, lon0, lat0 = OUT_PROVINCES[e % len(OUT_PROVINCES)]
            lon, lat, county = lon0 + rng.normal(0, 0.3), lat0 + rng.normal(0, 0.3), None
            p_out[j] = True
        elif ch in ("COMMUNITY_FACTORY", "PUBLIC_WELFARE"):
            s = int(rng.integers(0, n_sites))
            lon, lat = site_lon[s] + rng.normal(0, 0.003), site_lat[s] + rng.normal(0, 0.003)
        elif rng.random() < 0.3:  # enterprise elsewhere in the province
            lon, lat, county = (
                108.9 + rng.normal(0, 0.3),
                34.3 + rng.normal(0, 0.2),
                2 + int(rng.integers(0, 3)),
            )
        else:
            lon, lat = HOME[1] + rng.uniform(-0.4, 0.4), HOME[2] + rng.uniform(-0.3, 0.3)
        p_lonlat[j] = lon, lat
        fam_skills = FAMILIES[fam][2]
        must = [
            skill_id(fam, int(x))
            for x in rng.choice(
                len(fam_skills), int(rng.choice([0, 1, 2], p=[0.35, 0.45, 0.2])), replace=False
            )
        ]
        nice = [
            skill_id(fam, int(x))
            for x in rng.choice(len(fam_skills), int(rng.choice([0, 1, 2])), replace=False)
        ]
        nice = [s for s in nice if s not in must]
        certs = [c for c, (_, f, _) in CERTS.items() if f == fam and rng.random() < 0.35]
        base = {
            "COMMUNITY_FACTORY": 2600,
            "PUBLIC_WELFARE": 1800,
            "LABOR_EXPORT": 5200,
            "ENTERPRISE": 3600,
            "OTHER": 3200,
        }[ch]
        wmin = round((base + rng.normal(0, 400)) / 100) * 100
        wmax = wmin + round(rng.uniform(300, 1800) / 100) * 100
        p_wage[j] = (wmin + wmax) / 2
        hours = str(rng.choice(["FLEXIBLE", "DAY", "TWO_SHIFT", "THREE_SHIFT"], p=[0.25, 0.45, 0.2, 0.1]))
        if ch == "PUBLIC_WELFARE":
            hours = "FLEXIBLE"
        intensity = str(rng.choice(["LIGHT", "MEDIUM", "HEAVY"], p=[0.4, 0.4, 0.2]))
        if ch == "PUBLIC_WELFARE":
            intensity = "LIGHT"
        board = bool(ch == "LABOR_EXPORT" and rng.random() < 0.7 or rng.random() < 0.1)
        p_hours[j], p_int[j], p_board[j] = hours, intensity, board
        p_certs.append(certs)
        p_must.append(must)
        lo_age = int(rng.choice([16, 18, 18, 20]))
        hi_age = int(rng.choice([45, 50, 55, 60, 65])) if ch != "PUBLIC_WELFARE" else 65
        postings.append(
            PostingRecord(
                posting_id=10_000 + j,
                code=f"GW{j + 1:05d}",
                employer_id=int(e),
                channel=str(ch),
                title=f"{FAMILIES[fam][0]}工",
                csco_code=f"{FAMILIES[fam][1]}-0{int(rng.integers(1, 4))}",
                province=prov,
                county_id=county,
                lon=float(lon),
                lat=float(lat),
                min_age=lo_age,
                max_age=hi_age,
                education=None if rng.random() < 0.7 else int(rng.integers(1, 3)),
                must_skill_ids=must,
                nice_skill_ids=nice,
                required_certificate_ids=certs,
                intensity=intensity if rng.random() < 0.95 else None,
                hours=hours if rng.random() < 0.95 else None,
                wage_min=float(wmin),
                wage_max=float(wmax),
                board_lodging=board,
                open_slots=int(rng.integers(1, 30)),
                is_open=j < n_postings,
            )
        )

    # ---- referrals and their outcomes ---------------------------------------------------------
    seekers = np.flatnonzero((cap != "NONE") & ~student & (age >= 16) & (age <= 65))
    k = 24
    who = rng.choice(seekers, n_outcomes)
    cand = rng.integers(0, m, (n_outcomes, k))
    p_lon = np.radians(p_lonlat[:, 0])
    p_lat = np.radians(p_lonlat[:, 1])
    h_lon = np.radians(np.array([pp.site_lon for pp in people]))
    h_lat = np.radians(np.array([pp.site_lat for pp in people]))

    def dist(pi, qj):
        a = (
            np.sin((p_lat[qj] - h_lat[pi]) / 2) ** 2
            + np.cos(h_lat[pi]) * np.cos(p_lat[qj]) * np.sin((p_lon[qj] - h_lon[pi]) / 2) ** 2
        )
        return 2 * 6371 * np.arcsin(np.sqrt(a))

    fam_match = (p_fam[cand] == fam_p[who][:, None]).astype(float)
    far = p_out[cand]
    wants_out = np.isin(pref[who], ["OUT_OF_PROVINCE", "ANY"])[:, None]
    broker = (
        1.5 * fam_match
        + np.where(far, np.where(wants_out, 0.5, -2.5), 0.3)
        + rng.gumbel(0, 1, (n_outcomes, k))
    )
    what = cand[np.arange(n_outcomes), broker.argmax(1)]

    km = dist(who, what)
    fm = (p_fam[what] == fam_p[who]).astype(float)
    has_cert = np.array(
        [
            any(c.certificate_id in p_certs[j] for c in people[i].certificates)
            for i, j in zip(who, what, strict=True)
        ]
    )
    needs_cert = np.array([bool(p_certs[j]) for j in what])
    has_skill = np.array(
        [
            len(set(people[i].skill_ids) & set(p_must[j])) / max(1, len(p_must[j])) if p_must[j] else 0.7
            for i, j in zip(who, what, strict=True)
        ]
    )
    exp_w = np.where(np.isnan(wage_exp[who]), 3800, wage_exp[who])
    wr = p_wage[what] / exp_w
    care_w = care[who]
    shift = np.isin(p_hours[what], ["TWO_SHIFT", "THREE_SHIFT"])
    heavy_weak = (p_int[what] == "HEAVY") & np.isin(cap[who], ["WEAK", "HALF"])
    out_far = p_out[what]
    local_km = np.where(out_far, 0, km)
    e = p_emp[what]
    z_hire = (
        -1.2
        + 1.4 * has_skill
        + 0.8 * fm
        + 0.8 * np.where(needs_cert, has_cert * 1.5 - 0.5, 0)
        + 1.2 * np.tanh(wr - 1)
        - 0.8 * np.log1p(local_km) / np.log(60)
        + 0.7 * emp_hire[e]
        - 1.5 * (care_w & shift)
        - 1.0 * heavy_weak
        - 1.0 * (out_far & ~np.isin(pref[who], ["OUT_OF_PROVINCE", "ANY"]))
        + 0.4 * reliability[who]
        + rng.normal(0, 0.6, n_outcomes)
    )
    hired = rng.random(n_outcomes) < _sigmoid(z_hire)
    z_keep = (
        0.4
        + 1.0 * emp_keep[e]
        + 1.2 * np.tanh(1.5 * (wr - 1))
        - 1.5 * (care_w & (out_far | (local_km > 30)))
        - 0.04 * np.maximum(local_km - 15, 0)
        + 0.6 * (p_board[what] & out_far)
        + 0.7 * reliability[who]
        + 0.6 * fm
        - 0.8 * (shift & (age[who] > 50))
        + rng.normal(0, 0.7, n_outcomes)
    )
    kept = rng.random(n_outcomes) < _sigmoid(z_keep)
    declined = ~hired & (
        rng.random(n_outcomes) < _sigmoid(-1 + 2 * (1 - np.minimum(wr, 1.2)) + 1.0 * out_far)
    )

    ref_day = rng.integers(0, span_days, n_outcomes)
    first = cutoff - timedelta(days=span_days)
    outcomes: list[OutcomeRecord] = []
    cutoff_ord = cutoff.toordinal()
    for r in range(n_outcomes):
        referred = first + timedelta(days=int(ref_day[r]))
        pid, post = int(who[r]) + 1, 10_000 + int(what[r])
        age_days = cutoff_ord - referred.toordinal()
        if age_days < 20 and rng.random() < 0.7:
            outcomes.append(OutcomeRecord(pid, post, referred, str(rng.choice(["REFERRED", "INTERVIEW"]))))
            continue
        if hired[r]:
            started = referred + timedelta(days=int(rng.integers(3, 25)))
            if started.toordinal() > cutoff_ord:
                outcomes.append(OutcomeRecord(pid, post, referred, "INTERVIEW"))
                continue
            tenure = int(rng.integers(200, 900)) if kept[r] else int(rng.integers(5, 180))
            ended = started + timedelta(days=tenure)
            if ended.toordinal() > cutoff_ord:
                outcomes.append(OutcomeRecord(pid, post, referred, "HIRED", started, None))
            else:
                outcomes.append(OutcomeRecord(pid, post, referred, "LEFT", started, ended))
        else:
            outcomes.append(OutcomeRecord(pid, post, referred, "DECLINED" if declined[r] else "REJECTED"))
    return County(people, postings, outcomes, names(), cutoff, emp_keep, reliability)
