"""Finding people: by name, pinyin initials or full pinyin, ID number (full or trailing digits), phone."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.people.idnumber import normalise_id, normalise_phone
from jobmatch.people.models import Person
from jobmatch.places.services import Scope
from jobmatch.protect import protector

_LETTERS = re.compile(r"^[a-z]+$")
_PHONE = re.compile(r"^1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_people(scope: Scope, query: str, limit: int = 50) -> list[Person]:
    """People in ``scope`` matching ``query``; the match kind is chosen from what was typed."""
    q = unicodedata.normalize("NFKC", query or "").strip()
    if not q:
        return []
    stmt = sa.select(Person).where(scope.filter(Person.site_id))
    compact = re.sub(r"\s+", "", q)
    lowered = compact.lower()
    p = protector()
    if re.fullmatch(r"\d{17}[\dX]", normalise_id(compact)):
        stmt = stmt.where(Person.id_number_hash == p.lookup("id", normalise_id(compact)))
    elif _PHONE.match(compact):
        phone = normalise_phone(compact)
        stmt = stmt.where(Person.phone_hash == p.lookup("phone", phone))
    elif re.fullmatch(r"\d{3}[\dxX]|\d{4,17}[\dxX]?", compact):
        tail = normalise_id(compact)
        if len(tail) < 4:
            return []
        clause = Person.id_tail_hash == p.lookup("id4", tail[-4:])
        if len(tail) == 4 and tail.isdigit():
            clause = sa.or_(clause, Person.phone_tail_hash == p.lookup("phone4", tail))
        candidates = _load(stmt.where(clause).limit(500))
        if len(tail) > 4:
            candidates = [c for c in candidates if p.decrypt(c.id_number_enc).endswith(tail)]
        return sorted(candidates, key=lambda c: (c.name, c.id))[:limit]
    elif _LETTERS.match(lowered):
        # range conditions (not LIKE) so the (site_id, initials/pinyin) indexes serve them
        stmt = stmt.where(sa.or_(_prefix(Person.name_initials, lowered), _prefix(Person.name_pinyin, lowered))).order_by(
            sa.func.length(Person.name_initials) != len(lowered), Person.name_pinyin
        )
    else:
        # names starting with the text, or whose given name does ("秀英" → 王秀英); both are
        # index ranges; only when neither finds anyone does the slower "contains" scan run
        found = _load(stmt.where(sa.or_(_prefix(Person.name, compact), _prefix(Person.name_given, compact))).order_by(
            Person.name != compact, sa.func.length(Person.name), Person.name, Person.id).limit(limit))
        if found:
            return found
        like = _escape_like(compact)
        stmt = stmt.where(Person.name.like(f"%{like}%", escape="\\")).order_by(sa.func.length(Person.name), Person.name)
    return _load(stmt.order_by(Person.id).limit(limit))


def _prefix(column, text: str) -> sa.ColumnElement[bool]:
    """``column`` starts with ``text``, as a range an index can serve."""
    return sa.and_(column >= text, column < text[:-1] + chr(ord(text[-1]) + 1))


def _load(stmt) -> list[Person]:
    """Run a person query with what the result pages show loaded in the same round trips."""
    return list(db.session.scalars(stmt.options(
        sa.orm.joinedload(Person.site), sa.orm.joinedload(Person.household)
    )))
