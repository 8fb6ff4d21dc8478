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
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(label: str, samples: list[float], extra: str = "") -> None:
    print(f"{label:<34} p50 {statistics.median(samples):7.1f} ms   p95 {percentile(samples, 0.95):7.1f} ms"
          f"   max {max(samples):7.1f} ms   (n={len(samples)}{extra})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["site", "county"], default="county")
    parser.add_argument("--runs", type=int, default=200, help="postings timed per measure")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", help="build into this folder and keep it")
    parser.add_argument("--reuse", help="time an existing instance folder (no rebuild)")
    args = parser.parse_args()

    temporary = not (args.reuse or args.keep)
    folder = Path(args.reuse or args.keep or tempfile.mkdtemp(prefix="jobmatch-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.update(JOBMATCH_INSTANCE_PATH=str(folder), JOBMATCH_COOKIE_SECURE="false")
    os.environ.setdefault("JOBMATCH_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("JOBMATCH_DATA_KEY", "bench-data-key-0123456789")
    os.environ.pop("JOBMATCH_DATABASE_URL", None)

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from jobmatch import create_app
    from jobmatch.accounts.models import Role, User
    from jobmatch.accounts.services import user_scope
    from jobmatch.extensions import db
    from jobmatch.jobs.enums import PostingStatus
    from jobmatch.jobs.models import Posting
    from jobmatch.jobs.shortlist import shortlist
    from jobmatch.people.enums import LaborCapacity
    from jobmatch.people.models import Person

    app = create_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        if not args.reuse:
            upgrade()
            from jobmatch.demo import DEMO_PASSWORD, build_demo

            started = time.perf_counter()
            build_demo(scale=args.scale, seed=args.seed, echo=lambda m: print(f"  {m}", file=sys.stderr))
            db.session.commit()
            print(f"demo {args.scale} built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        from jobmatch.demo import DEMO_PASSWORD

        born_after = sa.func.date("now", "-61 years")
        workers = db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(
            Person.labor_capacity != LaborCapacity.NONE, Person.birth_date > born_after,
            Person.birth_date <= sa.func.date("now", "-16 years")))
        people = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
        consenting = db.session.scalar(sa.select(sa.func.count()).select_from(Person)
                                       .where(Person.broker_consent_on.is_not(None)))
        broker = db.session.scalar(sa.select(User).where(User.username == "broker"))
        staff = db.session.scalar(sa.select(User).where(User.role == Role.COUNTY_REVIEWER))
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
            report(label, samples, f", eligible median {int(statistics.median(pool)):,}")

    client = app.test_client()
    client.post("/login", data={"username": "broker", "password": DEMO_PASSWORD})
    page_picks = [rng.choice(owned) for _ in range(args.runs)]
    client.get(f"/broker/postings/{page_picks[0]}")
    samples = []
    for pid in page_picks:
        t = time.perf_counter()
        response = client.get(f"/broker/postings/{pid}")
        samples.append(1000 * (time.perf_counter() - t))
        assert response.status_code == 200, response.status_code
    report("GET /broker/postings/<id> page", samples)
    if temporary:
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"database kept in {folder}")


if __name__ == "__main__":
    main()
