"""The transparent rule scorer (规则评分): used at cold start and as the fallback.

The score is ``sigmoid(基础分 + Σ 权重 × 项)``; every term is a simple, bounded
function of one or two features, and the weights are a plain dict staff can read
(``describe()`` prints it in Chinese) and the app can override from its config.
A missing value (NaN) makes its term 0, i.e. neutral.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .features import COL

F32 = np.float32


def _col(X: np.ndarray, name: str) -> np.ndarray:
    return X[:, COL[name]]


def _nz(a: np.ndarray, fill: float = 0.0) -> np.ndarray:
    return np.where(np.isnan(a), fill, a)


@dataclass(frozen=True)
class RuleTerm:
    """One readable term of the rule score."""

    key: str
    label: str
    how: str  # Chinese: what the term's value is
    value: Callable[[np.ndarray], np.ndarray]


TERMS: tuple[RuleTerm, ...] = (
    RuleTerm(
        "must_skills", "必备技能", "具备岗位必备技能的比例（0–1）", lambda X: _col(X, "skill_must_coverage")
    ),
    RuleTerm(
        "nice_skills",
        "优先技能",
        "具备岗位优先技能的比例（0–1，未列出为 0）",
        lambda X: _nz(_col(X, "skill_nice_coverage")),
    ),
    RuleTerm(
        "occupation",
        "职业相近",
        "从事过的职业与岗位职业的相近程度（0–1）",
        lambda X: _col(X, "occupation_similarity"),
    ),
    RuleTerm(
        "certificates",
        "持有要求证书",
        "持有岗位要求的证书为 1，否则为 0",
        lambda X: np.minimum(_col(X, "cert_required_held"), 1),
    ),
    RuleTerm(
        "distance",
        "通勤距离",
        "离家越远扣分越多：−ln(1+公里)/ln(101)，最多 −1.5；距离不详为 0",
        lambda X: -np.minimum(_nz(np.log1p(_col(X, "commute_km"))) / np.log(101.0), 1.5),
    ),
    RuleTerm(
        "willingness",
        "就业意愿",
        "工作地点与就业意愿相符的程度（0–1，地点不详为 0.5）",
        lambda X: _nz(_col(X, "willingness_fit"), 0.5),
    ),
    RuleTerm(
        "capacity",
        "劳动强度",
        "岗位强度超出劳动能力时为负（每超一级 −1）",
        lambda X: np.minimum(_nz(_col(X, "capacity_headroom")), 0),
    ),
    RuleTerm(
        "care_hours",
        "照料与工时",
        "需要照料家人时，工时越不灵活扣分越多（0 到 −1）",
        lambda X: -_col(X, "care_hours_conflict"),
    ),
    RuleTerm(
        "care_far",
        "照料与距离",
        "需要照料家人时，岗位离家越远扣分越多（0 到 −1）",
        lambda X: -_col(X, "care_far"),
    ),
    RuleTerm(
        "wage",
        "工资与期望",
        "工资高于期望为正、低于为负：2×(工资/期望−1)，限制在 −1 到 1；不详为 0",
        lambda X: np.clip(2 * (_nz(_col(X, "wage_ratio"), 1.0) - 1), -1, 1),
    ),
    RuleTerm(
        "board",
        "包吃住",
        "外地岗位包吃住为 1，本地包吃住为 0.5",
        lambda X: _col(X, "board_away") * 0.5 + _col(X, "board_lodging") * 0.5,
    ),
    RuleTerm(
        "employer_retention",
        "用工单位稳岗记录",
        "该单位录用者干满半年的比例相对全县平均：2×(倍数−1)，限制在 −1 到 1",
        lambda X: np.clip(2 * (_col(X, "employer_retention_lift") - 1), -1, 1),
    ),
    RuleTerm(
        "employer_hiring",
        "用工单位录用记录",
        "该单位的录用率相对全县平均：2×(倍数−1)，限制在 −1 到 1",
        lambda X: np.clip(2 * (_col(X, "employer_hire_lift") - 1), -1, 1),
    ),
    RuleTerm(
        "own_record",
        "本人就业记录",
        "本人以往干满半年 +0.5/次，半年内离职 −0.5/次，放弃推荐 −0.25/次（限制在 −1 到 1）",
        lambda X: np.clip(
            0.5 * _col(X, "person_retained")
            - 0.5 * _col(X, "person_early_leaves")
            - 0.25 * _col(X, "person_declines"),
            -1,
            1,
        ),
    ),
    RuleTerm("education", "学历", "学历每低于要求一级 −1", lambda X: -_nz(_col(X, "education_shortfall"))),
    RuleTerm(
        "age",
        "年龄余量",
        "年龄离岗位年龄上下限不足 5 岁时为负（贴边为 −1）",
        lambda X: np.clip(_nz(_col(X, "age_margin"), 5), 0, 5) / 5 - 1,
    ),
)

#: the weights staff read and may change (key → weight); "bias" is the 基础分
DEFAULT_WEIGHTS: dict[str, float] = {
    "bias": -1.0,
    "must_skills": 2.0,
    "nice_skills": 0.6,
    "occupation": 1.0,
    "certificates": 0.5,
    "distance": 1.0,
    "willingness": 1.0,
    "capacity": 1.0,
    "care_hours": 1.0,
    "care_far": 1.0,
    "wage": 0.8,
    "board": 0.3,
    "employer_retention": 0.8,
    "employer_hiring": 0.4,
    "own_record": 0.6,
    "education": 0.7,
    "age": 0.3,
}


class RuleScorer:
    """Score = sigmoid(bias + Σ weight × term); weights readable and overridable."""

    kind = "rules"

    def __init__(self, weights: Mapping[str, float] | None = None):
        merged = dict(DEFAULT_WEIGHTS)
        if weights:
            unknown = set(weights) - set(DEFAULT_WEIGHTS)
            if unknown:
                raise ValueError(f"unknown rule weights: {', '.join(sorted(unknown))}")
            merged.update({k: float(v) for k, v in weights.items()})
        self.weights = merged
        self.version = "rules-v1"
        self.label = "规则评分"

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per-term weighted contributions (n × len(TERMS)), for inspection."""
        out = np.empty((X.shape[0], len(TERMS)), dtype=F32)
        for j, term in enumerate(TERMS):
            out[:, j] = self.weights[term.key] * term.value(X)
        return out

    def score(self, X: np.ndarray) -> np.ndarray:
        """Match score in (0, 1) for every row of the feature matrix."""
        z = np.full(X.shape[0], self.weights["bias"], dtype=np.float64)
        for term in TERMS:
            w = self.weights[term.key]
            if w:
                z += w * term.value(X)
        return (1.0 / (1.0 + np.exp(-z))).astype(F32)

    def describe(self) -> str:
        """The weights as a Chinese table staff can read."""
        lines = [f"规则评分 = S形函数(基础分 {self.weights['bias']:+.2f} + Σ 权重 × 项)"]
        for term in TERMS:
            lines.append(f"  {term.label:<10} 权重 {self.weights[term.key]:>5.2f}  项：{term.how}")
        return "\n".join(lines)
