"""Model versions: save, load, activate, roll back, and never crash on a bad artefact."""

from __future__ import annotations

import json

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from jobmatch.matching.registry import (
    ARTEFACT,
    ArtefactError,
    ModelRegistry,
    load_scorer,
    sha256_file,
    train_and_register,
)
from jobmatch.matching.rules import RuleScorer
from jobmatch.matching.scoring import ModelScorer, probe_matrix


@pytest.fixture
def registry(tmp_path):
    return ModelRegistry(tmp_path / "models")


def test_round_trip_keeps_predictions_and_metadata(registry, trained):
    mv = registry.save(trained)
    meta = json.loads((mv.path / "meta.json").read_text(encoding="utf-8"))
    for key in (
        "version",
        "created_at",
        "metrics",
        "training_data_sha256",
        "library_versions",
        "artefact_sha256",
        "feature_version",
        "decision",
        "fairness",
    ):
        assert key in meta
    assert meta["artefact_sha256"] == sha256_file(mv.path / ARTEFACT)
    scorer = registry.load(mv.version, mv.artefact_sha256)
    X = probe_matrix(64)
    np.testing.assert_allclose(scorer.score(X), trained.estimator.predict_proba(X)[:, 1], atol=1e-5)
    assert [v.version for v in registry.versions()] == [mv.version]


def test_activate_and_rollback(registry, trained):
    assert isinstance(load_scorer(registry.directory), RuleScorer)  # nothing active: rules
    a = registry.save(trained)
    b = registry.save(trained)
    assert a.version != b.version
    registry.activate(a.version)
    assert load_scorer(registry.directory).version == a.version
    registry.activate(b.version)
    assert load_scorer(registry.directory).version == b.version
    assert registry.rollback().version == a.version
    assert load_scorer(registry.directory).version == a.version
    assert registry.rollback() is None
    assert isinstance(load_scorer(registry.directory), RuleScorer)
    registry.activate(b.version)
    registry.deactivate()
    assert isinstance(load_scorer(registry.directory), RuleScorer)


def test_the_app_can_pin_version_and_hash(registry, trained):
    mv = registry.save(trained)
    s = load_scorer(registry.directory, version=mv.version, expected_sha256=mv.artefact_sha256)
    assert isinstance(s, ModelScorer) and s.version == mv.version


def test_tampered_artefact_falls_back_to_rules_with_a_warning(registry, trained):
    mv = registry.save(trained)
    registry.activate(mv.version)
    path = mv.path / ARTEFACT
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.warns(RuntimeWarning, match="sha256 mismatch"):
        s = load_scorer(registry.directory)
    assert isinstance(s, RuleScorer)
    with pytest.raises(ArtefactError):
        registry.activate(mv.version)


@pytest.mark.parametrize(
    "damage", ["missing", "wrong_hash", "garbage", "bad_meta", "old_features", "bad_version"]
)
def test_broken_artefacts_never_crash(registry, trained, damage):
    mv = registry.save(trained)
    registry.activate(mv.version)
    version, expected = mv.version, None
    if damage == "missing":
        (mv.path / ARTEFACT).unlink()
    elif damage == "wrong_hash":
        expected = "0" * 64
    elif damage == "garbage":
        (mv.path / ARTEFACT).write_bytes(b"not a zip file")
        expected = sha256_file(mv.path / ARTEFACT)
    elif damage == "bad_meta":
        (mv.path / "meta.json").write_text("{", encoding="utf-8")
    elif damage == "old_features":
        meta = json.loads((mv.path / "meta.json").read_text(encoding="utf-8"))
        meta["feature_version"] = -1
        (mv.path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    elif damage == "bad_version":
        version = "../../etc/passwd"
        expected = "0" * 64
    with pytest.warns(RuntimeWarning, match="已改用规则评分"):
        s = load_scorer(
            registry.directory,
            version=version if damage in ("wrong_hash", "garbage", "bad_version") else None,
            expected_sha256=expected,
        )
    assert isinstance(s, RuleScorer)


def _custom_function(x):
    return x


def test_artefact_needing_untrusted_types_is_refused(registry, trained, tmp_path):
    mv = registry.save(trained)
    evil = Pipeline([("f", FunctionTransformer(_custom_function)), ("clf", trained.estimator[-1])])
    sio.dump(evil, mv.path / ARTEFACT)
    digest = sha256_file(mv.path / ARTEFACT)
    with pytest.raises(ArtefactError, match="untrusted types"):
        registry.load(mv.version, digest)
    with pytest.warns(RuntimeWarning):
        assert isinstance(load_scorer(registry.directory, mv.version, digest), RuleScorer)


def test_train_and_register_activates_only_a_better_model(county_data, tmp_path):
    result, mv = train_and_register(county_data, tmp_path / "m")
    assert mv is not None
    active = ModelRegistry(tmp_path / "m").active_version()
    assert (active == mv.version) == result.activate
    assert mv.activate_recommended == result.activate
