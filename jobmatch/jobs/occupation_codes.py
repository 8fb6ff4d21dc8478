"""Occupation codes (CSCO 2022) on postings and people, and the indicators by occupation group.

A posting's ``csco_code`` is the classifier's first suggestion until a broker or staff member
confirms one (``csco_confirmed``). A confirmed code that differs from the first suggestion is
learned (``vocab.occupations.learn``) so the same title comes out right next time. A person's
codes are the codes of their canonical skills plus the codes of the postings they were hired into.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from jobmatch.errors import ValidationError
from jobmatch.extensions import db
from jobmatch.jobs.enums import PostingStatus
from jobmatch.jobs.models import Posting, Referral
from jobmatch.occupations import get_catalog, learned_key
from jobmatch.people.enums import EMPLOYED_STATUSES
from jobmatch.people.models import Person, PersonSkill
from jobmatch.places.services import Scope
from jobmatch.vocab import occupations as vocab_occupations
from jobmatch.vocab.models import Skill

#: above this many ids, read every (person, code) pair in one query and filter in Python
_IN_LIMIT = 900


# --- postings -------------------------------------------------------------------------------------------

def chosen_code(raw: dict) -> str:
    """The code the user typed or picked on a posting form ("" when they chose none)."""
    return (raw.get("csco_code") or "").strip() or (raw.get("csco_pick") or "").strip()


def check_chosen(raw: dict) -> dict[str, str]:
    """Field errors for the chosen code (empty when none was chosen or it is a CSCO 细类)."""
    code = chosen_code(raw)
    if not code:
        return {}
    try:
        vocab_occupations.check_code(code)
    except ValidationError as err:
        return dict(err.fields)
    return {}


def apply_chosen(posting: Posting, raw: dict, *, actor=None) -> None:
    """Set the posting's code from a form: the confirmed choice (learned when it corrects the
    classifier), else the classifier's first suggestion, unconfirmed."""
    code = chosen_code(raw)
    top = vocab_occupations.suggest(posting.title, top=1).code
    if code:
        code = vocab_occupations.check_code(code)
        if code != top and learned_key(posting.title):  # a title that cleans to nothing cannot be learned
            vocab_occupations.learn(posting.title, code, actor=actor)
        posting.csco_code, posting.csco_confirmed = code, True
    else:
        posting.csco_code, posting.csco_confirmed = top, False
    db.session.flush()


def fill_codes(postings: Iterable[Posting]) -> int:
    """Give unconfirmed postings the first suggestion for their title; each distinct title is classified once."""
    todo = [p for p in postings if not p.csco_confirmed]
    if not todo:
        return 0
    titles = sorted({p.title for p in todo})
    answers = vocab_occupations.suggest_many(titles, top=1)
    code_of = {t: a.code for t, a in zip(titles, answers, strict=True)}
    for p in todo:
        p.csco_code = code_of[p.title]
    return len(todo)


def candidates(title: str, top: int = 5) -> list[dict]:
    """The first ``top`` suggestions for a title: code, name, score (0–1)."""
    title = (title or "").strip()
    if not title:
        return []
    answer = vocab_occupations.suggest(title, top=top)
    return [{"code": c.code, "name": c.name, "score": round(float(c.score), 3)} for c in answer.candidates]


# --- people ---------------------------------------------------------------------------------------------

def _pairs(person_ids: list[int] | None, *, people: list[sa.ColumnElement[bool]] | None = None,
           code_like: str | None = None) -> sa.CompoundSelect:
    """(person_id, code) from canonical skills and from postings the person was hired into.

    ``people``: conditions on ``Person`` applied inside both branches (so the union stays small).
    ``code_like``: a LIKE pattern on the code, also inside both branches. Without ``people`` the
    pairs are distinct (UNION); with it they are UNION ALL, for the indicators, which count
    distinct people (a pair may then come twice; sorting the union away costs more).
    """
    skills = (sa.select(PersonSkill.person_id.label("person_id"), Skill.occupation_code.label("code"))
              .join(Skill, Skill.id == PersonSkill.skill_id)
              .where(Skill.occupation_code.is_not(None), Skill.occupation_code != ""))
    placements = (sa.select(Referral.person_id.label("person_id"), Posting.csco_code.label("code"))
                  .join(Posting, Posting.id == Referral.posting_id)
                  .where(Referral.started_on.is_not(None), Posting.csco_code.is_not(None)))
    if person_ids is not None:
        skills = skills.where(PersonSkill.person_id.in_(person_ids))
        placements = placements.where(Referral.person_id.in_(person_ids))
    if code_like is not None:
        skills = skills.where(Skill.occupation_code.like(code_like))
        placements = placements.where(Posting.csco_code.like(code_like))
    if people:
        skills = skills.join(Person, Person.id == PersonSkill.person_id).where(*people)
        placements = placements.join(Person, Person.id == Referral.person_id).where(*people)
        return sa.union_all(skills, placements)
    return sa.union(skills, placements)


def person_occupation_codes(session, person_ids: Iterable[int]) -> dict[int, set[str]]:
    """Occupation codes per person: their skills' codes plus the codes of postings they were hired into.

    One query for up to 900 ids, else one query over every pair (filtered here); people without a
    code are absent from the result.
    """
    ids = sorted(set(person_ids))
    out: dict[int, set[str]] = {}
    if not ids:
        return out
    wanted = set(ids)
    rows = session.execute(_pairs(ids if len(ids) <= _IN_LIMIT else None))
    for person_id, code in rows:
        if person_id in wanted:
            out.setdefault(person_id, set()).add(code)
    return out


def person_occupations(person_id: int) -> list[tuple[str, str]]:
    """(code, name) of one person's occupation codes, sorted by code."""
    codes = person_occupation_codes(db.session, [person_id]).get(person_id, set())
    return [(c, vocab_occupations.occupation_name(c)) for c in sorted(codes)]


# --- indicators -----------------------------------------------------------------------------------------

@dataclass
class GroupRow:
    """One occupation group (大类 or 中类) with its figures; ``code`` None is "not coded"."""

    code: str | None
    name: str
    prefix: str | None
    open_postings: int = 0
    open_headcount: int = 0
    referrals: int = 0
    hires: int = 0
    employed_people: int = 0


@dataclass
class OccupationIndicators:
    major: str | None  # the 大类 drilled into ("6"), None for the overview by 大类
    major_name: str | None
    rows: list[GroupRow] = field(default_factory=list)

    @property
    def totals(self) -> GroupRow:
        total = GroupRow(None, "合计", None)
        for r in self.rows:
            total.open_postings += r.open_postings
            total.open_headcount += r.open_headcount
            total.referrals += r.referrals
            total.hires += r.hires
        return total


HEADERS = ["职业代码", "职业名称", "在招岗位数", "在招人数", "推荐人次", "录用人次", "有该职业技能或经历的已就业人数"]


def _group_name(prefix: str) -> tuple[str, str]:
    """The group code and name of a 大类 prefix ("6") or a 中类 prefix ("6-25")."""
    code = f"{prefix}-00-00-00" if len(prefix) == 1 else f"{prefix}-00-00"
    return code, get_catalog().name(code) or "（代码不在大典中）"


def occupation_indicators(scope: Scope, major: str | None = None) -> OccupationIndicators:
    """Open postings and headcount, referrals, hires and employed people with a coded skill or
    placement, by 大类 (``major`` None) or by the 中类 of one 大类; three grouped SQL aggregates.

    Postings count when their county holds a site of ``scope``; referrals, hires and people when the
    person lives in ``scope``. A person with codes in several groups counts once in each.
    """
    from jobmatch.jobs.services import posting_in_scope

    if major is not None and not (len(major) == 1 and major.isdigit()):
        raise ValidationError("职业大类应为 1 到 8 的一位数字")
    width = 1 if major is None else 4

    def prefix(column):
        # a literal width: PostgreSQL matches the GROUP BY expression to the selected one only without parameters
        return sa.func.substr(column, sa.literal_column("1"), sa.literal_column(str(width)))

    def only_major(column):
        return sa.true() if major is None else column.like(f"{major}-%")

    rows: dict[str | None, GroupRow] = {}

    def row(p: str | None) -> GroupRow:
        if p not in rows:
            code, name = _group_name(p) if p else (None, "未编码")
            rows[p] = GroupRow(code, name, p)
        return rows[p]

    open_q = (sa.select(prefix(Posting.csco_code), sa.func.count(), sa.func.coalesce(sa.func.sum(Posting.headcount), 0))
              .where(posting_in_scope(scope), Posting.status == PostingStatus.OPEN, only_major(Posting.csco_code))
              .group_by(prefix(Posting.csco_code)))
    for p, n, heads in db.session.execute(open_q):
        r = row(p)
        r.open_postings, r.open_headcount = int(n), int(heads)

    # referrals of the people in scope, counted per posting first, then summed by group: persons
    # of the scope from an index on site_id, their referrals from the index on (person_id,
    # posting_id, started_on); neither the person nor the referral rows are read, and only one
    # posting row per posting (not per referral). A join, not IN (subquery): SQLite would build
    # a temporary table of the ids first, about 1.6 times slower at county scale.
    per_posting = (sa.select(Referral.posting_id.label("posting_id"), sa.func.count().label("referrals"),
                             sa.func.sum(sa.case((Referral.started_on.is_not(None), 1), else_=0)).label("hires"))
                   .join(Person, Person.id == Referral.person_id)
                   .where(scope.filter(Person.site_id))
                   .group_by(Referral.posting_id)
                   .subquery())
    referral_q = (sa.select(prefix(Posting.csco_code), sa.func.sum(per_posting.c.referrals),
                            sa.func.coalesce(sa.func.sum(per_posting.c.hires), 0))
                  .join_from(per_posting, Posting, Posting.id == per_posting.c.posting_id)
                  .where(only_major(Posting.csco_code))
                  .group_by(prefix(Posting.csco_code)))
    for p, n, hires in db.session.execute(referral_q):
        r = row(p)
        r.referrals, r.hires = int(n), int(hires)

    employed = sorted(EMPLOYED_STATUSES, key=lambda s: s.name)
    pairs = _pairs(None, people=[scope.filter(Person.site_id), Person.employment_status.in_(employed)],
                   code_like=None if major is None else f"{major}-%").subquery()
    people_q = (sa.select(prefix(pairs.c.code), sa.func.count(sa.distinct(pairs.c.person_id)))
                .group_by(prefix(pairs.c.code)))
    for p, n in db.session.execute(people_q):
        row(p).employed_people = int(n)

    ordered = sorted(rows.values(), key=lambda r: (r.prefix is None, r.prefix or ""))
    major_name = _group_name(major)[1] if major else None
    return OccupationIndicators(major, major_name, ordered)


def indicator_rows(result: OccupationIndicators) -> list[list]:
    """The table as rows for a spreadsheet (headers in ``HEADERS``), totals last."""
    out = [[r.code or "", r.name, r.open_postings, r.open_headcount, r.referrals, r.hires, r.employed_people]
           for r in result.rows]
    t = result.totals
    out.append(["", "合计", t.open_postings, t.open_headcount, t.referrals, t.hires, ""])
    return out
