"""Region tree and sites."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.database import TimestampMixin, enum_column
from jobmatch.extensions import db


class RegionLevel(enum.Enum):
    CITY = "市"
    COUNTY = "县"
    TOWNSHIP = "镇"

    @property
    def label(self) -> str:
        return self.value


class Region(TimestampMixin, db.Model):
    """行政区划: a city, county or township."""

    __tablename__ = "regions"
    __table_args__ = (sa.UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    #: province the region lies in, used to tell in-province from out-of-province work
    province: Mapped[str | None] = mapped_column(sa.String(20))

    parent: Mapped[Region | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.name")
    sites: Mapped[list[Site]] = relationship(
        back_populates="township", foreign_keys="Site.township_id", order_by="Site.name"
    )

    def __repr__(self) -> str:
        return f"<Region {self.level.name} {self.name}>"


class Site(TimestampMixin, db.Model):
    """安置点: a resettlement site under a township."""

    __tablename__ = "sites"
    __table_args__ = (sa.UniqueConstraint("township_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    township_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    #: denormalised so region scope is a single indexed comparison
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    #: WGS-84 decimal degrees
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    planned_households: Mapped[int | None] = mapped_column(sa.Integer)
    planned_people: Mapped[int | None] = mapped_column(sa.Integer)

    township: Mapped[Region] = relationship(foreign_keys=[township_id], back_populates="sites")
    county: Mapped[Region] = relationship(foreign_keys=[county_id])
    city: Mapped[Region] = relationship(foreign_keys=[city_id])

    @property
    def full_name(self) -> str:
        return f"{self.county.name}{self.township.name}{self.name}"

    def __repr__(self) -> str:
        return f"<Site {self.name}>"
