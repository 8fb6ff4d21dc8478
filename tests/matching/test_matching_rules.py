"""The transparent rule scorer."""

from __future__ import annotations

import numpy as np
import pytest

from jobmatch.matching import features as F
from jobmatch.matching.pairs import PairBlock
from jobmatch.matching.rules import DEFAULT_WEIGHTS, TERMS, RuleScorer
from tests.matching.conftest import KM_LON, make_data, person, posting


def _score(people, postings, scorer=None):
    d = make_data(people, postings)
    X = F.compute(PairBlock.for_person(d, 0))
    return (scorer or RuleScorer()).score(X)


def test_every_term_has_a_weight_and_a_chinese_description():
    assert {t.key for t in TERMS} | {"bias"} == set(DEFAULT_WEIGHTS)
    text = RuleScorer().describe()
    for t in TERMS:
        assert t.label in text
    assert "基础分" in text


def test_scores_are_probabilities_and_nan_is_neutral():
    X = np.full((3, len(F.FEATURE_NAMES)), np.nan, dtype=np.float32)
    X[:, F.COL["channel"]] = 0
    for name in (
        "skill_must_coverage",
        "occupation_similarity",
        "cert_required_held",
        "board_lodging",
        "board_away",
        "care_hours_conflict",
        "care_far",
        "employer_hire_lift",
        "employer_retention_lift",
        "person_retained",
        "person_early_leaves",
        "person_declines",
    ):
        X[:, F.COL[name]] = {"employer_hire_lift": 1, "employer_retention_lift": 1}.get(name, 0)
    s = RuleScorer().score(X)
    assert np.all((s > 0) & (s < 1))
    assert np.all(np.isfinite(s))


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        (dict(skill_ids=[1]), dict(skill_ids=[])),
        (dict(expected_wage=2500.0), dict(expected_wage=4000.0)),
    ],
)
def test_rules_prefer_the_better_person(better, worse):
    q = posting(must_skill_ids=[1])
    good = _score([person(**better)], [q])[0]
    bad = _score([person(**worse)], [q])[0]
    assert good > bad


def test_rules_prefer_near_jobs_and_respect_care_duty():
    near, far = posting(), posting(lon=109.0 + 35 * KM_LON)
    s = _score([person()], [near, far])
    assert s[0] > s[1]
    flexible, day = posting(hours="FLEXIBLE"), posting(hours="DAY")
    s = _score([person(has_care_duty=True)], [flexible, day])
    assert s[0] > s[1]


def test_weights_can_be_overridden_but_not_invented():
    q = posting(must_skill_ids=[1])
    base = _score([person(skill_ids=[1])], [q])[0]
    more = _score([person(skill_ids=[1])], [q], RuleScorer({"must_skills": 4.0}))[0]
    assert more > base
    with pytest.raises(ValueError, match="unknown rule weights"):
        RuleScorer({"sex": 1.0})
    contrib = RuleScorer().contributions(F.compute(PairBlock.for_person(make_data([person()], [q]), 0)))
    assert contrib.shape == (1, len(TERMS))
