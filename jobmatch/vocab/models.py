"""Canonical skills and certificates with staff-editable synonyms."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.database import TimestampMixin, enum_column
from jobmatch.extensions import db


class CertificateKind(enum.Enum):
    QUALIFICATION = "职业资格证书"
    SKILL_LEVEL = "职业技能等级证书"
    SPECIAL_ABILITY = "专项职业能力证书"
    SPECIAL_OPERATION = "特种作业操作证"
    OTHER = "其他证照"

    @property
    def label(self) -> str:
        return self.value

    @property
    def is_vocational(self) -> bool:
        """Counts toward 持证率 (the four vocational kinds; driving licences and the like do not)."""
        return self is not CertificateKind.OTHER


#: the kinds whose certificates count toward 持证率
VOCATIONAL_KINDS = (
    CertificateKind.QUALIFICATION,
    CertificateKind.SKILL_LEVEL,
    CertificateKind.SPECIAL_ABILITY,
    CertificateKind.SPECIAL_OPERATION,
)


class Skill(TimestampMixin, db.Model):
    """A canonical skill (电焊, 缝纫, 采茶 …)."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    category: Mapped[str | None] = mapped_column(sa.String(40))
    #: occupation code (CSCO 2022) the skill belongs to, when known
    occupation_code: Mapped[str | None] = mapped_column(sa.String(16))

    synonyms: Mapped[list[SkillSynonym]] = relationship(back_populates="skill", cascade="all, delete-orphan")


class SkillSynonym(TimestampMixin, db.Model):
    """A way people write a skill ("会电焊", "电焊工") pointing at its canonical form."""

    __tablename__ = "skill_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(60), unique=True)
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skills.id", ondelete="CASCADE"), index=True)

    skill: Mapped[Skill] = relationship(back_populates="synonyms")


class Certificate(TimestampMixin, db.Model):
    """A certificate in the catalogue (养老护理员, 焊工, 叉车司机 …)."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    kind: Mapped[CertificateKind] = mapped_column(enum_column(CertificateKind))
    issuer: Mapped[str | None] = mapped_column(sa.String(80))
    #: years a certificate stays valid; None = no expiry
    validity_years: Mapped[int | None]
    #: years between mandatory reviews (复审, 特种作业操作证); a certificate not reviewed
    #: in time lapses, so the next review date is what ``expires_on`` holds for these
    review_years: Mapped[int | None]
    #: whether the certificate comes in levels (五级 … 一级)
    has_levels: Mapped[bool] = mapped_column(default=False)
    #: the skill holding the certificate implies
    skill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skills.id", ondelete="SET NULL"))

    skill: Mapped[Skill | None] = relationship()
    synonyms: Mapped[list[CertificateSynonym]] = relationship(
        back_populates="certificate", cascade="all, delete-orphan"
    )


class CertificateSynonym(TimestampMixin, db.Model):
    """Another name for a certificate ("电焊证" → 焊工)."""

    __tablename__ = "certificate_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(60), unique=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True)

    certificate: Mapped[Certificate] = relationship(back_populates="synonyms")


class OccupationAlias(TimestampMixin, db.Model):
    """A staff correction: this (cleaned) job title means this CSCO code, learned for next time."""

    __tablename__ = "occupation_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the cleaned title key (``jobmatch.occupations.learned_key``)
    title_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: the title as it was typed when corrected
    example: Mapped[str] = mapped_column(sa.String(200))
    code: Mapped[str] = mapped_column(sa.String(16))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
