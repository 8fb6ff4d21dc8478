"""The app adapter, part 2: one cached engine per process, the model registry in the database.

Use from views, the API, the CLI and other packages (kiosk, training)::

    from jobmatch.matching import service
    ranking = service.rank_for_person(person_id, top=20)          # PersonRanking
    sl = service.shortlist(posting_id_or_code, top=50, scope=scope, consenting_only=True)

**Caching.** :func:`get_engine` keeps one :class:`MatchingEngine` per Flask app in this
process (``app.extensions["matching"]``). It is rebuilt lazily, on the next call, when the
data changed. How a change is noticed (the choice, and why):

* writes made through the session in this process (pages, API, CLI, imports) are seen at
  once: an ``after_flush`` listener (ORM objects) and a ``do_orm_execute`` listener (bulk
  INSERT / UPDATE / DELETE statements) bump a process-wide counter when a person, household,
  skill, certificate, posting, referral or status event is added, changed or deleted;
* writes by another process (an import from the command line, another gunicorn worker) are
  seen through a *data token*: one SELECT of counts, largest ids and latest ``updated_at`` of
  the tables the engine reads, plus the active model version. It costs a few milliseconds at
  county scale (full scans of ``persons`` / ``referrals``), so it runs at most once every
  ``MATCHING_RECHECK_SECONDS`` (default 10 s), not on every ranking;
* a new day (ages, expiry, open postings) also rebuilds.

A counter table bumped on every write would be exact across processes, but every writer
(bulk imports use Core statements that bypass ORM events) would have to remember to bump it;
the token needs no cooperation. Known blind spot: an UPDATE that changes only a skill or
certificate link row (no insert/delete, no person ``updated_at``) from another process is
seen only at the next rebuild.

A rebuild at county scale takes several seconds (see docs/matching.md for figures). In
production (``MATCHING_BACKGROUND_REBUILD``, default on unless the app is testing) requests keep
being answered from the current engine while a thread builds the new one
(stale-while-revalidate); the first build of a process, a new day, and the testing setup build
in the request, one at a time under a lock. A build is one immutable :class:`Built` object,
swapped in whole, so a request never mixes two snapshots.

**Scorer.** The active row of ``matching_models`` names the version and the artefact's
sha256; :func:`jobmatch.matching.registry.load_scorer` checks the file against it. Any problem
(missing file, changed bytes, wrong feature version) gives the rule scorer and a Chinese
warning (:func:`scorer_status`), never an exception.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from flask import current_app

from jobmatch.database import WriteCounter, utcnow
from jobmatch.database import today as _today
from jobmatch.extensions import db
from jobmatch.matching.dbmodels import MatchingModel

log = logging.getLogger(__name__)

#: the engine counts these as job seekers for shortlists (as the jobs shortlist: not in work)
SEEKING_STATUSES = ("UNEMPLOYED", "OTHER")
PENDING_OR_HIRED = ("REFERRED", "INTERVIEW", "HIRED")
AUTO_ACTOR = "自动（训练后优于规则）"

#: this process's writes to the tables the engine is built from (see ``database.WriteCounter``)
_writes = WriteCounter({
    "persons", "households", "person_skills", "person_certificates", "status_events", "postings", "posting_skills",
    "posting_certificates", "referrals", "skills", "certificates", "sites", "matching_models",
})


class UnknownPerson(LookupError):
    """The person is not in the register (or not in the engine's snapshot)."""


class UnknownPosting(LookupError):
    """No posting with this id or code."""


@dataclass(frozen=True)
class Built:
    """One built engine and what the app keeps beside it (replaced as a whole, never mutated)."""

    engine: object
    token: tuple
    as_of: dt.date
    #: per person row of data.people: site id, broker consent, not in work
    site_ids: np.ndarray
    consenting: np.ndarray
    seeking: np.ndarray
    model_version: str | None
    warning: str | None
    built_at: dt.datetime
    build_seconds: float
    timings: dict


@dataclass
class EngineState:
    """One process's cached engine for one app, and the bookkeeping around it."""

    built: Built | None = None
    local_writes: int = -1
    checked_at: float = 0.0
    builds: int = 0
    rebuilding: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    # shortcuts to the current build
    @property
    def engine(self):
        return self.built.engine if self.built else None

    @property
    def timings(self) -> dict:
        return self.built.timings if self.built else {}

    @property
    def model_version(self) -> str | None:
        return self.built.model_version if self.built else None

    @property
    def warning(self) -> str | None:
        return self.built.warning if self.built else None


def invalidate() -> None:
    """Make the next :func:`get_engine` check the data (e.g. after a Core bulk write in this process)."""
    _writes.bump()
    state = current_app.extensions.get("matching")
    if state is not None:
        state.checked_at = 0.0


def reset() -> None:
    """Forget this process's engine (as a restart would): the next call rebuilds and reloads the scorer.

    The artefact is verified whenever it is loaded, i.e. on every rebuild; a file changed on disk
    while a verified copy is in memory is caught at the next rebuild.
    """
    current_app.extensions.pop("matching", None)


def models_dir() -> Path:
    """The instance folder's models/ directory (artefacts)."""
    return Path(current_app.instance_path) / "models"


def _state() -> EngineState:
    state = current_app.extensions.get("matching")
    if state is None:
        state = current_app.extensions.setdefault("matching", EngineState())
    return state


def data_token() -> tuple:
    """A cheap fingerprint of everything the engine reads (one SELECT of aggregates)."""
    from jobmatch.jobs.models import Posting, PostingCertificate, PostingSkill, Referral
    from jobmatch.people.models import Household, Person, PersonCertificate, PersonSkill, StatusEvent

    def agg(model, *cols):
        return sa.select(*cols).select_from(model).scalar_subquery()

    parts = [
        agg(Person, sa.func.count()), agg(Person, sa.func.max(Person.id)), agg(Person, sa.func.max(Person.updated_at)),
        agg(Household, sa.func.max(Household.updated_at)),
        agg(PersonSkill, sa.func.count()), agg(PersonSkill, sa.func.max(PersonSkill.id)),
        agg(PersonCertificate, sa.func.count()), agg(PersonCertificate, sa.func.max(PersonCertificate.id)),
        agg(StatusEvent, sa.func.max(StatusEvent.id)),
        agg(Posting, sa.func.count()), agg(Posting, sa.func.max(Posting.updated_at)),
        agg(PostingSkill, sa.func.max(PostingSkill.id)), agg(PostingCertificate, sa.func.max(PostingCertificate.id)),
        agg(Referral, sa.func.count()), agg(Referral, sa.func.max(Referral.updated_at)),
        agg(MatchingModel, sa.func.max(MatchingModel.id)),
        sa.select(MatchingModel.version).where(MatchingModel.is_active.is_(True)).limit(1).scalar_subquery(),
    ]
    row = db.session.execute(sa.select(*parts)).one()
    return tuple(str(v) for v in row)


def policy_config():
    """PolicyConfig from the app's ``MATCHING_POLICY`` settings (dict of PolicyConfig fields)."""
    from jobmatch.matching.policy import PolicyConfig

    return PolicyConfig(**(current_app.config.get("MATCHING_POLICY") or {}))


def rule_scorer():
    """The rule scorer with the app's ``MATCHING_RULE_WEIGHTS`` overrides."""
    from jobmatch.matching.rules import RuleScorer

    weights = current_app.config.get("MATCHING_RULE_WEIGHTS")
    return RuleScorer(weights=weights) if weights else RuleScorer()


def active_model() -> MatchingModel | None:
    """The active model version's row (None: the rules are in use)."""
    return db.session.scalar(sa.select(MatchingModel).where(MatchingModel.is_active.is_(True))
                             .order_by(MatchingModel.activated_at.desc()).limit(1))


def load_active_scorer():
    """(scorer, version or None, warning or None): the active model, or the rules with a warning."""
    from jobmatch.matching.registry import load_scorer

    rules = rule_scorer()
    row = active_model()
    if row is None:
        return rules, None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scorer = load_scorer(models_dir(), row.version, row.artefact_sha256, rules=rules)
    if scorer is rules:
        detail = "; ".join(str(w.message) for w in caught) or "无法读取"
        return rules, None, f"当前启用的模型 {row.version} 无法使用，已改用规则评分。{detail}"
    return scorer, row.version, None


def _build(token: tuple, on: dt.date) -> Built:
    from jobmatch.matching.data import MatchingData
    from jobmatch.matching.rank import MatchingEngine
    from jobmatch.matching.records import EMPLOYMENT_STATUSES
    from jobmatch.matching.source import load_records

    t0 = time.perf_counter()
    snap = load_records(on)
    t1 = time.perf_counter()
    data = MatchingData(snap.people, snap.postings, snap.outcomes, snap.names, as_of=on)
    t2 = time.perf_counter()
    scorer, version, warning = load_active_scorer()
    engine = MatchingEngine(data, scorer, policy_config())
    ids = [r.person_id for r in data.people.records]
    seeking = np.isin(data.people.status, [EMPLOYMENT_STATUSES.index(s) for s in SEEKING_STATUSES])
    built = Built(
        engine=engine, token=token, as_of=on,
        site_ids=np.array([snap.site_of.get(pid, -1) for pid in ids], np.int64),
        consenting=np.array([pid in snap.consenting for pid in ids], bool), seeking=seeking,
        model_version=version, warning=warning, built_at=utcnow(), build_seconds=time.perf_counter() - t0,
        timings={"load": t1 - t0, "arrays": t2 - t1, "scorer": time.perf_counter() - t2,
                 **{f"load_{k}": v for k, v in snap.timings.items()}},
    )
    if warning:
        log.warning("matching: %s", warning)
    log.info("matching: engine built in %.2f s (%d people, %d postings, %d outcomes, scorer %s)",
             built.build_seconds, len(snap.people), len(snap.postings), len(snap.outcomes), engine.scorer.label)
    return built


def _rebuild_in_background(app, state: EngineState, token: tuple, on: dt.date, seen: int) -> None:
    try:
        with app.app_context():
            try:
                state.built = _build(token, on)
                state.builds += 1
                state.local_writes = seen
            finally:
                db.session.remove()
    except Exception:  # keep serving the previous engine; the next check tries again
        log.exception("matching: background rebuild failed")
    finally:
        state.rebuilding = False


def _current() -> Built:
    """The current build (see :func:`get_engine`)."""
    state = _state()
    now = time.monotonic()
    on = _today()
    recheck = float(current_app.config.get("MATCHING_RECHECK_SECONDS", 10))
    built = state.built
    if (built is not None and built.as_of == on and state.local_writes == _writes.count
            and now - state.checked_at < recheck):
        return built
    background = current_app.config.get("MATCHING_BACKGROUND_REBUILD", not current_app.testing)
    if built is not None and built.as_of == on and background:
        # stale-while-revalidate: answer from the current engine, rebuild in a thread
        if state.rebuilding or not state.lock.acquire(blocking=False):
            return built
        try:
            seen = _writes.count
            token = data_token()
            state.checked_at = time.monotonic()
            if token == built.token:
                state.local_writes = seen
            else:
                state.rebuilding = True
                threading.Thread(target=_rebuild_in_background, name="matching-rebuild", daemon=True,
                                 args=(current_app._get_current_object(), state, token, on, seen)).start()
        finally:
            state.lock.release()
        return built
    with state.lock:
        seen = _writes.count
        token = data_token()
        built = state.built
        if built is None or built.token != token or built.as_of != on:
            built = state.built = _build(token, on)
            state.builds += 1
        state.local_writes = seen
        state.checked_at = time.monotonic()
        return built


def get_engine():
    """The process's MatchingEngine for this app, rebuilt when the data changed (see the module doc)."""
    return _current().engine


def engine_state() -> EngineState:
    """The cached state (after making sure it is current)."""
    _current()
    return _state()


def scorer_status() -> dict:
    """What pages show about the scorer: label, model version, warning (Chinese) or None."""
    built = _current()
    return {"label": built.engine.scorer.label, "version": built.model_version, "warning": built.warning,
            "is_model": built.model_version is not None}


# -- one person, one posting ----------------------------------------------------------------------

def rank_for_person(person_id: int, *, top: int | None = None, ask_out_of_area: bool = False):
    """The engine's PersonRanking for a register person (UnknownPerson if not in the register)."""
    engine = get_engine()
    if person_id not in engine.data.people.index:
        invalidate()  # perhaps added by another process since the last check
        engine = get_engine()
    try:
        return engine.rank_for_person(person_id, top=top, ask_out_of_area=ask_out_of_area)
    except KeyError as exc:
        raise UnknownPerson(person_id) from exc


def posting_row(posting_id: int | str) -> int:
    """Row of a posting in the engine's data by id or code (UnknownPosting if not there)."""
    d = get_engine().data
    try:
        return d.posting_row(posting_id)
    except KeyError as exc:
        raise UnknownPosting(posting_id) from exc


def candidate_rows(posting_id: int | str, *, scope=None, consenting_only: bool = False) -> np.ndarray:
    """Rows of the people a posting's shortlist considers.

    Job seekers as the engine defines them, who are not in work (未就业 / 其他, as the jobs
    shortlist), inside ``scope`` (a places Scope; None = everyone), consenting to brokers when
    asked, and without a pending or successful referral to this posting already.
    """
    from jobmatch.jobs.models import Referral

    built = _current()
    d = built.engine.data
    try:
        j = d.posting_row(posting_id)
    except KeyError as exc:
        raise UnknownPosting(posting_id) from exc
    rows = d.job_seekers()
    keep = built.seeking[rows]
    if scope is not None:
        keep &= np.isin(built.site_ids[rows], np.fromiter(scope.site_ids, np.int64, len(scope.site_ids)))
    if consenting_only:
        keep &= built.consenting[rows]
    rows = rows[keep]
    qid = d.postings.records[j].posting_id
    already = db.session.scalars(sa.select(Referral.person_id).where(
        Referral.posting_id == qid, sa.type_coerce(Referral.outcome, sa.String).in_(PENDING_OR_HIRED))).all()
    if already:
        drop = np.array([d.people.index[p] for p in already if p in d.people.index], np.int64)
        rows = rows[~np.isin(rows, drop)]
    return rows.astype(np.int32)


def shortlist(posting_id: int | str, *, top: int = 50, scope=None, consenting_only: bool = False):
    """The engine's Shortlist (model order and policy order) for a posting among the candidate rows."""
    engine = get_engine()
    rows = candidate_rows(posting_id, scope=scope, consenting_only=consenting_only)
    if engine is not get_engine():  # rebuilt in between: row numbers belong to the new engine
        return shortlist(posting_id, top=top, scope=scope, consenting_only=consenting_only)
    qid = engine.data.postings.records[posting_row(posting_id)].posting_id
    return engine.shortlist(qid, top=top, person_rows=rows)


# -- model registry in the database --------------------------------------------------------------

def build_training_data():
    """A MatchingData of the whole database for training (not the cached engine's: fresh read)."""
    from jobmatch.matching.data import MatchingData
    from jobmatch.matching.source import load_records

    snap = load_records()
    return MatchingData(snap.people, snap.postings, snap.outcomes, snap.names, as_of=snap.as_of)


def train_model(*, actor: str = "命令行", user=None, data=None, **train_kwargs):
    """Train, save the artefact, record the version, activate it when it beats the rules.

    Returns (TrainingResult, MatchingModel row or None when no model could be trained).
    """
    from jobmatch.accounts import audit
    from jobmatch.matching.registry import ModelRegistry
    from jobmatch.matching.train import jsonable, train

    data = data if data is not None else build_training_data()
    result = train(data, rules=rule_scorer(), **train_kwargs)
    if result.estimator is None:
        return result, None
    mv = ModelRegistry(models_dir()).save(result)
    meta = mv.meta
    row = MatchingModel(
        version=mv.version, kind=result.kind or "",
        metrics=json.dumps(jsonable(result.metrics), ensure_ascii=False),
        report=json.dumps(jsonable({"calibration": result.calibration, "fairness": result.fairness,
                                    "timings": result.timings}), ensure_ascii=False),
        decision=json.dumps(jsonable(result.decision), ensure_ascii=False),
        beats_rules=bool(result.activate),
        training_data_sha256=str(meta.get("training_data_sha256", "")),
        library_versions=json.dumps(meta.get("library_versions", {}), ensure_ascii=False),
        artefact=f"{mv.version}/{mv.path.joinpath('model.skops').name}", artefact_sha256=mv.artefact_sha256,
        n_labelled=meta.get("n_labelled"),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("train_model", "matching_model", row.id, actor=user or actor, version=row.version,
                 beats_rules=row.beats_rules)
    if result.activate:
        activate(row.version, actor=AUTO_ACTOR)
    db.session.commit()
    return result, row


def activate(version: str, *, user=None, actor: str | None = None) -> MatchingModel:
    """Make a version the active scorer after checking its artefact (ValueError in Chinese if unusable)."""
    from jobmatch.accounts import audit
    from jobmatch.matching.registry import ArtefactError, ModelRegistry

    row = db.session.scalar(sa.select(MatchingModel).where(MatchingModel.version == version))
    if row is None:
        raise ValueError(f"没有模型版本 {version}")
    try:
        ModelRegistry(models_dir()).load(row.version, row.artefact_sha256)
    except ArtefactError as exc:
        raise ValueError(f"模型 {version} 的文件缺失或已被改动，不能启用（{exc}）") from exc
    db.session.execute(sa.update(MatchingModel).where(MatchingModel.id != row.id).values(is_active=False))
    row.is_active = True
    row.activated_at = utcnow()
    row.activated_by_id = user.id if user is not None else None
    row.activated_by = user.username if user is not None else (actor or "命令行")
    audit.record("activate_model", "matching_model", row.id, actor=user or actor, version=version)
    db.session.flush()
    invalidate()
    return row


def use_rules(*, user=None, actor: str | None = None) -> None:
    """Deactivate every model: the rule scorer ranks."""
    from jobmatch.accounts import audit

    db.session.execute(sa.update(MatchingModel).values(is_active=False))
    audit.record("deactivate_model", "matching_model", None, actor=user or actor)
    db.session.flush()
    invalidate()


def rollback(*, user=None, actor: str | None = None) -> MatchingModel | None:
    """Go back to the version active before the current one (the rules if there is none that loads)."""
    current = active_model()
    previous = db.session.scalars(
        sa.select(MatchingModel).where(MatchingModel.activated_at.is_not(None),
                                       MatchingModel.id != (current.id if current else -1))
        .order_by(MatchingModel.activated_at.desc())).all()
    for row in previous:
        try:
            return activate(row.version, user=user, actor=actor)
        except ValueError:
            continue
    use_rules(user=user, actor=actor)
    return None


def versions() -> list[MatchingModel]:
    """Every model version, newest first."""
    return list(db.session.scalars(sa.select(MatchingModel).order_by(MatchingModel.created_at.desc(),
                                                                     MatchingModel.id.desc())))
