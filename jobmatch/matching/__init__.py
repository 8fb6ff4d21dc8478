"""The matching engine: hard limits, features, scorers, ranking, explanations, policy.

Pure Python + numpy/scipy/scikit-learn; no Flask or SQLAlchemy. The app fills the
records in :mod:`.records`, builds a :class:`MatchingData`, picks a scorer with
:func:`load_scorer` and ranks with :class:`MatchingEngine`. Heavy modules
(scikit-learn, skops) are imported only when a name that needs them is used.
"""

from importlib import import_module

_EXPORTS = {
    "CertificateHeld": ".records",
    "Names": ".records",
    "OutcomeRecord": ".records",
    "PersonRecord": ".records",
    "PostingRecord": ".records",
    "MatchingData": ".data",
    "MatchingEngine": ".rank",
    "PersonRanking": ".rank",
    "Shortlist": ".rank",
    "LimitOptions": ".limits",
    "PolicyConfig": ".policy",
    "RuleScorer": ".rules",
    "ModelScorer": ".scoring",
    "TrainingResult": ".train",
    "train": ".train",
    "format_report": ".train",
    "ModelRegistry": ".registry",
    "ModelVersion": ".registry",
    "load_scorer": ".registry",
    "train_and_register": ".registry",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)
