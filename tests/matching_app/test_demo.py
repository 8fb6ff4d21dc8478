"""The site demo trains a matching model from its referral history, and recommends through it."""

from __future__ import annotations

import json

from jobmatch.demo import build_demo
from jobmatch.extensions import db
from jobmatch.matching import service


def test_site_demo_trains_a_model_and_recommends(app, runner):
    build_demo(scale="site", seed=7, echo=lambda m: None)
    db.session.commit()
    versions = service.versions()
    assert len(versions) == 1
    row = versions[0]
    assert row.decision_dict()["reason"] and row.n_labelled >= 300
    # the switch followed the held-out comparison with the rules
    assert row.is_active == row.beats_rules
    status = service.scorer_status()
    assert status["is_model"] == row.is_active and status["warning"] is None
    result = runner.invoke(args=["recommend", "--all", "--top", "3", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.splitlines() if x.startswith("{")]
    assert len(lines) > 300 and sum(1 for x in lines if x["results"]) > 100
