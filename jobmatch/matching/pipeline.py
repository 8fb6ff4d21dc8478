"""The scikit-learn pipelines: all preprocessing inside one ``Pipeline``.

Two candidate families are trained and compared on held-out data (train.py):

* ``logistic`` — a generalised additive logistic model: continuous features go
  through ``SplineTransformer`` (constant extrapolation, so values outside the
  training range do not explode on another county's data), counts and flags are
  standardised, the channel is one-hot encoded, missing values are imputed with
  explicit missing indicators. Probabilities from the logistic loss are
  calibrated by construction, and scoring is one sparse-free matrix product —
  fast enough for every person × every posting at county scale.
* ``hgb`` — ``HistGradientBoostingClassifier`` on the raw features (it handles
  NaN itself), with the channel one-hot encoded. It can capture interactions the
  additive model misses, but scoring costs ~4 µs per pair, ~100× the logistic.

Both take the float32 feature matrix in :data:`features.FEATURE_NAMES` order.
"""

from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, SplineTransformer, StandardScaler

from .features import CATEGORICAL, COL, FEATURE_NAMES

#: continuous features modelled with splines in the additive model
SPLINE_FEATURES = (
    "wage_ratio",
    "wage_level",
    "age_margin",
    "employer_hire_lift",
    "employer_retention_lift",
    "employer_log_decided",
    "skill_cosine",
)
#: the distance gets log1p first (a 5 km difference matters near home, not at 1,000 km)
LOG_SPLINE_FEATURES = ("commute_km",)
CATEGORICAL_FEATURES = tuple(CATEGORICAL)
LINEAR_FEATURES = tuple(
    f for f in FEATURE_NAMES if f not in SPLINE_FEATURES + LOG_SPLINE_FEATURES + CATEGORICAL_FEATURES
)

CANDIDATES = ("logistic", "hgb")


def _cols(names) -> list[int]:
    return [COL[n] for n in names]


def _onehot() -> OneHotEncoder:
    return OneHotEncoder(
        categories=[CATEGORICAL[n] for n in CATEGORICAL_FEATURES],
        handle_unknown="ignore",
        sparse_output=False,
    )


def make_pipeline(kind: str = "logistic", seed: int = 0) -> Pipeline:
    """An unfitted pipeline of the given family ('logistic' or 'hgb')."""
    numeric = [f for f in FEATURE_NAMES if f not in CATEGORICAL_FEATURES]
    if kind == "logistic":
        spline = SplineTransformer(n_knots=5, degree=3, extrapolation="constant")
        prep = ColumnTransformer(
            [
                (
                    "log_spline",
                    Pipeline(
                        [
                            ("impute", SimpleImputer(strategy="median")),
                            ("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
                            ("spline", SplineTransformer(n_knots=6, degree=3, extrapolation="constant")),
                        ]
                    ),
                    _cols(LOG_SPLINE_FEATURES),
                ),
                (
                    "spline",
                    Pipeline([("impute", SimpleImputer(strategy="median")), ("spline", spline)]),
                    _cols(SPLINE_FEATURES),
                ),
                (
                    "linear",
                    Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
                    _cols(LINEAR_FEATURES),
                ),
                ("missing", MissingIndicator(features="missing-only", error_on_new=False), _cols(numeric)),
                ("channel", _onehot(), _cols(CATEGORICAL_FEATURES)),
            ],
            sparse_threshold=0.0,
        )
        clf = LogisticRegression(C=0.3, solver="newton-cholesky", max_iter=200)
        return Pipeline([("prep", prep), ("clf", clf)])
    if kind == "hgb":
        prep = ColumnTransformer(
            [("num", "passthrough", _cols(numeric)), ("channel", _onehot(), _cols(CATEGORICAL_FEATURES))],
            sparse_threshold=0.0,
        )
        clf = HistGradientBoostingClassifier(
            learning_rate=0.06,
            max_iter=250,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            early_stopping=True,
            validation_fraction=0.15,
            n_iter_no_change=20,
            random_state=seed,
        )
        return Pipeline([("prep", prep), ("clf", clf)])
    raise ValueError(f"unknown model kind {kind!r}; expected one of {', '.join(CANDIDATES)}")
