"""The app adapter's table: model versions (the registry as the database knows it).

The artefact itself lives in the instance folder (``models/<version>/model.skops``, written by
:class:`jobmatch.matching.registry.ModelRegistry`); this row holds what staff see and what the
app trusts: metrics, the training-data hash, library versions, the artefact's file name and
sha256 (checked against the file's bytes on every load), who activated it and whether it is
the active one. At most one row is active; none active means the rule scorer.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.accounts.models import User
from jobmatch.database import utcnow
from jobmatch.extensions import db


class MatchingModel(db.Model):
    """一个模型版本: one trained matching model and its held-out evaluation."""

    __tablename__ = "matching_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: registry version id, e.g. 20261123T014436Z-12942cd8
    version: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: 'logistic' (additive) or 'hgb'
    kind: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: held-out metrics of model, rules and random (JSON)
    metrics: Mapped[str] = mapped_column(sa.Text)
    #: calibration and fairness report (JSON)
    report: Mapped[str] = mapped_column(sa.Text, default="{}")
    #: the automatic-switch decision: {"activate": bool, "reason": "…"} (JSON)
    decision: Mapped[str] = mapped_column(sa.Text, default="{}")
    #: whether training judged the model better than the rules on held-out data
    beats_rules: Mapped[bool] = mapped_column(default=False)
    training_data_sha256: Mapped[str] = mapped_column(sa.String(64))
    #: numpy / scipy / scikit-learn / skops versions (JSON)
    library_versions: Mapped[str] = mapped_column(sa.Text)
    #: artefact path relative to the instance folder's models/ directory
    artefact: Mapped[str] = mapped_column(sa.String(200))
    artefact_sha256: Mapped[str] = mapped_column(sa.String(64))
    n_labelled: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=False, index=True)
    activated_at: Mapped[dt.datetime | None]
    activated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: who or what activated it (a user name, or 自动（训练后优于规则）)
    activated_by: Mapped[str | None] = mapped_column(sa.String(60))

    activated_by_user: Mapped[User | None] = relationship()

    def metrics_dict(self) -> dict:
        return json.loads(self.metrics or "{}")

    def report_dict(self) -> dict:
        return json.loads(self.report or "{}")

    def decision_dict(self) -> dict:
        return json.loads(self.decision or "{}")

    def libraries(self) -> dict:
        return json.loads(self.library_versions or "{}")
