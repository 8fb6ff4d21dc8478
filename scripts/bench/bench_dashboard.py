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


def report(label: str, samples: tuple[list[float], list[float]]) -> None:
    wall, cpu = samples
    print(f"{label:<40} wall p50 {statistics.median(wall):7.1f} ms  p95 {percentile(wall, 0.95):7.1f} ms"
          f"  max {max(wall):7.1f} ms | cpu p50 {statistics.median(cpu):6.1f} ms  p95 {percentile(cpu, 0.95):6.1f} ms"
          f"  (n={len(wall)})")


def timed(fn, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU time (this process, SQLite runs in it) of each run, in ms."""
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(1000 * (time.perf_counter() - t))
        cpu.append(1000 * (time.process_time() - c))
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["site", "county"], default="county")
    parser.add_argument("--runs", type=int, default=60)
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

    import datetime as dt
    import io

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from jobmatch import create_app
    from jobmatch.accounts.models import Role, User
    from jobmatch.accounts.services import user_scope
    from jobmatch.extensions import db
    from jobmatch.monitoring import indicators as ind
    from jobmatch.monitoring.models import ZeroEpisode
    from jobmatch.monitoring.report import write_report
    from jobmatch.people.models import Household, Person, StatusEvent
    from jobmatch.places.models import Region, RegionLevel

    app = create_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        if not args.reuse:
            upgrade()
            from jobmatch.demo import build_demo

            started = time.perf_counter()
            build_demo(scale=args.scale, seed=args.seed, echo=lambda m: print(f"  {m}", file=sys.stderr))
            db.session.commit()
            print(f"demo {args.scale} built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        from jobmatch.demo import DEMO_PASSWORD

        count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
        print(f"{count(Person):,} people, {count(Household):,} households, {count(StatusEvent):,} status events, "
              f"{count(ZeroEpisode):,} zero-employment episodes")
        staff = db.session.scalar(sa.select(User).where(User.role == Role.COUNTY_REVIEWER))
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
    client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert client.get("/staff/monitoring/").status_code == 200
    report("GET /staff/monitoring/ county reviewer", timed(lambda: client.get("/staff/monitoring/"), args.runs))
    rng = random.Random(args.seed)
    def drill():
        assert client.get(f"/staff/monitoring/?area=township-{rng.choice(townships)}").status_code == 200

    report("GET /staff/monitoring/?area=township-N", timed(drill, args.runs))
    report("GET /staff/monitoring/zero county", timed(lambda: client.get("/staff/monitoring/zero"), max(10, args.runs // 3)))
    print(f"load average while timing: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if temporary:
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"database kept in {folder}")


if __name__ == "__main__":
    main()
