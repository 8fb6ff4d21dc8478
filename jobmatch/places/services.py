"""Region and site services: lookups, creation, editing, and region scope."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from jobmatch.errors import NotFound, ValidationError
from jobmatch.extensions import db
from jobmatch.places.models import Region, RegionLevel, Site


@dataclass(frozen=True)
class Scope:
    """The sites a user may see. ``site_ids`` is always explicit, never "everything"."""

    site_ids: frozenset[int]
    label: str

    def filter(self, column: sa.ColumnElement) -> sa.ColumnElement:
        """A WHERE clause limiting ``column`` (a site id column) to this scope."""
        if not self.site_ids:
            return sa.false()
        return column.in_(sorted(self.site_ids))

    def allows(self, site_id: int | None) -> bool:
        return site_id is not None and site_id in self.site_ids


def site_ids_under(region: Region) -> frozenset[int]:
    """Ids of every site below a region."""
    column = {
        RegionLevel.CITY: Site.city_id,
        RegionLevel.COUNTY: Site.county_id,
        RegionLevel.TOWNSHIP: Site.township_id,
    }[region.level]
    return frozenset(db.session.scalars(sa.select(Site.id).where(column == region.id)))


def scope_for(region: Region | None = None, site: Site | None = None) -> Scope:
    """The scope of a region or a single site."""
    if site is not None:
        return Scope(frozenset({site.id}), site.name)
    if region is not None:
        return Scope(site_ids_under(region), region.name)
    return Scope(frozenset(), "无")


def all_sites_scope() -> Scope:
    """Every site (used by command-line tools that act for the whole installation)."""
    return Scope(frozenset(db.session.scalars(sa.select(Site.id))), "全部")


def get_region(region_id: int) -> Region:
    region = db.session.get(Region, region_id)
    if region is None:
        raise NotFound("找不到该行政区划")
    return region


def find_region_by_name(name: str) -> Region | None:
    """A region by exact name (city, county or township); the highest level wins on a tie."""
    rows = db.session.scalars(sa.select(Region).where(Region.name == name.strip())).all()
    order = {RegionLevel.CITY: 0, RegionLevel.COUNTY: 1, RegionLevel.TOWNSHIP: 2}
    return min(rows, key=lambda r: order[r.level]) if rows else None


def find_site_by_name(name: str) -> Site | None:
    rows = db.session.scalars(sa.select(Site).where(Site.name == name.strip())).all()
    return rows[0] if len(rows) == 1 else None


def _child(parent: Region | None, name: str, level: RegionLevel) -> Region | None:
    stmt = sa.select(Region).where(Region.name == name, Region.level == level)
    stmt = stmt.where(Region.parent_id == parent.id) if parent else stmt.where(Region.parent_id.is_(None))
    return db.session.scalars(stmt).first()


def ensure_region(name: str, level: RegionLevel, parent: Region | None, province: str | None = None) -> Region:
    """Get or create a region under ``parent``."""
    region = _child(parent, name, level)
    if region is None:
        region = Region(name=name, level=level, parent=parent, province=province or (parent.province if parent else None))
        db.session.add(region)
        db.session.flush()
    return region


def find_county(name: str) -> Region | None:
    return db.session.scalars(
        sa.select(Region).where(Region.name == name.strip(), Region.level == RegionLevel.COUNTY)
    ).first()


def ensure_county(name: str) -> Region:
    """A county by name, created under the single (or default) city when new."""
    county = find_county(name)
    if county is not None:
        return county
    cities = db.session.scalars(sa.select(Region).where(Region.level == RegionLevel.CITY)).all()
    city = cities[0] if len(cities) == 1 else None
    if city is None:
        city = ensure_region(
            current_app.config["DEFAULT_CITY"], RegionLevel.CITY, None, current_app.config["HOME_PROVINCE"]
        )
    return ensure_region(name.strip(), RegionLevel.COUNTY, city)


class SiteIndex:
    """Fast (county, township, site) → Site lookups for imports, loaded in one query."""

    def __init__(self):
        county = sa.orm.aliased(Region)
        township = sa.orm.aliased(Region)
        rows = db.session.execute(
            sa.select(Site, county.name, township.name)
            .join(county, Site.county_id == county.id)
            .join(township, Site.township_id == township.id)
        ).all()
        self._by_key: dict[tuple[str, str, str], Site] = {(c, t, s.name): s for s, c, t in rows}

    def get(self, county: str, township: str, site: str) -> Site | None:
        return self._by_key.get((county, township, site))

    def add(self, county: str, township: str, site: Site) -> None:
        self._by_key[(county, township, site.name)] = site


def ensure_site(
    county_name: str,
    township_name: str,
    site_name: str,
    *,
    longitude: float | None = None,
    latitude: float | None = None,
    planned_households: int | None = None,
    planned_people: int | None = None,
) -> tuple[Site, bool]:
    """Get or create the site at (county, township, site); returns (site, created)."""
    county = ensure_county(county_name)
    township = ensure_region(township_name.strip(), RegionLevel.TOWNSHIP, county)
    site = db.session.scalars(
        sa.select(Site).where(Site.township_id == township.id, Site.name == site_name.strip())
    ).first()
    created = site is None
    if created:
        site = Site(
            name=site_name.strip(), township_id=township.id, county_id=county.id, city_id=county.parent_id
        )
        db.session.add(site)
    for attr, value in (
        ("longitude", longitude),
        ("latitude", latitude),
        ("planned_households", planned_households),
        ("planned_people", planned_people),
    ):
        if value is not None:
            setattr(site, attr, value)
    db.session.flush()
    return site, created


def validate_coordinates(longitude: float | None, latitude: float | None) -> dict[str, str]:
    """Errors for coordinates outside China's bounding box; both or neither must be given."""
    errors: dict[str, str] = {}
    if (longitude is None) != (latitude is None):
        errors["longitude" if longitude is None else "latitude"] = "经度和纬度须同时填写"
    if longitude is not None and not 73 <= longitude <= 136:
        errors["longitude"] = "经度应在 73 到 136 之间（WGS-84 十进制度）"
    if latitude is not None and not 3 <= latitude <= 54:
        errors["latitude"] = "纬度应在 3 到 54 之间（WGS-84 十进制度）"
    return errors


def update_site(site: Site, *, name: str, longitude, latitude, planned_households, planned_people) -> Site:
    """Edit a site's name, coordinates and planned size."""
    errors = validate_coordinates(longitude, latitude)
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写安置点名称"
    clash = db.session.scalars(
        sa.select(Site).where(Site.township_id == site.township_id, Site.name == name, Site.id != site.id)
    ).first()
    if clash:
        errors["name"] = "同一镇（街道）下已有同名安置点"
    for key, value in (("planned_households", planned_households), ("planned_people", planned_people)):
        if value is not None and value < 0:
            errors[key] = "不能为负数"
    if errors:
        raise ValidationError("安置点信息有误", fields=errors)
    site.name = name
    site.longitude, site.latitude = longitude, latitude
    site.planned_households, site.planned_people = planned_households, planned_people
    db.session.flush()
    return site


def region_tree() -> list[Region]:
    """Cities with their counties and townships loaded (for the admin tree page)."""
    return list(
        db.session.scalars(
            sa.select(Region)
            .where(Region.parent_id.is_(None))
            .order_by(Region.name)
            .options(sa.orm.selectinload(Region.children).selectinload(Region.children).selectinload(Region.sites))
        )
    )
