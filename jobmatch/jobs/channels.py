"""Channel rules in code: where a job is, which employment status a hire means, public-welfare rules.

Status a placement records (from its start date; documented in docs/jobs.md):
1. a 公益性岗位 posting → 公益性岗位;
2. a posting whose province differs from the installation's home province → 省外务工;
3. a posting in the county (it names a site, is a community factory or county enterprise
   posting, or its workplace names the county) → 县内务工;
4. anything else in the home province → 省内县外务工.
Leaving a placement records 未就业 from the end date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from flask import current_app

from jobmatch.extensions import db
from jobmatch.jobs.enums import Channel, Place
from jobmatch.people.enums import EmploymentStatus, LaborCapacity, StatusEventKind
from jobmatch.people.models import StatusEvent

#: province-level divisions as the postings format writes them (工作省份)
PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建", "江西",
    "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃",
    "青海", "宁夏", "新疆", "台湾", "香港", "澳门",
)
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")

#: a person may hold public-welfare posts for at most three years in total
PUBLIC_WELFARE_MAX_DAYS = 3 * 365 + 1
#: warn when less than this is left under the cap
PUBLIC_WELFARE_WARN_DAYS = 183
#: policy asks park employers attached to sites to employ at least this share of relocated workers
PARK_RELOCATED_SHARE = 0.5
#: channels whose postings are in the county unless they say otherwise
LOCAL_CHANNELS = frozenset({Channel.COMMUNITY_FACTORY, Channel.PUBLIC_WELFARE, Channel.ENTERPRISE})


def normalize_province(name: str | None) -> str | None:
    """'陕西省' → '陕西', '广西壮族自治区' → '广西'; blank → None."""
    name = (name or "").strip()
    if not name:
        return None
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def home_province() -> str:
    """The province of the counties this installation serves (``JOBMATCH_HOME_PROVINCE``)."""
    return normalize_province(current_app.config.get("HOME_PROVINCE")) or "陕西"


def place_of(channel: Channel, province: str | None, *, site_id: int | None = None, workplace: str | None = None,
             county_name: str | None = None, home: str | None = None) -> Place:
    """Where a job is, seen from its county: 县内, 省内县外 or 省外."""
    home = home or home_province()
    if normalize_province(province) not in (None, home):
        return Place.OUT_OF_PROVINCE
    if site_id is not None or channel in LOCAL_CHANNELS:
        return Place.LOCAL
    if county_name and workplace and county_name in workplace:
        return Place.LOCAL
    return Place.IN_PROVINCE


def posting_place(posting, home: str | None = None) -> Place:
    """``place_of`` for a Posting row."""
    return place_of(posting.channel, posting.province, site_id=posting.site_id, workplace=posting.workplace,
                    county_name=posting.county.name if posting.county is not None else None, home=home)


STATUS_OF_PLACE = {
    Place.LOCAL: EmploymentStatus.LOCAL,
    Place.IN_PROVINCE: EmploymentStatus.IN_PROVINCE,
    Place.OUT_OF_PROVINCE: EmploymentStatus.OUT_OF_PROVINCE,
}


def placement_status(posting, home: str | None = None) -> EmploymentStatus:
    """The employment status a hire into ``posting`` records."""
    if posting.channel is Channel.PUBLIC_WELFARE:
        return EmploymentStatus.PUBLIC_WELFARE
    return STATUS_OF_PLACE[posting_place(posting, home)]


# --- public-welfare posts ---------------------------------------------------------------------

def public_welfare_eligible(capacity: LaborCapacity, is_monitored: bool, in_zero_employment_household: bool) -> bool:
    """公益性岗位 are reserved for weak or half-capacity workers, zero-employment households and monitoring subjects."""
    return (capacity in (LaborCapacity.WEAK, LaborCapacity.HALF) or is_monitored
            or in_zero_employment_household)


def public_welfare_days(person_ids: list[int] | None, on: dt.date) -> dict[int, int]:
    """Days each person has spent on public-welfare posts up to ``on``, from the dated status history.

    ``person_ids=None`` answers for everyone who ever held such a post, in one query.
    """
    if person_ids is not None and not person_ids:
        return {}
    holders = sa.select(StatusEvent.person_id).where(
        StatusEvent.status == EmploymentStatus.PUBLIC_WELFARE, StatusEvent.kind == StatusEventKind.CHANGE
    )
    base = (sa.select(StatusEvent.person_id, StatusEvent.effective_on, StatusEvent.status)
            .where(StatusEvent.kind == StatusEventKind.CHANGE, StatusEvent.effective_on <= on)
            .order_by(StatusEvent.person_id, StatusEvent.effective_on, StatusEvent.id))
    if person_ids is None:
        statements = [base.where(StatusEvent.person_id.in_(holders))]
    else:
        statements = [base.where(StatusEvent.person_id.in_(person_ids[i:i + 900]))
                      for i in range(0, len(person_ids), 900)]
    events: dict[int, list[tuple[dt.date, EmploymentStatus]]] = defaultdict(list)
    for statement in statements:
        for pid, effective_on, status in db.session.execute(statement):
            events[pid].append((effective_on, status))
    return {pid: _days_in_status(timeline, EmploymentStatus.PUBLIC_WELFARE, on) for pid, timeline in events.items()}


def _days_in_status(timeline: list[tuple[dt.date, EmploymentStatus]], status: EmploymentStatus, on: dt.date) -> int:
    days = 0
    for (start, current), nxt in zip(timeline, [*timeline[1:], (on, None)], strict=True):
        if current is status:
            days += max(0, (nxt[0] - start).days)
    return days


def months_label(days: int) -> str:
    """Days as whole months for messages ("26 个月")."""
    return f"{days * 12 // 365} 个月"
