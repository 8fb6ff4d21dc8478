"""What the broker and staff pages and the API show from the engine (app side).

``posting_shortlist`` turns the engine's Shortlist into rows with the register details the
pages need (numbers masked); ``person_postings`` turns a PersonRanking into rows with the
posting details, the "what would raise my chances" line and the 为什么没有推荐这个岗位 answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs.enums import PostingStatus
from jobmatch.jobs.models import Posting
from jobmatch.matching import service
from jobmatch.people.idnumber import age_on
from jobmatch.people.models import Person, PersonCertificate


@dataclass
class Candidate:
    """A person on a posting's shortlist, as a page shows them (numbers masked)."""

    rank: int
    model_rank: int
    score: float
    person_id: int
    name: str
    sex: str
    age: int
    site: str
    masked_id: str
    masked_phone: str
    capacity: str
    status: str
    skills: list[str]
    certificates: list[str]
    positives: list[str]
    negatives: list[str]
    priority: list[str]
    policy_note: str | None

    @property
    def reasons(self) -> list[str]:
        return self.positives + self.negatives

    @property
    def moved(self) -> int:
        """Places gained (+) or lost (−) by the policy."""
        return self.model_rank - self.rank


@dataclass
class EngineShortlist:
    posting: Posting
    #: the policy's order (what staff act on)
    candidates: list[Candidate]
    #: the scorer's order, same people
    model_order: list[Candidate]
    eligible: int
    n_candidates: int
    policy_rule: str
    scorer: str
    warning: str | None
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def reordered(self) -> bool:
        return [c.person_id for c in self.candidates] != [c.person_id for c in self.model_order]


def _people(ids: list[int]) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(
        sa.select(Person).where(Person.id.in_(ids))
        .options(sa.orm.joinedload(Person.site), sa.orm.selectinload(Person.skills),
                 sa.orm.selectinload(Person.certificates).joinedload(PersonCertificate.certificate)))}


def posting_shortlist(posting: Posting, scope, *, consenting_only: bool = False,
                      limit: int | None = None) -> EngineShortlist:
    """The engine's shortlist of ``posting`` among people in ``scope`` (brokers: consenting only).

    ``limit`` defaults to the app's ``MATCHING_SHORTLIST_SIZE`` (30): the policy's reserved share
    applies to these top places.
    """
    from flask import current_app

    from jobmatch.people.services import masked_id, masked_phone

    limit = limit or int(current_app.config.get("MATCHING_SHORTLIST_SIZE", 30))

    status = service.scorer_status()
    empty = EngineShortlist(posting, [], [], 0, 0, "", status["label"], status["warning"])
    if posting.status is not PostingStatus.OPEN:
        return empty
    try:
        sl = service.shortlist(posting.id, top=limit, scope=scope, consenting_only=consenting_only)
    except service.UnknownPosting:
        return empty
    people = _people(sorted({r.person_id for r in sl.policy_order} | {r.person_id for r in sl.model_order}))
    on = today()
    made: dict[int, Candidate] = {}

    def row(r) -> Candidate:
        c = made.get(r.person_id)
        if c is None:
            p = people[r.person_id]
            c = made[r.person_id] = Candidate(
                rank=r.policy_rank, model_rank=r.model_rank, score=r.score, person_id=p.id, name=p.name,
                sex=p.sex.label, age=age_on(p.birth_date, on), site=p.site.name, masked_id=masked_id(p),
                masked_phone=masked_phone(p), capacity=p.labor_capacity.label, status=p.employment_status.label,
                skills=[s.raw for s in p.skills], certificates=[c.raw for c in p.certificates],
                positives=list(r.positives), negatives=list(r.negatives), priority=list(r.priority_reasons),
                policy_note=r.policy_note)
        return c

    return EngineShortlist(posting, [row(r) for r in sl.policy_order], [row(r) for r in sl.model_order],
                           sl.n_eligible, sl.n_candidates, sl.policy_rule, sl.scorer, status["warning"],
                           sl.excluded_summary)


@dataclass
class PostingRow:
    rank: int
    score: float
    posting: Posting
    positives: list[str]
    negatives: list[str]


@dataclass
class ExcludedRow:
    posting: Posting
    reasons: list[str]


@dataclass
class PersonPostings:
    ranked: list[PostingRow]
    n_ranked: int
    excluded: list[ExcludedRow]
    n_excluded: int
    excluded_summary: dict[str, int]
    raise_chances: str | None
    scorer: str
    warning: str | None
    #: the answer to 为什么没有推荐这个岗位 (None when nothing was asked)
    why: dict | None = None


def _postings(ids: list[int]) -> dict[int, Posting]:
    if not ids:
        return {}
    return {q.id: q for q in db.session.scalars(
        sa.select(Posting).where(Posting.id.in_(ids)).options(sa.orm.joinedload(Posting.employer)))}


def why_not(ranking, code: str) -> dict:
    """为什么没有推荐这个岗位: the reasons a posting is excluded, or where it ranks."""
    code = (code or "").strip().upper()
    engine = service.get_engine()
    try:
        row = engine.data.posting_row(code)
    except KeyError:
        return {"posting": code, "found": False, "ranked": False, "reasons": [f"没有岗位编号为“{code}”的岗位"]}
    rec = engine.data.postings.records[row]
    if not rec.is_open:
        return {"posting": code, "found": True, "ranked": False, "title": rec.title,
                "reasons": ["岗位已不在招聘中（已招满、已关闭或已过期）"]}
    ex = ranking.excluded.for_posting(code)
    if ex is not None:
        return {"posting": code, "found": True, "ranked": False, "title": rec.title, "reasons": list(ex.reasons)}
    for k, r in enumerate(ranking.results):
        if r.code == code:
            return {"posting": code, "found": True, "ranked": True, "title": rec.title, "rank": k + 1,
                    "reasons": [f"该岗位已推荐，排第 {k + 1} 位（共 {len(ranking.results)} 个）"] + r.reasons}
    return {"posting": code, "found": True, "ranked": False, "title": rec.title, "reasons": ["岗位不在推荐范围内"]}


def person_postings(person: Person, *, ask_out_of_area: bool = False, limit: int = 30,
                    why: str | None = None) -> PersonPostings:
    """A person's ranked open postings with explanations, the excluded ones with reasons."""
    status = service.scorer_status()
    try:
        ranking = service.rank_for_person(person.id, ask_out_of_area=ask_out_of_area)
    except service.UnknownPerson:  # registered after the engine's snapshot; a rebuild is under way
        return PersonPostings([], 0, [], 0, {}, None, status["label"],
                              "此人刚登记，匹配数据正在更新，请稍后刷新页面。")
    top = ranking.results[:limit]
    excluded = ranking.excluded[:limit]
    rows = _postings([r.posting_id for r in top] + [e.posting_id for e in excluded])
    return PersonPostings(
        ranked=[PostingRow(r.rank, r.score, rows[r.posting_id], r.positives, r.negatives) for r in top],
        n_ranked=len(ranking.results),
        excluded=[ExcludedRow(rows[e.posting_id], list(e.reasons)) for e in excluded],
        n_excluded=len(ranking.excluded), excluded_summary=ranking.excluded_summary,
        raise_chances=ranking.raise_chances, scorer=ranking.scorer, warning=status["warning"],
        why=why_not(ranking, why) if why else None,
    )
