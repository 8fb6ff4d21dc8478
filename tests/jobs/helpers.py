"""Factories for the jobs tests: postings through the posting service, referrals through the referral service."""

from __future__ import annotations

import datetime as dt

from jobmatch.database import today
from jobmatch.extensions import db
from jobmatch.jobs import services as jobs
from jobmatch.places.services import find_county


def posting_raw(**kw) -> dict:
    """Form-style values of a valid local community-factory posting; keywords override."""
    raw = {
        "employer": "城关毛绒玩具社区工厂", "channel": "社区工厂", "title": "毛绒玩具缝制工", "headcount": "5",
        "workplace": "城关镇城关1号安置点", "province": "陕西", "site": "城关1号安置点", "min_age": "18",
        "max_age": "55", "education": "不限", "must_skills": "", "nice_skills": "", "certificates": "",
        "intensity": "轻", "hours": "白班", "wage_min": "2000", "wage_max": "3200", "board_lodging": "否",
        "deadline": (today() + dt.timedelta(days=30)).isoformat(),
    }
    raw.update({k: v for k, v in kw.items()})
    return raw


def make_posting(broker=None, publish: bool = True, county: str = "平利县", **kw):
    """A posting saved through ``jobs.save_posting`` and committed."""
    posting = jobs.save_posting(posting_raw(**kw), county=find_county(county), actor=broker, broker=broker,
                                publish=publish)
    db.session.commit()
    return posting
