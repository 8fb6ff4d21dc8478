"""Shortlist speed at county scale: the ranking service and the broker's shortlist page.

Run from the repository root:  python scripts/bench/bench_shortlist.py [--scale county] [--runs 200]

Builds the demo county (``jobmatch.demo``: ~96,000 people, ~56,000 of working age who can
work, ~3,000 open postings and ~50,000 past referrals) into a temporary SQLite database,
then times, over randomly chosen open postings:
- ``shortlist()`` for a broker (consenting people only) and for county staff (everyone);
- the whole broker page ``GET /broker/postings/<id>`` (shortlist, masks, the broker's
  referrals, template) through the WSGI test client.
Prints median and 95th percentile in milliseconds. ``--keep DIR`` keeps the database and
``--reuse DIR`` times an existing one without rebuilding it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import benchlib
from benchlib import report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="postings timed per measure")
    benchlib.run_demo_bench(parser, bench, WTF_CSRF_ENABLED=False)


def bench(app, args) -> None:
    import sqlalchemy as sa

    from jobmatch.accounts.models import User
    from jobmatch.accounts.services import user_scope
    from jobmatch.extensions import db
    from jobmatch.jobs.enums import PostingStatus
    from jobmatch.jobs.models import Posting
    from jobmatch.jobs.shortlist import shortlist
    from jobmatch.people.enums import LaborCapacity
    from jobmatch.people.models import Person

    count = benchlib.count
    with app.app_context():
        born_after = sa.func.date("now", "-61 years")
        workers = count(Person, Person.labor_capacity != LaborCapacity.NONE, Person.birth_date > born_after,
                        Person.birth_date <= sa.func.date("now", "-16 years"))
        people = count(Person)
        consenting = count(Person, Person.broker_consent_on.is_not(None))
        broker = db.session.scalar(sa.select(User).where(User.username == "broker"))
        staff = benchlib.county_reviewer()
        open_postings = db.session.scalars(sa.select(Posting.id).where(Posting.status == PostingStatus.OPEN)).all()
        owned = db.session.scalars(sa.select(Posting.id).where(Posting.status == PostingStatus.OPEN,
                                                                Posting.broker_id == broker.id)).all()
        print(f"{people:,} people, {workers:,} of working age able to work, {consenting:,} consenting to brokers; "
              f"{len(open_postings):,} open postings ({len(owned)} owned by broker)")
        rng = random.Random(args.seed)
        picks = [rng.choice(open_postings) for _ in range(args.runs)]
        for label, user, consenting_only in (("shortlist() broker (consenting)", broker, True),
                                             ("shortlist() county staff (all)", staff, False)):
            scope = user_scope(user)
            samples, pool = [], []
            shortlist(db.session.get(Posting, picks[0]), scope, consenting_only=consenting_only)  # warm up
            for pid in picks:
                posting = db.session.get(Posting, pid)
                t = time.perf_counter()
                result = shortlist(posting, scope, consenting_only=consenting_only, limit=30)
                samples.append(1000 * (time.perf_counter() - t))
                pool.append(result.eligible)
                db.session.expire_all()
            report(label, samples, width=34, extra=f", eligible median {int(statistics.median(pool)):,}")

    client = app.test_client()
    benchlib.login(client, "broker")
    page_picks = [rng.choice(owned) for _ in range(args.runs)]
    client.get(f"/broker/postings/{page_picks[0]}")

    def page(pid: int) -> None:
        response = client.get(f"/broker/postings/{pid}")
        assert response.status_code == 200, response.status_code

    report("GET /broker/postings/<id> page", benchlib.timed_each(page, page_picks)[0], width=34)


if __name__ == "__main__":
    main()
