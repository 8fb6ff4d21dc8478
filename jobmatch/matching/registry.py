"""Model registry: every trained model is a version directory with an artefact and metadata.

Layout under the directory the app passes (its ``instance/models/``)::

    <version>/model.skops     the fitted Pipeline, saved with skops.io (never pickle)
    <version>/meta.json       version, created_at, metrics, training-data sha256,
                              library versions, feature version, artefact sha256
    active.json               {"version", "artefact_sha256", "activated_at", "history": [...]}

Loading is safe by construction:

* the artefact's sha256 must equal the expected value — the one the app stored in its
  database when the version was saved/activated (or, standalone, the one in active.json);
* ``skops.io`` loads only types it trusts by default plus the short explicit
  :data:`TRUSTED_TYPES` list; an artefact that needs anything else is refused;
* the feature version and feature names must match this engine's;
* the loaded object must be a scikit-learn Pipeline that scores a probe batch.

:func:`load_scorer` never raises: any failure (missing, tampered, unreadable, incompatible)
logs and emits a ``RuntimeWarning`` and returns the rule scorer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.pipeline import Pipeline

from .features import FEATURE_NAMES, FEATURE_VERSION
from .rules import RuleScorer
from .scoring import ModelScorer, probe_matrix
from .train import TrainingResult, jsonable

log = logging.getLogger(__name__)

ARTEFACT = "model.skops"
META = "meta.json"
ACTIVE = "active.json"
#: types beyond skops' defaults that our pipelines contain (and nothing else is accepted)
TRUSTED_TYPES = (
    "numpy.dtype",
    "scipy.interpolate._bsplines.BSpline",
    "scipy._lib.array_api_compat.numpy._aliases.asarray",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)
_VERSION_RE = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$")


class ArtefactError(Exception):
    """A model artefact that must not or cannot be used."""


@dataclass(frozen=True)
class ModelVersion:
    """One saved model version."""

    version: str
    path: Path
    artefact_sha256: str
    meta: dict

    @property
    def created_at(self) -> str:
        """ISO timestamp of training."""
        return self.meta.get("created_at", "")

    @property
    def activate_recommended(self) -> bool:
        """Whether training judged this version better than the rules (the automatic switch)."""
        return bool(self.meta.get("decision", {}).get("activate"))


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class ModelRegistry:
    """Saved model versions in one directory."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    # -- writing -----------------------------------------------------------------------------
    def save(self, result: TrainingResult) -> ModelVersion:
        """Save a trained model as a new version (not activated)."""
        if result.estimator is None:
            raise ValueError("nothing to save: training produced no model")
        self.directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        version = now.strftime("%Y%m%dT%H%M%SZ") + "-" + result.meta["training_data_sha256"][:8]
        path = self.directory / version
        n = 1
        while path.exists():  # two trainings on the same data within a second
            n += 1
            version = (
                now.strftime("%Y%m%dT%H%M%SZ")
                + "-"
                + hashlib.sha256(f"{version}{n}".encode()).hexdigest()[:8]
            )
            path = self.directory / version
        path.mkdir()
        artefact = path / ARTEFACT
        sio.dump(result.estimator, artefact)
        digest = sha256_file(artefact)
        meta = jsonable(
            {
                **result.to_dict()["meta"],
                "version": version,
                "model_kind": result.kind,
                "artefact": ARTEFACT,
                "artefact_sha256": digest,
                "metrics": result.metrics,
                "calibration": {
                    k: {"brier": v["brier"], "ece": v["ece"]} for k, v in result.calibration.items()
                },
                "fairness": result.fairness,
                "decision": result.decision,
                "timings": result.timings,
            }
        )
        (path / META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return ModelVersion(version, path, digest, meta)

    def activate(self, version: str, expected_sha256: str | None = None) -> ModelVersion:
        """Make a version the active one (verifying its artefact first); keeps the previous in history."""
        mv = self.get(version)
        self._load(mv, expected_sha256 or mv.artefact_sha256)  # refuse to activate a broken artefact
        state = self._state()
        history = state.get("history", [])
        if state.get("version") and state.get("version") != version:
            history.append({"version": state["version"], "artefact_sha256": state.get("artefact_sha256")})
        self._write_state(
            {
                "version": version,
                "artefact_sha256": mv.artefact_sha256,
                "activated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "history": history[-20:],
            }
        )
        return mv

    def deactivate(self) -> None:
        """Go back to the rule scorer (the current version is remembered in history)."""
        state = self._state()
        history = state.get("history", [])
        if state.get("version"):
            history.append({"version": state["version"], "artefact_sha256": state.get("artefact_sha256")})
        self._write_state(
            {
                "version": None,
                "activated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "history": history[-20:],
            }
        )

    def rollback(self) -> ModelVersion | None:
        """Re-activate the previously active version (None and rules when there is none)."""
        state = self._state()
        history = state.get("history", [])
        while history:
            prev = history.pop()
            if prev.get("version") and prev["version"] != state.get("version"):
                try:
                    mv = self.get(prev["version"])
                except ArtefactError:
                    continue
                self._write_state(
                    {
                        "version": mv.version,
                        "artefact_sha256": mv.artefact_sha256,
                        "activated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "history": history,
                    }
                )
                return mv
        self._write_state(
            {"version": None, "activated_at": datetime.now(UTC).isoformat(timespec="seconds"), "history": []}
        )
        return None

    # -- reading -----------------------------------------------------------------------------
    def versions(self) -> list[ModelVersion]:
        """All saved versions, oldest first."""
        if not self.directory.is_dir():
            return []
        out = []
        for path in sorted(self.directory.iterdir()):
            if path.is_dir() and _VERSION_RE.match(path.name):
                try:
                    out.append(self.get(path.name))
                except ArtefactError as exc:
                    log.warning("matching: skipping model version %s: %s", path.name, exc)
        return out

    def get(self, version: str) -> ModelVersion:
        """A version's metadata (ArtefactError if unknown or unreadable)."""
        if not isinstance(version, str) or not _VERSION_RE.match(version):
            raise ArtefactError(f"not a model version id: {version!r}")
        path = self.directory / version
        try:
            meta = json.loads((path / META).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ArtefactError(f"cannot read metadata of {version}: {exc}") from exc
        return ModelVersion(version, path, str(meta.get("artefact_sha256", "")), meta)

    def active_version(self) -> str | None:
        """The version active.json names, if any."""
        return self._state().get("version")

    def load(self, version: str, expected_sha256: str | None = None) -> ModelScorer:
        """Load a version as a scorer after every check (ArtefactError on any problem)."""
        mv = self.get(version)
        return self._load(mv, expected_sha256 or mv.artefact_sha256)

    def _load(self, mv: ModelVersion, expected_sha256: str) -> ModelScorer:
        artefact = mv.path / ARTEFACT
        if not expected_sha256:
            raise ArtefactError("no expected sha256 for the artefact")
        try:
            blob = artefact.read_bytes()
        except OSError as exc:
            raise ArtefactError(f"cannot read {artefact.name}: {exc}") from exc
        digest = hashlib.sha256(blob).hexdigest()
        if digest != expected_sha256:
            raise ArtefactError(
                f"sha256 mismatch for {mv.version}: artefact {digest[:12]}…, expected {expected_sha256[:12]}…"
            )
        if mv.meta.get("feature_version") != FEATURE_VERSION or list(
            mv.meta.get("feature_names", [])
        ) != list(FEATURE_NAMES):
            raise ArtefactError(f"{mv.version} was trained on another feature version")
        try:
            untrusted = sio.get_untrusted_types(data=blob)
            extra = sorted(set(untrusted) - set(TRUSTED_TYPES))
            if extra:
                raise ArtefactError(f"artefact needs untrusted types: {', '.join(extra)}")
            estimator = sio.loads(blob, trusted=untrusted)
        except ArtefactError:
            raise
        except Exception as exc:  # skops raises many kinds of errors on corrupt input
            raise ArtefactError(f"cannot load {mv.version}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(estimator, Pipeline) or not hasattr(estimator, "predict_proba"):
            raise ArtefactError(f"{mv.version} is not a scikit-learn pipeline")
        try:
            p = estimator.predict_proba(probe_matrix(8))[:, 1]
        except Exception as exc:
            raise ArtefactError(f"{mv.version} cannot score: {type(exc).__name__}: {exc}") from exc
        if not np.all(np.isfinite(p)):
            raise ArtefactError(f"{mv.version} produces invalid scores")
        return ModelScorer(estimator, mv.version, mv.meta)

    # -- active.json ----------------------------------------------------------------------------
    def _state(self) -> dict:
        try:
            return json.loads((self.directory / ACTIVE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_state(self, state: dict) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / (ACTIVE + ".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(self.directory / ACTIVE)


def load_scorer(
    directory: str | Path,
    version: str | None = None,
    expected_sha256: str | None = None,
    rules: RuleScorer | None = None,
):
    """The scorer to rank with: the given (or active) model version, else the rule scorer.

    The app passes the version and sha256 it stored in its database; without them the registry's
    active.json is used. Never raises: on any problem it warns and returns the rules.
    """
    rules = rules or RuleScorer()
    reg = ModelRegistry(directory)
    if version is None:
        state = reg._state()
        version = state.get("version")
        expected_sha256 = expected_sha256 or state.get("artefact_sha256")
    if not version:
        return rules
    try:
        if not expected_sha256:
            raise ArtefactError("no expected sha256 recorded for the active version")
        return reg.load(version, expected_sha256)
    except ArtefactError as exc:
        msg = f"模型 {version} 无法使用（{exc}），已改用规则评分"
        log.warning("matching: %s", msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
        return rules


def train_and_register(
    data, directory: str | Path, **train_kwargs
) -> tuple[TrainingResult, ModelVersion | None]:
    """Train, save the model as a version, and activate it when it beats the rules (the automatic switch)."""
    from .train import train

    result = train(data, **train_kwargs)
    if result.estimator is None:
        return result, None
    reg = ModelRegistry(directory)
    mv = reg.save(result)
    if result.activate:
        reg.activate(mv.version)
    return result, mv
