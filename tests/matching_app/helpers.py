"""Shared pieces of the app-side matching tests."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from jobmatch.database import today
from jobmatch.people.enums import EmploymentStatus, Relation, WorkPreference
from tests.factories import make_people, make_site, person_fields
from tests.jobs.helpers import make_posting

DAY = dt.timedelta(days=1)


@lru_cache(maxsize=1)
def synthetic_data():
    """A small synthetic county (tests/matching/synth.py) as MatchingData, for training tests."""
    from jobmatch.matching.data import MatchingData
    from tests.matching import synth

    county = synth.generate(n_people=2500, n_postings=120, n_outcomes=3000, seed=5)
    return MatchingData(county.people, county.postings, county.outcomes, county.names, as_of=county.cutoff)


def small_county():
    """Two sites; a sewing job (must-have 缝纫); four job seekers, one of them a monitoring subject without the skill."""
    make_site()
    make_site(township="长安镇", site="长安1号安置点", lon=109.51, lat=32.14)
    on = today() - 300 * DAY
    # every household has a working member, so only 丙 is a priority person (monitoring subject)
    workers = [person_fields(name=f"户{n}工", household_code=f"HH{n}", relation=Relation.SPOUSE,
                             employment_status=EmploymentStatus.LOCAL,
                             **({"township": "长安镇", "site": "长安1号安置点"} if n == 4 else {}))
               for n in (1, 2, 3, 4)]
    people = make_people(
        person_fields(name="甲缝纫", household_code="HH1", work_preference=WorkPreference.LOCAL, skills=["缝纫"],
                      broker_consent=True, broker_consent_on=on),
        person_fields(name="乙缝纫", household_code="HH2", work_preference=WorkPreference.LOCAL, skills=["缝纫"]),
        person_fields(name="丙监测", household_code="HH3", work_preference=WorkPreference.LOCAL, is_monitored=True,
                      broker_consent=True, broker_consent_on=on),
        person_fields(name="丁长安", household_code="HH4", township="长安镇", site="长安1号安置点",
                      work_preference=WorkPreference.LOCAL, skills=["缝纫"]),
        *workers,
        effective_on=on,
    )[:4]
    posting = make_posting(title="缝纫工", must_skills="缝纫")
    export = make_posting(title="电子厂普工", channel="劳务输出", employer="苏州电子厂", province="江苏", site="",
                          workplace="江苏苏州")
    return people, posting, export
