"""Monitoring dashboard speed at county scale.

Run from the repository root:  python scripts/bench/bench_dashboard.py [--scale county] [--runs 60]

Builds the demo county (``jobmatch.demo``: ~96,000 people in ~32,000 households, a year of
dated status history, referrals, training, and the monitoring step) into a temporary SQLite
database, then times:
- ``figures_by_site()``: every indicator for every site of the county (grouped SQL over the
  household standings, the episodes and training's counts);
- the household standings rebuilt from scratch (what a fresh installation pays once) and the
  next day's refresh (only households where someone turned 16 or 61);
- ``monthly_trend()`` cold (month-end snapshots deleted before each run: 12 past month ends from
  the dated history) and warm (snapshots summed in SQL);
- ``GET /staff/monitoring/`` for the county reviewer (figures, breakdown by township, trend) and
  for a random township drill-down;
- ``GET /staff/monitoring/zero`` (the zero-employment list with referral counts);
- the xlsx monthly report once.
Prints median and 95th percentile in milliseconds, wall clock and CPU time of this process
(SQLite runs inside it, so CPU time is the work itself; wall time includes waiting for a CPU on a
shared machine). ``--keep DIR`` keeps the database and
``--reuse DIR`` times an existing one without rebuilding it.
"""

from __future__ import annotations

import argparse
import os
import random
import time

import benchlib
from benchlib import report_wall_cpu as report
from benchlib import timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    benchlib.run_demo_bench(parser, bench, WTF_CSRF_ENABLED=False)


def bench(app, args) -> None:
    import datetime as dt
    import io

    import sqlalchemy as sa

    from jobmatch.accounts.services import user_scope
    from jobmatch.extensions import db
    from jobmatch.monitoring import indicators as ind
    from jobmatch.monitoring.models import ZeroEpisode
    from jobmatch.monitoring.report import write_report
    from jobmatch.people.models import Household, Person, StatusEvent
    from jobmatch.places.models import Region, RegionLevel

    count = benchlib.count
    with app.app_context():
        print(f"{count(Person):,} people, {count(Household):,} households, {count(StatusEvent):,} status events, "
              f"{count(ZeroEpisode):,} zero-employment episodes")
        staff = benchlib.county_reviewer()
        username = staff.username
        scope = user_scope(staff)
        report("figures_by_site() county", timed(lambda: ind.figures_by_site(scope), args.runs))

        from jobmatch.database import today
        from jobmatch.monitoring.episodes import ensure_standings
        from jobmatch.monitoring.models import HouseholdStanding, MonthlySnapshot

        def rebuild():
            db.session.execute(sa.delete(HouseholdStanding))
            ensure_standings(scope)

        report("standings rebuilt from scratch", timed(rebuild, 3))
        db.session.commit()

        def next_day():
            db.session.execute(sa.update(HouseholdStanding).values(as_of=today() - dt.timedelta(days=1)))
            ensure_standings(scope)

        report("standings next-day refresh", timed(next_day, 5))
        db.session.commit()

        def cold_trend():
            db.session.execute(sa.delete(MonthlySnapshot))
            ind.monthly_trend(scope, 13)

        report("monthly_trend() county, cold", timed(cold_trend, 3))
        db.session.commit()
        report("monthly_trend() county, warm", timed(lambda: ind.monthly_trend(scope, 13), args.runs))
        townships = db.session.scalars(sa.select(Region.id).where(Region.level == RegionLevel.TOWNSHIP)).all()
        t = time.perf_counter()
        buffer = io.BytesIO()
        write_report(buffer, scope)
        print(f"xlsx monthly report (county)                 {1000 * (time.perf_counter() - t):7.1f} ms, "
              f"{len(buffer.getvalue()) // 1024} KiB")

    client = app.test_client()
    benchlib.login(client, username)
    assert client.get("/staff/monitoring/").status_code == 200
    report("GET /staff/monitoring/ county reviewer", timed(lambda: client.get("/staff/monitoring/"), args.runs))
    rng = random.Random(args.seed)

    def drill():
        assert client.get(f"/staff/monitoring/?area=township-{rng.choice(townships)}").status_code == 200

    report("GET /staff/monitoring/?area=township-N", timed(drill, args.runs))
    report("GET /staff/monitoring/zero county", timed(lambda: client.get("/staff/monitoring/zero"), max(10, args.runs // 3)))
    print(f"load average while timing: {benchlib.load_average():.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
