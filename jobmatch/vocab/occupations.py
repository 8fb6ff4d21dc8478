"""Occupation codes in the app: the shared classifier plus staff corrections kept in the database."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from jobmatch.errors import ValidationError
from jobmatch.extensions import db
from jobmatch.occupations import (
    Classification,
    Occupation,
    OccupationClassifier,
    get_catalog,
    learned_key,
    normalize_code,
)
from jobmatch.vocab.models import OccupationAlias

_lock = threading.Lock()
_cached: tuple[tuple, OccupationClassifier] | None = None


def _version() -> tuple:
    """Changes whenever a correction is added, changed or deleted (``updated_at`` covers a changed code)."""
    count, latest, changed = db.session.execute(
        sa.select(sa.func.count(OccupationAlias.id), sa.func.coalesce(sa.func.max(OccupationAlias.id), 0),
                  sa.func.max(OccupationAlias.updated_at))
    ).one()
    return int(count), int(latest), str(changed)


def classifier() -> OccupationClassifier:
    """The classifier with every stored correction; rebuilt only when corrections change."""
    global _cached
    version = _version()
    with _lock:
        if _cached is None:
            aliases = dict(db.session.execute(sa.select(OccupationAlias.example, OccupationAlias.code)).all())
            _cached = (version, OccupationClassifier(extra_aliases=aliases))
        elif _cached[0] != version:
            current = _cached[1]
            stored = {learned_key(example): (example, code) for example, code in
                      db.session.execute(sa.select(OccupationAlias.example, OccupationAlias.code))}
            for key in set(current.learned) - set(stored):  # corrections deleted (or another database)
                with current._lock:
                    current._learned.pop(key, None)
            for key, (example, code) in stored.items():
                if current.learned.get(key) != code:
                    current.add_alias(example, code)
            _cached = (version, current)
        return _cached[1]


def suggest(title: str, top: int = 5) -> Classification:
    """The top candidates for a title, corrections included."""
    return classifier().classify(title, top=top)


def suggest_many(titles: list[str], top: int = 5) -> list[Classification]:
    return classifier().classify_many(titles, top=top)


def learn(title: str, code: str, actor=None) -> OccupationAlias:
    """Record that ``title`` means ``code``: the same title is classified right next time."""
    normalised = normalize_code(code or "")
    occupation = get_catalog().get(normalised) if normalised else None
    if not isinstance(occupation, Occupation):
        raise ValidationError(f"职业代码“{code}”不在职业分类大典（2022）的细类中",
                              fields={"occupation_code": "请选择一个细类代码，如 6-25-04-07"})
    key = learned_key(title)
    if not key:
        raise ValidationError("岗位名称为空，无法学习", fields={"title": "必填"})
    alias = db.session.scalar(sa.select(OccupationAlias).where(OccupationAlias.title_key == key))
    if alias is None:
        alias = OccupationAlias(title_key=key[:120], example=title[:200], code=normalised,
                                created_by_id=getattr(actor, "id", None))
        db.session.add(alias)
    else:
        alias.code, alias.example = normalised, title[:200]
    db.session.flush()
    return alias


def check_code(code: str | None) -> str:
    """A typed occupation code, normalised ("6250407" → "6-25-04-07"); a clear error unless it is a CSCO 细类."""
    text = (code or "").strip()
    normalised = normalize_code(text) if text else None
    if normalised and isinstance(get_catalog().get(normalised), Occupation):
        return normalised
    group = get_catalog().group(normalised) if normalised else None
    if group is not None:
        message = f"“{text}”是{('大类', '中类', '小类')[group.level - 1]}“{group.name}”，请选择其下的一个细类代码（如 6-25-04-07）"
    else:
        message = f"职业代码“{text}”不在职业分类大典（2022）中，请从推荐中选择或按 6-25-04-07 的格式填写细类代码"
    raise ValidationError(message, fields={"csco_code": message})


def occupation_name(code: str | None) -> str:
    """The name of any CSCO code (细类 or group); "" for None or an unknown code."""
    if not code:
        return ""
    return get_catalog().name(code) or ""

