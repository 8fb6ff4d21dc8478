"""Vocabulary services: seed data, matchers built from the database, synonym editing."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from jobmatch.errors import Conflict, NotFound, ValidationError
from jobmatch.extensions import db
from jobmatch.vocab.models import Certificate, CertificateKind, CertificateSynonym, Skill, SkillSynonym
from jobmatch.vocab.normalize import ParsedCertificate, VocabMatcher, parse_certificate, split_list

DATA_DIR = Path(__file__).parent / "data"


def ensure_seed() -> bool:
    """Load the shipped skills and certificates when the vocabulary is empty; True if it loaded."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Skill)):
        return False
    skills: dict[str, Skill] = {}
    with open(DATA_DIR / "skills.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            # "" in the file: no occupation fits the skill (the classifier must not guess one later)
            skill = Skill(name=row["name"], category=row["category"] or None,
                          occupation_code=row.get("occupation_code"))
            skill.synonyms = [SkillSynonym(text=t) for t in split_list(row["synonyms"])]
            skills[skill.name] = skill
            db.session.add(skill)
    with open(DATA_DIR / "certificates.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cert = Certificate(
                name=row["name"],
                kind=CertificateKind[row["kind"]],
                issuer=row["issuer"] or None,
                validity_years=int(row["validity_years"]) if row["validity_years"] else None,
                review_years=int(row["review_years"]) if row.get("review_years") else None,
                has_levels=row["has_levels"] == "1",
                skill=skills.get(row["skill"]),
            )
            cert.synonyms = [CertificateSynonym(text=t) for t in split_list(row["synonyms"])]
            db.session.add(cert)
    db.session.flush()
    fill_skill_codes()  # rows of an older file without the occupation_code column
    return True


def skill_matcher() -> VocabMatcher:
    """A matcher over canonical skills and their synonyms, as in the database now."""
    names = dict(db.session.execute(sa.select(Skill.name, Skill.id)).all())
    synonyms = dict(db.session.execute(sa.select(SkillSynonym.text, SkillSynonym.skill_id)).all())
    return VocabMatcher(names, synonyms)


def certificate_matcher() -> VocabMatcher:
    """A matcher over the certificate catalogue and its synonyms."""
    names = dict(db.session.execute(sa.select(Certificate.name, Certificate.id)).all())
    synonyms = dict(
        db.session.execute(sa.select(CertificateSynonym.text, CertificateSynonym.certificate_id)).all()
    )
    return VocabMatcher(names, synonyms)


class Vocabulary:
    """Both matchers plus id → name maps, built once for a batch (an import, a page)."""

    def __init__(self):
        self.skills = skill_matcher()
        self.certificates = certificate_matcher()
        self.skill_names = dict(db.session.execute(sa.select(Skill.id, Skill.name)).all())
        self.certificate_names = dict(db.session.execute(sa.select(Certificate.id, Certificate.name)).all())
        self.certificate_skill = dict(
            db.session.execute(sa.select(Certificate.id, Certificate.skill_id).where(Certificate.skill_id.is_not(None))).all()
        )

    def skill_id(self, text: str) -> int | None:
        found = self.skills.match(text)
        return found.target_id if found else None

    def certificate(self, text: str) -> tuple[ParsedCertificate, int | None]:
        """Parse a certificate cell entry and find it in the catalogue."""
        parsed = parse_certificate(text)
        found = self.certificates.match(parsed.name) if parsed.name else None
        return parsed, (found.target_id if found else None)


def list_skills() -> list[Skill]:
    return list(
        db.session.scalars(sa.select(Skill).order_by(Skill.category, Skill.name).options(sa.orm.selectinload(Skill.synonyms)))
    )


def list_certificates() -> list[Certificate]:
    return list(
        db.session.scalars(
            sa.select(Certificate).order_by(Certificate.kind, Certificate.name).options(sa.orm.selectinload(Certificate.synonyms))
        )
    )


def add_skill_synonym(text: str, skill_id: int) -> SkillSynonym:
    """Teach the vocabulary that ``text`` means the skill ``skill_id``."""
    text = (text or "").strip()
    if not text or len(text) > 60:
        raise ValidationError("同义词不能为空且不超过 60 个字", fields={"text": "同义词不能为空且不超过 60 个字"})
    skill = db.session.get(Skill, skill_id)
    if skill is None:
        raise NotFound("找不到该技能")
    if text == skill.name or db.session.scalar(sa.select(SkillSynonym.id).where(SkillSynonym.text == text)):
        raise Conflict(f"「{text}」已经是一个技能名称或同义词")
    if db.session.scalar(sa.select(Skill.id).where(Skill.name == text)):
        raise Conflict(f"「{text}」已经是另一个技能的名称")
    synonym = SkillSynonym(text=text, skill=skill)
    db.session.add(synonym)
    db.session.flush()
    return synonym


def delete_skill_synonym(synonym_id: int) -> None:
    synonym = db.session.get(SkillSynonym, synonym_id)
    if synonym is None:
        raise NotFound("找不到该同义词")
    db.session.delete(synonym)
    db.session.flush()


def add_skill(name: str, category: str | None) -> Skill:
    """Add a canonical skill."""
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise ValidationError("技能名称不能为空且不超过 40 个字", fields={"name": "技能名称不能为空且不超过 40 个字"})
    if db.session.scalar(sa.select(Skill.id).where(Skill.name == name)) or db.session.scalar(
        sa.select(SkillSynonym.id).where(SkillSynonym.text == name)
    ):
        raise Conflict(f"「{name}」已经是一个技能名称或同义词")
    skill = Skill(name=name, category=(category or "").strip() or None)
    db.session.add(skill)
    db.session.flush()
    fill_skill_codes()
    return skill


def _shipped_skill_codes() -> dict[str, str]:
    with open(DATA_DIR / "skills.csv", encoding="utf-8") as fh:
        return {row["name"]: row["occupation_code"] for row in csv.DictReader(fh)}


def fill_skill_codes() -> int:
    """Give every canonical skill without an occupation code one: the shipped table's, else the
    classifier's first answer (a staff-added skill); the number filled. "" means none fits."""
    missing = list(db.session.scalars(sa.select(Skill).where(Skill.occupation_code.is_(None))))
    if not missing:
        return 0
    shipped = _shipped_skill_codes()
    unknown = [s for s in missing if s.name not in shipped]
    if unknown:
        from jobmatch.vocab.occupations import suggest_many

        for skill, answer in zip(unknown, suggest_many([s.name for s in unknown], top=1), strict=True):
            skill.occupation_code = answer.code or ""
    for skill in missing:
        if skill.name in shipped:
            skill.occupation_code = shipped[skill.name]
    db.session.flush()
    return len(missing)
