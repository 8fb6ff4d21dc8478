"""Labels and censoring, metrics, the pipelines, training, the automatic switch."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from jobmatch.matching import metrics
from jobmatch.matching.features import FEATURE_NAMES
from jobmatch.matching.pipeline import make_pipeline
from jobmatch.matching.scoring import ModelScorer, compile_additive, probe_matrix
from jobmatch.matching.train import (
    build_training_set,
    format_report,
    make_labels,
    train,
)
from tests.matching.conftest import make_data, outcome, person, posting

CUT = date(2026, 6, 30)


def _labels(outs):
    people = [person(person_id=k) for k in range(1, 10)]
    d = make_data(people, [posting(posting_id=5)], outs, as_of=CUT)
    y, status = make_labels(d, float(CUT.toordinal()))
    return y.tolist(), status.tolist()


def test_label_is_hired_and_still_employed_after_six_months():
    old = CUT - timedelta(days=300)
    y, status = _labels(
        [
            outcome(1, 5, old, "HIRED", old + timedelta(days=5)),  # still there: lasted
            outcome(
                2, 5, old, "LEFT", old + timedelta(days=5), old + timedelta(days=250)
            ),  # left after 8 months
            outcome(
                3, 5, old, "LEFT", old + timedelta(days=5), old + timedelta(days=60)
            ),  # left after 2 months
            outcome(4, 5, old, "REJECTED"),
            outcome(5, 5, old, "DECLINED"),
            outcome(6, 5, old, "REFERRED"),  # six months on, no hire: a stale referral
            outcome(7, 5, old, "LEFT", old + timedelta(days=5), None),  # left, date unknown
        ]
    )
    assert y == [1, 1, 0, 0, 0, 0, -1]
    assert status == ["retained", "retained", "left_early", "not_hired", "not_hired", "stale", "unknown"]


def test_recent_placements_are_censored_symmetrically():
    recent = CUT - timedelta(days=90)
    y, status = _labels(
        [
            outcome(1, 5, recent, "HIRED", recent + timedelta(days=5)),  # too early to know
            outcome(
                2, 5, recent, "LEFT", recent + timedelta(days=5), recent + timedelta(days=30)
            ),  # early leaver, too
            outcome(3, 5, recent, "REJECTED"),  # same window: left out as well
            outcome(4, 5, recent, "INTERVIEW"),  # pending
            outcome(5, 5, CUT + timedelta(days=3), "REJECTED"),  # after the cut-off
        ]
    )
    assert y == [-1, -1, -1, -1, -1]
    assert status == ["censored", "censored", "censored", "pending", "pending"]


def test_ndcg_recall_and_calibration_definitions():
    y = np.array([1, 0, 0, 0, 1, 0])
    g = np.array([1, 1, 1, 2, 2, 2])
    perfect = np.array([3, 2, 1, 1, 3, 2])
    worst = -perfect
    assert metrics.ndcg_at_k(y, perfect, g) == pytest.approx(1.0)
    # positive last of three: 1/log2(4) = 0.5
    assert metrics.ndcg_at_k(y, worst, g) == pytest.approx(0.5)
    assert metrics.ndcg_at_k(y, perfect, g, k=1) == 1.0
    assert metrics.ndcg_at_k(y, worst, g, k=2) == 0.0
    # groups without positives or with one row are skipped
    assert metrics.ndcg_at_k(
        np.array([0, 0, 1]), np.array([1, 2, 3]), np.array([1, 1, 2])
    ) != metrics.ndcg_at_k(np.array([0, 0, 1]), np.array([1, 2, 3]), np.array([1, 1, 1]))
    assert np.isnan(metrics.ndcg_at_k(np.array([0, 0]), np.array([1, 2]), np.array([1, 1])))
    hits = metrics.hits_at_k(perfect, g, k=1)
    assert hits.tolist() == [True, False, False, False, True, False]
    rep = metrics.group_report(y, perfect, g, np.array(["a", "a", "a", "b", "b", "b"]), k=1)
    assert rep["a"]["recall@1"] == 1.0 and rep["a"]["positives"] == 1
    cal = metrics.calibration(np.array([0, 1, 1, 0]), np.array([0.05, 0.95, 0.95, 0.05]))
    assert cal["brier"] == pytest.approx(0.0025) and cal["ece"] == pytest.approx(0.05)
    assert [b["n"] for b in cal["bins"]] == [2, 2]
    assert metrics.age_band(np.array([20, 35, 61, np.nan])).tolist() == ["16–29", "30–39", "60+", "不详"]


@pytest.mark.parametrize("kind", ["logistic", "hgb"])
def test_pipeline_fit_predict_handles_missing_and_unseen_values(county_data, kind):
    ts = build_training_set(county_data)
    est = make_pipeline(kind).fit(ts.X, ts.y)
    p = est.predict_proba(probe_matrix(50))[:, 1]
    assert p.shape == (50,) and np.all((p >= 0) & (p <= 1))
    assert ts.X.shape[1] == len(FEATURE_NAMES)


def test_compiled_additive_scorer_equals_the_pipeline(county_data):
    ts = build_training_set(county_data)
    est = make_pipeline("logistic").fit(ts.X, ts.y)
    fast = compile_additive(est)
    assert fast is not None
    for X in (ts.X[:500], probe_matrix(300, seed=5), np.asfortranarray(ts.X[:77])):
        np.testing.assert_allclose(fast.predict(X), est.predict_proba(X)[:, 1], atol=1e-5)
    # results do not depend on how many rows are scored together
    np.testing.assert_array_equal(fast.predict(ts.X[:10]), fast.predict(ts.X)[:10])
    assert compile_additive(make_pipeline("hgb").fit(ts.X, ts.y)) is None
    assert ModelScorer(est).score(ts.X[:0]).shape == (0,)


def test_training_features_do_not_leak_the_future(county_data):
    """Changing outcomes after a referral's date must not change that referral's features."""
    d = county_data
    ts = build_training_set(d)
    cut = np.quantile(ts.day, 0.5)
    county_records = [
        (d.people.records[p].person_id, d.postings.records[q].posting_id)
        for p, q in zip(d.outcomes.person, d.outcomes.posting, strict=True)
    ]
    from jobmatch.matching.data import MatchingData
    from jobmatch.matching.records import OutcomeRecord

    # rewrite every outcome referred after `cut` as a hire that lasted forever
    rewritten = []
    for k, (pid, qid) in enumerate(county_records):
        ref = date.fromordinal(int(d.outcomes.referred[k]))
        if d.outcomes.referred[k] > cut:
            rewritten.append(OutcomeRecord(pid, qid, ref, "HIRED", ref + timedelta(days=3)))
        else:
            st = d.outcomes.started[k]
            en = d.outcomes.ended[k]
            from jobmatch.matching.records import RESULTS

            rewritten.append(
                OutcomeRecord(
                    pid,
                    qid,
                    ref,
                    RESULTS[d.outcomes.result[k]],
                    None if np.isnan(st) else date.fromordinal(int(st)),
                    None if np.isnan(en) else date.fromordinal(int(en)),
                )
            )
    d2 = MatchingData(d.people.records, d.postings.records, rewritten, d.names, as_of=d.as_of)
    from jobmatch.matching.features import compute
    from jobmatch.matching.pairs import PairBlock

    early = np.flatnonzero(d.outcomes.referred <= cut)
    o = d.outcomes
    a = compute(PairBlock.for_pairs(d, o.person[early], o.posting[early], o.referred[early]))
    b = compute(PairBlock.for_pairs(d2, o.person[early], o.posting[early], o.referred[early]))
    np.testing.assert_array_equal(np.nan_to_num(a, nan=-9), np.nan_to_num(b, nan=-9))


def test_train_reports_model_rules_and_random_on_the_same_split(trained):
    r = trained
    assert r.estimator is not None and r.kind in ("logistic", "hgb")
    for split in ("group_kfold", "time_split"):
        assert set(r.metrics[split]) >= {r.kind, "rules", "random"}
        for m in r.metrics[split].values():
            assert 0 <= m["ndcg10"] <= 1 and 0 <= m["auc"] <= 1
    # the hidden process is learnable: model and rules beat random
    g = r.metrics["group_kfold"]
    assert g[r.kind]["auc"] > g["random"]["auc"] + 0.1
    assert g["rules"]["ndcg10"] > g["random"]["ndcg10"]
    assert set(r.fairness[r.kind]) == {"by_sex", "by_age_band"}
    assert {"男", "女"} <= set(r.fairness[r.kind]["by_sex"])
    assert "brier" in r.calibration[r.kind] and r.calibration[r.kind]["bins"]
    assert len(r.meta["training_data_sha256"]) == 64
    assert r.meta["library_versions"]["scikit-learn"]
    text = format_report(r)
    for word in ("NDCG@10", "AUC", "Brier", "规则评分", "随机", "召回@10", "性别", "年龄段"):
        assert word in text
    assert r.decision["reason"] in text


def test_switch_decision_follows_the_margin(trained):
    g = trained.metrics["group_kfold"]
    expected = g[trained.kind]["ndcg10"] >= g["rules"]["ndcg10"] + trained.decision["switch_margin"]
    t = trained.metrics["time_split"]
    expected = (
        expected and t[trained.kind]["ndcg10"] >= t["rules"]["ndcg10"] - trained.decision["switch_margin"]
    )
    assert trained.activate == expected


def test_cold_start_keeps_the_rules():
    people = [person(person_id=k) for k in range(1, 30)]
    old = CUT - timedelta(days=300)
    outs = [outcome(k, 5, old, "REJECTED") for k in range(1, 20)]
    d = make_data(people, [posting(posting_id=5)], outs, as_of=CUT)
    r = train(d)
    assert r.estimator is None and not r.activate
    assert "样本不足" in r.decision["reason"]
    assert "样本不足" in format_report(r)


def test_training_is_deterministic(county_data, trained):
    again = build_training_set(county_data)
    assert again.sha256() == trained.meta["training_data_sha256"]


def test_json_report_is_valid_json(trained):
    import json

    doc = json.loads(trained.to_json())
    assert doc["kind"] == trained.kind
    assert set(doc["calibration"]) >= {"rules", "random", trained.kind}
    assert doc["decision"]["activate"] == trained.activate
