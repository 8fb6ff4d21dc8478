"""Benchmark the training progress page and the skill-gap report at county scale.

Builds the demo county (~96,000 people, 160 courses with rosters, ~9,500 postings) in a
temporary SQLite database — or reuses one with ``--instance DIR`` — signs in as the county
reviewer and requests each page repeatedly through the WSGI app, printing median and p95 in
ms. The what-if page ("若 N 人取得证书") is measured too, with the matching engine already
built (the engine is cached per process and rebuilt only when data change; its build time is
printed once).

    .venv/bin/python scripts/bench/bench_training.py [--runs 30] [--instance /tmp/bench-training]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import benchlib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--instance", help="reuse (or build once into) this instance folder")
    args = parser.parse_args()
    with benchlib.bench_app(keep=args.instance, scale="county", seed=7, prefix="bench-training-",
                            WTF_CSRF_ENABLED=False) as app:
        bench(app, args)


def bench(app, args) -> None:
    from jobmatch.extensions import db
    from jobmatch.people.models import Person

    with app.app_context():
        people = db.session.query(Person).count()

    client = app.test_client()
    benchlib.login(client, "county")
    pages = {"progress (county)": "/staff/training/", "progress (township)": None, "worklist": "/staff/training/worklist"}
    with app.app_context():
        from jobmatch.places.models import Region, RegionLevel

        township = db.session.query(Region).filter(Region.level == RegionLevel.TOWNSHIP).order_by(Region.id).first()
        pages["progress (township)"] = f"/staff/training/?area=township-{township.id}"
    pages["skill-gap report"] = "/staff/training/gaps"
    with app.app_context():
        from jobmatch.places.models import Region as R
        from jobmatch.places.services import scope_for
        from jobmatch.training.gaps import skill_gap_report

        county = db.session.query(R).filter(R.level == RegionLevel.COUNTY).order_by(R.id).first()
        top = skill_gap_report(scope_for(region=county)).certificates
    if top:
        pages[f"what-if ({top[0].name}, N=10)"] = f"/staff/training/gaps/certificate/{top[0].id}?n=10"
        started = time.perf_counter()
        client.get(pages[f"what-if ({top[0].name}, N=10)"])
        print(f"matching engine built on first what-if in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    print(f"people={people} runs={args.runs} load={benchlib.load_average():.2f} cpus={os.cpu_count()}")
    cached_pages = {"progress (county)", "progress (township)", "skill-gap report"}
    for label, path in pages.items():
        modes = ("cold", "cached") if label in cached_pages else ("",)
        for mode in modes:
            # cold: the figures cache off, every request runs the SQL; cached: repeat views
            app.config["TRAINING_FIGURES_CACHE_SECONDS"] = 0 if mode == "cold" else 60
            client.get(path)  # warm up (template compile, SQLite page cache, the cache entry)

            def get(path=path):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            times = sorted(benchlib.timed(get, args.runs)[0])
            # this bench's own p95 rank (not benchlib.percentile), so figures in docs/training.md stay comparable
            p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
            name = f"{label} {mode}".strip()
            print(f"{name:<30} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   min {times[0]:7.1f} ms")


if __name__ == "__main__":
    main()
