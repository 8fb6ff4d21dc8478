"""Scorers: the rule scorer (rules.py) and a trained model, behind one small interface.

Every scorer has ``kind`` ('rules' | 'model'), ``version``, ``label`` (Chinese) and
``score(X) -> probabilities``.

Speed: a scikit-learn ``Pipeline`` with a ``ColumnTransformer`` costs ~7 µs per
row to transform, too slow for one posting × 60,000 people or for everyone ×
every posting. The additive (``logistic``) pipeline is a sum of one-dimensional
functions, one per feature, so :class:`AdditiveScorer` reads the *fitted*
pipeline's parts (imputer medians, spline knots, scaler, missing indicators,
one-hot categories, coefficients) into a few numpy arrays and evaluates the same
sum directly. The pipeline stays the single source of truth: the compiled form is
checked against ``pipeline.predict_proba`` on a probe batch whenever it is built,
and if they ever disagree (say, a future scikit-learn changes an internal) the
scorer silently uses the pipeline itself.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.interpolate import BSpline
from scipy.special import expit
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, SplineTransformer, StandardScaler

from .features import FEATURE_NAMES

log = logging.getLogger(__name__)

F32 = np.float32
#: points per tabulated spline; the piecewise-linear table is within ~1e-7 of the cubic spline
SPLINE_GRID = 4097


class AdditiveScorer:
    """Exact numpy evaluation of a fitted additive logistic pipeline (see module doc)."""

    def __init__(self, pipeline: Pipeline):
        prep: ColumnTransformer = pipeline.named_steps["prep"]
        clf: LogisticRegression = pipeline.named_steps["clf"]
        coef = clf.coef_[0].astype(np.float64)
        self.intercept = float(clf.intercept_[0])
        self.linear_w = np.zeros(len(FEATURE_NAMES))  # weight on the imputed raw value
        self.fill = np.zeros(len(FEATURE_NAMES))  # imputation value (NaN → fill)
        self.missing_w = np.zeros(len(FEATURE_NAMES))  # weight when the raw value is NaN
        # (col, lo, 1/step, values, slopes, log1p): each spline tabulated on a uniform grid over its
        # knot range and interpolated linearly; clipping to the range is constant extrapolation
        self.splines: list[tuple[int, float, float, np.ndarray, np.ndarray, bool]] = []
        self.onehot: list[tuple[int, np.ndarray, np.ndarray]] = []  # (col, categories, weights)
        offset = 0
        for name, trans, cols in prep.transformers_:
            if name == "remainder" or trans == "drop":
                continue
            cols = list(cols)
            width = _width(trans, len(cols))
            w = coef[offset : offset + width]
            offset += width
            self._add(trans, cols, w)
        if offset != len(coef):
            raise ValueError("unexpected pipeline layout")

    def _add(self, trans, cols, w):
        steps = trans.steps if isinstance(trans, Pipeline) else [("only", trans)]
        imputer = None
        use_log = False
        for _, step in steps:
            if isinstance(step, SimpleImputer):
                imputer = step
                for c, stat in zip(cols, step.statistics_, strict=True):
                    self.fill[c] = stat
            elif isinstance(step, FunctionTransformer):
                if step.func is not np.log1p:
                    raise ValueError("only log1p function transformers are supported")
                use_log = True
            elif isinstance(step, SplineTransformer):
                per = len(w) // len(cols)
                for i, c in enumerate(cols):
                    b = step.bsplines_[i]
                    k = b.k
                    fn = BSpline(b.t, w[i * per : (i + 1) * per], k, extrapolate=False)
                    lo, hi = float(b.t[k]), float(b.t[-k - 1])
                    grid = np.linspace(lo, hi, SPLINE_GRID)
                    values = fn(grid)
                    slopes = np.r_[np.diff(values), 0.0]
                    inv_step = (SPLINE_GRID - 1) / (hi - lo) if hi > lo else 0.0
                    self.splines.append((c, lo, inv_step, values, slopes, use_log))
                    if step.extrapolation != "constant":
                        raise ValueError("only constant spline extrapolation is supported")
            elif isinstance(step, StandardScaler):
                scale = step.scale_ if step.scale_ is not None else np.ones(len(cols))
                mean = step.mean_ if step.mean_ is not None else np.zeros(len(cols))
                for c, wi, m, s in zip(cols, w, mean, scale, strict=True):
                    self.linear_w[c] += wi / s
                    self.intercept -= wi * m / s
            elif isinstance(step, MissingIndicator):
                for wi, f in zip(w, step.features_, strict=True):
                    self.missing_w[cols[f]] += wi
            elif isinstance(step, OneHotEncoder):
                if len(cols) != 1:
                    raise ValueError("one categorical column per encoder expected")
                self.onehot.append((cols[0], np.asarray(step.categories_[0], dtype=np.float64), w))
            else:
                raise ValueError(f"unsupported step {type(step).__name__}")
        if imputer is None and any(isinstance(s, SplineTransformer | StandardScaler) for _, s in steps):
            raise ValueError("numeric steps must start with an imputer")

    def decision(self, X: np.ndarray) -> np.ndarray:
        """Logit for every row."""
        X = np.asarray(X)
        # column by column in a fixed order: the result for a row never depends on how many
        # other rows are scored with it (a BLAS product may round differently by batch size)
        z = np.full(len(X), self.intercept)
        Xf = {}
        for c in range(X.shape[1]):
            x = X[:, c]
            nan = np.isnan(x)
            if nan.any():
                if self.missing_w[c]:
                    z += nan * self.missing_w[c]
                x = np.where(nan, x.dtype.type(self.fill[c]), x)
            Xf[c] = x
            if self.linear_w[c]:
                z += x * self.linear_w[c]
        for c, lo, inv_step, values, slopes, use_log in self.splines:
            x = Xf[c]
            if use_log:
                x = np.log1p(x)
            pos = np.clip((x - lo) * inv_step, 0, SPLINE_GRID - 1)
            i = pos.astype(np.int32)
            z = z + (values[i] + (pos - i) * slopes[i])
        for c, cats, w in self.onehot:
            idx = np.searchsorted(cats, X[:, c])
            idx = np.minimum(idx, len(cats) - 1)
            hit = cats[idx] == X[:, c]
            z = z + np.where(hit, w[idx], 0.0)
        return z

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Probability of the positive class."""
        return expit(self.decision(X)).astype(F32)


def _width(trans, n_cols: int) -> int:
    last = trans.steps[-1][1] if isinstance(trans, Pipeline) else trans
    if isinstance(last, SplineTransformer):
        return last.n_features_out_
    if isinstance(last, MissingIndicator):
        return len(last.features_)
    if isinstance(last, OneHotEncoder):
        return sum(len(c) for c in last.categories_)
    return n_cols


def probe_matrix(n: int = 400, seed: int = 0) -> np.ndarray:
    """Random feature rows (with NaNs and out-of-range values) to check a compiled scorer."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 2, (n, len(FEATURE_NAMES))).astype(F32) * rng.choice(
        [0.1, 1, 10, 300], (n, len(FEATURE_NAMES))
    )
    X = np.abs(X).astype(F32)
    X[rng.random(X.shape) < 0.1] = np.nan
    ch = FEATURE_NAMES.index("channel")
    X[:, ch] = rng.integers(0, 6, n)
    return X


def compile_additive(pipeline) -> AdditiveScorer | None:
    """The compiled form of an additive pipeline, or None when it is not one or does not match exactly."""
    try:
        fast = AdditiveScorer(pipeline)
        X = probe_matrix()
        ok = np.allclose(fast.predict(X), pipeline.predict_proba(X)[:, 1], atol=1e-5)
    except (ValueError, AttributeError, KeyError, TypeError) as exc:
        log.info("matching: model is not additive (%s); scoring through the pipeline", exc)
        return None
    if not ok:
        log.warning("matching: compiled additive scorer disagrees with the pipeline; not used")
        return None
    return fast


class ModelScorer:
    """A trained pipeline as a scorer (compiled to :class:`AdditiveScorer` when possible)."""

    kind = "model"

    def __init__(self, estimator, version: str = "unsaved", meta: dict | None = None):
        self.estimator = estimator
        self.version = version
        self.meta = meta or {}
        self.fast = compile_additive(estimator)
        kind = self.meta.get("model_kind", "")
        self.label = f"模型 {version}" + (f"（{kind}）" if kind else "")

    def score(self, X: np.ndarray) -> np.ndarray:
        """Probability that the referral ends in a hire lasting six months."""
        if not len(X):
            return np.zeros(0, dtype=F32)
        if self.fast is not None:
            return self.fast.predict(X)
        return self.estimator.predict_proba(X)[:, 1].astype(F32)
