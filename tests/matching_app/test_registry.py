"""The model registry in the database: automatic switch, activate, roll back, tamper fallback, staff page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.matching import service
from jobmatch.matching.dbmodels import MatchingModel
from tests.conftest import csrf_token_from
from tests.matching_app.helpers import small_county, synthetic_data


def _artefact(app, row) -> Path:
    return Path(app.instance_path) / "models" / row.artefact


def test_training_records_a_version_and_switches_only_when_it_beats_the_rules(app):
    result, row = service.train_model(data=synthetic_data())
    assert row is not None and row.version
    assert _artefact(app, row).is_file()
    assert row.artefact_sha256 and len(row.training_data_sha256) == 64
    assert {"numpy", "scikit-learn", "skops"} <= set(row.libraries())
    metrics = row.metrics_dict()
    assert {"rules", "random", row.kind} <= set(metrics["group_kfold"])
    assert "fairness" in row.report_dict() and "calibration" in row.report_dict()
    # the automatic switch follows the held-out decision, visibly recorded
    assert row.beats_rules == result.activate == row.is_active
    assert row.decision_dict()["reason"]
    if row.is_active:
        assert row.activated_by == service.AUTO_ACTOR
        assert service.scorer_status()["version"] == row.version
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "train_model")) == 1


def test_activate_roll_back_and_use_rules(app):
    small_county()
    _r1, v1 = service.train_model(data=synthetic_data())
    _r2, v2 = service.train_model(data=synthetic_data(), seed=1)
    service.use_rules()
    assert service.scorer_status() == {"label": "规则评分", "version": None, "warning": None, "is_model": False}
    service.activate(v1.version, actor="测试")
    service.activate(v2.version, actor="测试")
    db.session.commit()
    assert [r.version for r in db.session.scalars(sa.select(MatchingModel).where(MatchingModel.is_active))] == [
        v2.version]
    assert service.scorer_status()["version"] == v2.version
    assert service.rollback(actor="测试").version == v1.version
    assert service.scorer_status()["version"] == v1.version
    service.use_rules(actor="测试")
    assert service.scorer_status()["is_model"] is False
    with pytest.raises(ValueError, match="没有模型版本"):
        service.activate("20990101T000000Z-00000000")


@pytest.mark.parametrize("damage", ["tamper", "delete"])
def test_a_broken_artefact_falls_back_to_the_rules_with_a_warning(app, client, login_as, damage):
    (_a, _b, _c, _d), posting, _export = small_county()
    _r, row = service.train_model(data=synthetic_data())
    service.activate(row.version, actor="测试")
    db.session.commit()
    assert service.scorer_status()["version"] == row.version
    path = _artefact(app, row)
    if damage == "tamper":
        path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    else:
        path.unlink()
    assert service.scorer_status()["version"] == row.version  # the verified copy in memory still ranks
    service.reset()  # a restart (or any rebuild) loads the artefact again
    status = service.scorer_status()
    assert status["label"] == "规则评分" and status["version"] is None
    assert row.version in status["warning"] and "已改用规则评分" in status["warning"]
    # ranking still works, on the rules
    assert service.shortlist(posting.code).scorer == "规则评分"
    # the pages say so, and nothing crashes
    login_as("county_reviewer")
    page = client.get(f"/staff/jobs/postings/{posting.id}").get_data(as_text=True)
    assert 'id="scorer-warning"' in page and "已改用规则评分" in page
    models_page = client.get("/staff/matching/models").get_data(as_text=True)
    assert "已改用规则评分" in models_page and row.version in models_page
    # and the broken version cannot be activated again
    with pytest.raises(ValueError, match="缺失或已被改动"):
        service.activate(row.version)


def test_staff_page_lists_versions_and_activates(app, client, login_as):
    small_county()
    _r, row = service.train_model(data=synthetic_data())
    service.use_rules()
    db.session.commit()
    user = login_as("city_admin")
    page = client.get("/staff/matching/models").get_data(as_text=True)
    assert row.version in page and "留出 NDCG@10" in page and "规则评分的权重" in page
    ndcg = row.metrics_dict()["group_kfold"][row.kind]["ndcg10"]
    assert f"{ndcg:.3f}" in page
    token = csrf_token_from(page)
    assert client.post(f"/staff/matching/models/{row.version}/activate", data={}).status_code == 400
    response = client.post(f"/staff/matching/models/{row.version}/activate", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    active = service.active_model()
    assert active.version == row.version and active.activated_by == user.username
    response = client.post("/staff/matching/models/rollback", data={"csrf_token": token})
    assert response.status_code == 302
    assert service.active_model() is None  # nothing before it: the rules
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "activate_model"))
    assert json.loads(event.detail)["version"] == row.version


@pytest.mark.parametrize("role", ["township_clerk", "site_clerk", "broker"])
def test_registry_page_is_for_city_and_county_staff_only(app, client, login_as, role):
    small_county()
    login_as(role)
    assert client.get("/staff/matching/models").status_code in (403, 404)
