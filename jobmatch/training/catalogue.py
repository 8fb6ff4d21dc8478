"""The certificate catalogue as staff maintain it: new entries, and linking the register's
unrecognised certificate texts to them (name normalised, level parsed)."""

from __future__ import annotations

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.errors import ValidationError
from jobmatch.extensions import db
from jobmatch.people.models import Person, PersonCertificate
from jobmatch.places.services import Scope
from jobmatch.vocab.models import Certificate, CertificateKind, CertificateSynonym, Skill
from jobmatch.vocab.normalize import split_list
from jobmatch.vocab.services import Vocabulary


def add_certificate(name: str, kind: CertificateKind | None, *, issuer: str | None, validity_years: int | None,
                    review_years: int | None, has_levels: bool, skill_id: int | None, synonyms: str | None,
                    actor=None) -> Certificate:
    """Add a catalogue certificate with its other names; unrecognised register texts are relinked."""
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 60:
        errors["name"] = "证书名称不能为空且不超过 60 个字"
    elif db.session.scalar(sa.select(Certificate.id).where(Certificate.name == name)) or db.session.scalar(
            sa.select(CertificateSynonym.id).where(CertificateSynonym.text == name)):
        errors["name"] = f"「{name}」已在证书目录中"
    if kind is None:
        errors["kind"] = "请选择证书类别"
    for key, value in (("validity_years", validity_years), ("review_years", review_years)):
        if value is not None and not 1 <= value <= 20:
            errors[key] = "年限应在 1 到 20 之间"
    if kind is CertificateKind.SPECIAL_OPERATION and not (validity_years or review_years):
        errors["validity_years"] = "特种作业操作证须填写有效期或复审周期"
    if skill_id is not None and db.session.get(Skill, skill_id) is None:
        errors["skill_id"] = "技能不存在"
    others = [t for t in split_list(synonyms) if t != name]
    clash = [t for t in others if db.session.scalar(sa.select(CertificateSynonym.id).where(CertificateSynonym.text == t))
             or db.session.scalar(sa.select(Certificate.id).where(Certificate.name == t))]
    if clash:
        errors["synonyms"] = f"「{'、'.join(clash)}」已是其他证书的名称或别名"
    if errors:
        raise ValidationError("证书信息有误：" + "；".join(errors.values()), fields=errors)
    certificate = Certificate(name=name, kind=kind, issuer=(issuer or "").strip() or None, validity_years=validity_years,
                              review_years=review_years, has_levels=has_levels, skill_id=skill_id)
    certificate.synonyms = [CertificateSynonym(text=t[:60]) for t in others]
    db.session.add(certificate)
    db.session.flush()
    audit.record("edit_synonym", "certificate", certificate.id, actor=actor, name=name)
    relink_certificates()
    return certificate


def unmatched_texts(scope: Scope, limit: int = 50) -> list[tuple[str, int]]:
    """Certificate texts in the register (of ``scope``) that match no catalogue entry, most common first."""
    return [tuple(r) for r in db.session.execute(
        sa.select(PersonCertificate.raw, sa.func.count())
        .join(Person, Person.id == PersonCertificate.person_id)
        .where(PersonCertificate.certificate_id.is_(None), scope.filter(Person.site_id))
        .group_by(PersonCertificate.raw).order_by(sa.func.count().desc(), PersonCertificate.raw).limit(limit)
    ).all()]


def relink_certificates() -> int:
    """Match every unrecognised certificate row against the catalogue now; returns rows linked."""
    vocab = Vocabulary()
    updates = []
    for row_id, raw in db.session.execute(
        sa.select(PersonCertificate.id, PersonCertificate.raw).where(PersonCertificate.certificate_id.is_(None))
    ):
        parsed, cert_id = vocab.certificate(raw)
        if cert_id is not None:
            updates.append({"id": row_id, "certificate_id": cert_id, "level": parsed.level})
    if updates:
        db.session.execute(sa.update(PersonCertificate), updates)
        db.session.flush()
    return len(updates)
