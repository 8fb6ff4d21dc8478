"""Training and held-out evaluation of the ranking model.

Label: **hired and still employed RETENTION_DAYS (182) days after starting**.

Censoring (placements too recent to know): let ``window_end = cutoff − 182 days``.

* a hire is labelled only if it started on or before ``window_end``: then we know
  whether it lasted (1) or ended earlier (0). Hires that started later are
  *censored* and left out — including the ones that already ended early, so
  that the recent window does not contribute its failures without its successes;
* a final non-hire (未录用 / 本人放弃) is labelled 0 only if referred on or
  before ``window_end`` (the same window as the hires, for the same reason);
* a referral still at 已推荐 / 面试 that was made on or before ``window_end`` is
  labelled 0 (six months on, no hire followed); a later one is pending and left out;
* a 离职 row without an end date cannot be labelled and is left out.

All outcomes, labelled or not, still feed the point-in-time history features
(history.py), each only from the day it became known.

The cutoff defaults to the latest date found in the outcomes (the day the data
was exported), not today: after the export we know nothing.

Evaluation (model, rule scorer and random on exactly the same rows):

* **GroupKFold by person** (5 folds): nobody is in both training and test; metrics are
  computed on the pooled out-of-fold predictions;
* **time split**: test = the latest quarter of labelled referrals; training = only
  what was labelled as of the split day (so a 6-month gap separates them).

Metrics: NDCG@10 with two query groups — per posting (rank the people referred
to it: the shortlist use) and per person (rank the postings they were referred
to: the kiosk use); their mean is the *primary* metric. ROC AUC, Brier score,
expected calibration error and reliability bins on the pooled out-of-fold
predictions. Fairness: recall@10 (per posting) and score distributions by sex
and age band, on held-out predictions.

Switch: the learned model becomes the active scorer only when its GroupKFold
primary NDCG@10 beats the rule scorer's by at least ``SWITCH_MARGIN`` *and* it is
not worse than the rules by more than ``TIME_SPLIT_TOLERANCE`` on the time split (a
guard against a model that only fits the past). Otherwise the rules stay, and
the report says why.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

from . import metrics
from .data import MatchingData
from .features import FEATURE_NAMES, FEATURE_VERSION, compute
from .history import RETENTION_DAYS, outcome_events
from .pairs import PairBlock
from .pipeline import CANDIDATES, make_pipeline
from .records import RESULTS
from .rules import RuleScorer

#: the learned model must beat the rules by this much primary NDCG@10 to become active
SWITCH_MARGIN = 0.01
#: …and on the time split it may not be worse than the rules by more than this (noisy, smaller test set)
TIME_SPLIT_TOLERANCE = 0.02
#: gradient boosting is only preferred over the additive model when it is this much better
#: (it is ~100× slower to score at county scale and harder to explain)
HGB_MARGIN = 0.01
#: below these counts no model is trained: the rule scorer stays (cold start)
MIN_LABELLED = 300
MIN_POSITIVES = 40
MIN_PERSONS = 25
N_SPLITS = 5

_R = {n: i for i, n in enumerate(RESULTS)}

LABEL_NAMES = {
    "retained": "录用且干满半年",
    "left_early": "录用但半年内离职",
    "not_hired": "未录用/本人放弃",
    "stale": "推荐后半年未录用",
    "censored": "入职/推荐不满半年（删失）",
    "pending": "推荐结果未定",
    "unknown": "离职日期缺失",
}


def make_labels(data: MatchingData, cutoff_day: float) -> tuple[np.ndarray, np.ndarray]:
    """(y, status) per outcome row: y 1/0, or -1 when not labelled; status names why."""
    o = data.outcomes
    ev = outcome_events(o)
    window_end = cutoff_day - RETENTION_DAYS
    y = np.full(len(o), -1, dtype=np.int8)
    status = np.full(len(o), "pending", dtype=object)
    known = o.referred <= cutoff_day
    hire = ev.is_hire & known
    hire_done = hire & (ev.start <= window_end)
    status[hire & ~hire_done] = "censored"
    status[hire_done & ~ev.resolvable] = "unknown"
    ok = hire_done & ev.resolvable
    y[ok] = ev.retained[ok].astype(np.int8)
    status[ok & ev.retained] = "retained"
    status[ok & ~ev.retained] = "left_early"
    nonhire = ~ev.is_hire & known
    old = o.referred <= window_end
    y[nonhire & old] = 0
    status[ev.final_nonhire & known & old] = "not_hired"
    status[ev.final_nonhire & known & ~old] = "censored"
    stale = nonhire & ~ev.final_nonhire & old
    status[stale] = "stale"
    status[~known] = "pending"
    y[~known] = -1
    return y, status


@dataclass
class TrainingSet:
    """Labelled referrals with their point-in-time features."""

    rows: np.ndarray  # outcome row numbers
    X: np.ndarray
    y: np.ndarray
    person: np.ndarray
    posting: np.ndarray
    day: np.ndarray
    sex: np.ndarray
    age: np.ndarray
    status_counts: dict[str, int]
    cutoff_day: float

    def sha256(self) -> str:
        """Hash of exactly what the model is trained on (features, labels, cutoff, feature version)."""
        h = hashlib.sha256()
        h.update(f"features-v{FEATURE_VERSION};cutoff={self.cutoff_day};".encode())
        h.update(np.ascontiguousarray(self.X).tobytes())
        h.update(np.ascontiguousarray(self.y).tobytes())
        return h.hexdigest()


def build_training_set(data: MatchingData, cutoff: date | None = None) -> TrainingSet:
    """Label the outcomes at the cutoff and compute each labelled referral's features on its own day."""
    o = data.outcomes
    cutoff_day = float(cutoff.toordinal()) if cutoff else o.latest_day()
    if np.isnan(cutoff_day):
        cutoff_day = data.t
    y, status = make_labels(data, cutoff_day)
    rows = np.flatnonzero(y >= 0)
    block = PairBlock.for_pairs(data, o.person[rows], o.posting[rows], o.referred[rows])
    X = compute(block) if len(rows) else np.zeros((0, len(FEATURE_NAMES)), np.float32)
    names, counts = np.unique(status, return_counts=True)
    sex = np.array(["男", "女", "不详"], dtype=object)[data.people.sex[o.person[rows]]]
    return TrainingSet(
        rows=rows,
        X=X,
        y=y[rows].astype(np.int64),
        person=o.person[rows],
        posting=o.posting[rows],
        day=o.referred[rows],
        sex=sex,
        age=block.age.astype(np.float64),
        status_counts={str(k): int(v) for k, v in zip(names, counts, strict=True)},
        cutoff_day=cutoff_day,
    )


def _scores_block(y, scores, person, posting, seed) -> dict:
    by_posting = metrics.ndcg_at_k(y, scores, posting, 10, seed)
    by_person = metrics.ndcg_at_k(y, scores, person, 10, seed)
    return {
        "ndcg10_posting": by_posting,
        "ndcg10_person": by_person,
        "ndcg10": float(np.nanmean([by_posting, by_person])),
        "auc": metrics.auc(y, scores),
    }


@dataclass
class TrainingResult:
    """Everything ``jobmatch train`` prints and the registry stores."""

    estimator: object | None
    kind: str | None
    metrics: dict
    fairness: dict
    calibration: dict
    decision: dict
    meta: dict
    timings: dict = field(default_factory=dict)

    @property
    def activate(self) -> bool:
        """Whether the model should become the active scorer."""
        return bool(self.decision.get("activate"))

    def to_json(self) -> str:
        """The summary as JSON (NaN → null), for ``jobmatch train --json``."""
        return json.dumps(jsonable(self.to_dict()), ensure_ascii=False, indent=2)

    def to_dict(self) -> dict:
        """Summary (no estimator); may hold NaN floats — use :meth:`to_json` for JSON."""
        return {
            "kind": self.kind,
            "metrics": self.metrics,
            "calibration": self.calibration,
            "fairness": self.fairness,
            "decision": self.decision,
            "meta": self.meta,
            "timings": self.timings,
        }


def jsonable(obj):
    """A copy of nested dicts/lists with numpy scalars made plain and NaN/inf made None."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    return obj


def library_versions() -> dict[str, str]:
    """Versions of the libraries an artefact depends on."""
    import scipy
    import sklearn
    import skops

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
    }


def train(
    data: MatchingData,
    *,
    cutoff: date | None = None,
    seed: int = 0,
    candidates: tuple[str, ...] = CANDIDATES,
    rules: RuleScorer | None = None,
) -> TrainingResult:
    """Train, evaluate against the rules and random, and decide whether the model should be active."""
    # One thread for BLAS and OpenMP while training: OpenBLAS threads busy-wait and starve the
    # OpenMP threads of gradient boosting, and on a shared 2-core machine OpenMP barriers wait on
    # busy cores (both measured at 3-10× slower); the matrices here are small.
    with threadpool_limits(limits=1):
        return _train(data, cutoff=cutoff, seed=seed, candidates=candidates, rules=rules)


def _train(data, *, cutoff, seed, candidates, rules) -> TrainingResult:
    t0 = time.perf_counter()
    rules = rules or RuleScorer()
    ts = build_training_set(data, cutoff)
    timings = {"features_s": time.perf_counter() - t0}
    n, n_pos = len(ts.y), int(ts.y.sum()) if len(ts.y) else 0
    n_persons = len(np.unique(ts.person))
    meta = {
        "feature_version": FEATURE_VERSION,
        "feature_names": list(FEATURE_NAMES),
        "label": f"录用且入职后 {RETENTION_DAYS} 天仍在岗",
        "cutoff": date.fromordinal(int(ts.cutoff_day)).isoformat(),
        "n_labelled": n,
        "n_positive": n_pos,
        "n_persons": n_persons,
        "label_status": ts.status_counts,
        "training_data_sha256": ts.sha256(),
        "library_versions": library_versions(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "rule_weights": rules.weights,
    }
    if n < MIN_LABELLED or n_pos < MIN_POSITIVES or n - n_pos < MIN_POSITIVES or n_persons < MIN_PERSONS:
        reason = (
            f"可用样本不足（已标注 {n} 条，其中成功 {n_pos} 条，涉及 {n_persons} 人；"
            f"至少需要 {MIN_LABELLED} 条、成功与失败各 {MIN_POSITIVES} 条、{MIN_PERSONS} 人），继续使用规则评分"
        )
        return TrainingResult(None, None, {}, {}, {}, {"activate": False, "reason": reason}, meta, timings)

    rule_scores = rules.score(ts.X)
    rand_scores = np.random.default_rng(seed + 1).random(n)

    # ---- GroupKFold by person -------------------------------------------------------------------
    t1 = time.perf_counter()
    n_splits = min(N_SPLITS, n_persons)
    try:
        gkf = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    except TypeError:  # scikit-learn < 1.6 cannot shuffle groups
        gkf = GroupKFold(n_splits=n_splits)
    oof = {k: np.zeros(n, dtype=np.float64) for k in candidates}
    for tr, te in gkf.split(ts.X, ts.y, groups=ts.person):
        for kind in candidates:
            est = make_pipeline(kind, seed).fit(ts.X[tr], ts.y[tr])
            oof[kind][te] = est.predict_proba(ts.X[te])[:, 1]
    # metrics on the pooled out-of-fold predictions: every score comes from a model that never
    # saw that person, and a posting's query group keeps all its referrals (not a fifth of them)
    pooled = {**oof, "rules": rule_scores, "random": rand_scores}
    group_metrics = {k: _scores_block(ts.y, s, ts.person, ts.posting, seed) for k, s in pooled.items()}
    timings["group_kfold_s"] = time.perf_counter() - t1

    # ---- time split ------------------------------------------------------------------------------
    t2 = time.perf_counter()
    time_metrics: dict[str, dict] = {}
    split_day = float(np.quantile(ts.day, 0.75))
    te = ts.day >= split_day
    tr = (ts.day <= split_day - RETENTION_DAYS) & ~te
    tr_y = ts.y[tr]
    time_note = None
    if (
        tr.sum() >= MIN_LABELLED // 2
        and tr_y.sum() >= MIN_POSITIVES // 2
        and (1 - tr_y).sum() >= MIN_POSITIVES // 2
    ):
        for kind in candidates:
            est = make_pipeline(kind, seed).fit(ts.X[tr], tr_y)
            s = est.predict_proba(ts.X[te])[:, 1]
            time_metrics[kind] = _scores_block(ts.y[te], s, ts.person[te], ts.posting[te], seed)
        time_metrics["rules"] = _scores_block(ts.y[te], rule_scores[te], ts.person[te], ts.posting[te], seed)
        time_metrics["random"] = _scores_block(ts.y[te], rand_scores[te], ts.person[te], ts.posting[te], seed)
    else:
        time_note = "时间切分的训练样本不足，未评估"
    timings["time_split_s"] = time.perf_counter() - t2

    # ---- choose the family: all held-out evidence (GroupKFold, and the time split when there is one)
    def evidence(kind: str) -> float:
        vals = [group_metrics[kind]["ndcg10"]]
        if kind in time_metrics:
            vals.append(time_metrics[kind]["ndcg10"])
        return float(np.mean(vals))

    best = max(candidates, key=evidence)
    if best == "hgb" and "logistic" in candidates and evidence("hgb") < evidence("logistic") + HGB_MARGIN:
        best = "logistic"

    # ---- calibration and fairness on held-out (out-of-fold) predictions ---------------------------
    calib = {k: metrics.calibration(ts.y, oof[k]) for k in candidates}
    calib["rules"] = metrics.calibration(ts.y, rule_scores)
    calib["random"] = metrics.calibration(ts.y, rand_scores)
    bands = metrics.age_band(ts.age)
    fairness = {
        name: {
            "by_sex": metrics.group_report(ts.y, scores, ts.posting, ts.sex, 10, seed),
            "by_age_band": metrics.group_report(ts.y, scores, ts.posting, bands, 10, seed),
        }
        for name, scores in ((best, oof[best]), ("rules", rule_scores))
    }

    # ---- decision --------------------------------------------------------------------------------
    m_best, m_rules = group_metrics[best]["ndcg10"], group_metrics["rules"]["ndcg10"]
    time_ok = True
    if time_metrics:
        time_ok = time_metrics[best]["ndcg10"] >= time_metrics["rules"]["ndcg10"] - TIME_SPLIT_TOLERANCE
    activate = m_best >= m_rules + SWITCH_MARGIN and time_ok
    if activate:
        reason = (
            f"模型（{best}）留出验证 NDCG@10 {m_best:.3f}，高于规则评分 {m_rules:.3f}"
            f"（至少需高 {SWITCH_MARGIN}），时间切分上也不比规则差 {TIME_SPLIT_TOLERANCE} 以上：启用模型"
        )
    elif not time_ok:
        reason = (
            f"模型（{best}）按人分组验证 NDCG@10 {m_best:.3f}，规则 {m_rules:.3f}，"
            f"但在时间切分上比规则评分差 {TIME_SPLIT_TOLERANCE} 以上：继续使用规则评分"
        )
    else:
        reason = (
            f"模型（{best}）留出验证 NDCG@10 {m_best:.3f}，未比规则评分 {m_rules:.3f} 高出 {SWITCH_MARGIN}："
            "继续使用规则评分"
        )

    # ---- final fit on everything labelled --------------------------------------------------------
    t3 = time.perf_counter()
    final = make_pipeline(best, seed).fit(ts.X, ts.y)
    timings["final_fit_s"] = time.perf_counter() - t3
    timings["total_s"] = time.perf_counter() - t0

    result_metrics = {"group_kfold": group_metrics, "time_split": time_metrics}
    if time_note:
        result_metrics["time_split_note"] = time_note
    result_metrics["time_split_day"] = date.fromordinal(int(split_day)).isoformat()
    meta["model_kind"] = best
    meta["n_splits"] = n_splits
    return TrainingResult(
        estimator=final,
        kind=best,
        metrics=result_metrics,
        fairness=fairness,
        calibration=calib,
        decision={"activate": activate, "reason": reason, "switch_margin": SWITCH_MARGIN},
        meta=meta,
        timings=timings,
    )


_KIND_ZH = {"logistic": "加性逻辑回归", "hgb": "梯度提升树", "rules": "规则评分", "random": "随机"}


def format_report(result: TrainingResult) -> str:
    """The Chinese text ``jobmatch train`` prints."""
    m = result.meta
    lines = [
        f"训练数据截止日 {m['cutoff']}；标签：{m['label']}",
        f"已标注推荐 {m['n_labelled']} 条（成功 {m['n_positive']} 条，{m['n_persons']} 人）；"
        + "；".join(f"{LABEL_NAMES.get(k, k)} {v}" for k, v in sorted(m["label_status"].items())),
        f"训练数据 sha256 {m['training_data_sha256'][:16]}…",
    ]
    if result.estimator is None:
        lines.append(result.decision["reason"])
        return "\n".join(lines)
    header = f"{'评分方式':<10}{'NDCG@10':>9}{'(按岗位)':>10}{'(按人)':>9}{'AUC':>8}"
    for split, title in (("group_kfold", "按人分组交叉验证（GroupKFold）"), ("time_split", "按时间切分")):
        block = result.metrics.get(split) or {}
        if not block:
            lines.append(f"\n{title}：{result.metrics.get('time_split_note', '未评估')}")
            continue
        extra = f"，测试集为 {result.metrics['time_split_day']} 以后的推荐" if split == "time_split" else ""
        lines.append(f"\n{title}{extra}")
        lines.append(header)
        for kind, v in block.items():
            mark = " ←" if kind == result.kind else ""
            lines.append(
                f"{_KIND_ZH.get(kind, kind):<10}{v['ndcg10']:>9.3f}{v['ndcg10_posting']:>10.3f}"
                f"{v['ndcg10_person']:>9.3f}{v['auc']:>8.3f}{mark}"
            )
    lines.append("\n校准（留出预测）")
    for kind, c in result.calibration.items():
        lines.append(f"  {_KIND_ZH.get(kind, kind)}：Brier {c['brier']:.4f}，ECE {c['ece']:.4f}")
    c = result.calibration[result.kind]
    lines.append("  可靠性分箱（预测区间：样本数，平均预测 → 实际成功率）")
    for b in c["bins"]:
        lines.append(
            f"    {b['lo']:.1f}–{b['hi']:.1f}：{b['n']:>6}，{b['mean_score']:.3f} → {b['positive_rate']:.3f}"
        )
    lines.append("\n公平性（留出预测，按岗位排序取前 10 的召回率与分数分布）")
    for scorer, rep in result.fairness.items():
        lines.append(f"  {_KIND_ZH.get(scorer, scorer)}")
        for dim, title in (("by_sex", "性别"), ("by_age_band", "年龄段")):
            for value, r in rep[dim].items():
                lines.append(
                    f"    {title} {value:<6} 样本 {r['n']:>6}  成功 {r['positives']:>5}  召回@10 {r['recall@10']:.3f}  "
                    f"分数 均值 {r['score_mean']:.3f} 四分位 {r['score_p25']:.3f}/{r['score_median']:.3f}/{r['score_p75']:.3f}"
                )
    lines.append("\n" + result.decision["reason"])
    lines.append(f"训练用时 {result.timings.get('total_s', 0):.1f} 秒")
    return "\n".join(lines)
