"""Register benchmark at county scale: import of a 96,000-row xlsx, person search, household page.

Builds the demo county's register as an xlsx file (no database needed for that), imports it
into a fresh SQLite database (or ``--database-url``), then times person searches and
household pages through the full Flask stack as a signed-in county reviewer.

    .venv/bin/python scripts/bench/bench_register.py [--scale county] [--queries 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import tempfile
import time
from pathlib import Path

import benchlib


def register_xlsx(people, plan) -> tuple[bytes, bytes]:
    from jobmatch.spreadsheets.columns import REGISTER, SITES
    from jobmatch.spreadsheets.register import write_xlsx

    def label(v):
        return v.label if v is not None else ""

    def yn(flag):
        return "是" if flag else "否"

    rows = (
        [f.household_code, f.county, f.township, f.site, f.name, f.id_number, f.relation.label, label(f.sex),
         f.birth_date.isoformat(), f.phone or "", label(f.education), f.labor_capacity.label, f.employment_status.label,
         f.workplace or "", f.monthly_income or "", label(f.work_preference), f.expected_wage or "", yn(f.wants_training),
         "、".join(f.skills), "、".join(f.certificates), yn(f.is_monitored), yn(f.has_care_duty)]
        for f in people
    )
    register, sites = io.BytesIO(), io.BytesIO()
    write_xlsx(register, REGISTER, "劳动力台账", rows)
    write_xlsx(sites, SITES, "安置点", ([ "平利县", t, s, lon, lat, None, None] for t, s, lon, lat in plan))
    return register.getvalue(), sites.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="county", choices=["site", "county"])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()

    from jobmatch import create_app
    from jobmatch.config import TestingConfig
    from jobmatch.demo import generate_people
    from jobmatch.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="jobmatch-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite'}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(tmp), PASSWORD_HASH_FAST=True)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    t0 = time.perf_counter()
    plan, people = generate_people(args.scale, 7, dt.date.today())
    register, sites = register_xlsx(people, plan)
    print(f"register file: {len(people):,} rows, {len(register) / 1e6:.1f} MB xlsx (built in {time.perf_counter() - t0:.1f} s)")

    with app.app_context():
        from jobmatch.spreadsheets import loaders  # noqa: F401
        from jobmatch.spreadsheets.importing import run_import

        run_import("sites", sites, "sites.xlsx")
        db.session.commit()
        t0 = time.perf_counter()
        outcome = run_import("register", register, "register.xlsx")
        db.session.commit()
        seconds = time.perf_counter() - t0
        print(f"import register xlsx: {seconds:.1f} s for {outcome.added:,} new rows (target ≤ 60 s)")
        t0 = time.perf_counter()
        again = run_import("register", register, "register.xlsx")
        db.session.commit()
        print(f"re-import same file (idempotent, {again.unchanged:,} unchanged): {time.perf_counter() - t0:.1f} s")

        from jobmatch.accounts.models import Role
        from jobmatch.accounts.services import create_user
        from jobmatch.people.models import Person

        create_user("bench", "bench-password-1", Role.COUNTY_REVIEWER, "平利县")
        db.session.commit()
        sample = db.session.execute(
            db.select(Person.name, Person.name_initials, Person.id_number_enc, Person.phone_enc, Person.household_id)
        ).all()

    rng = random.Random(1)
    from jobmatch.protect import Protector

    prot = Protector(app.config["DATA_KEY"])
    client = app.test_client()
    benchlib.login(client, "bench", "bench-password-1")

    queries = []
    for _ in range(args.queries):
        name, initials, id_enc, phone_enc, _hid = rng.choice(sample)
        kind = rng.randrange(5)
        queries.append([name, name[1:], initials, prot.decrypt(id_enc)[-6:],
                        prot.decrypt(phone_enc) or name][kind])

    def get(path: str, **query) -> None:
        response = client.get(path, query_string=query)
        assert response.status_code == 200

    timings = benchlib.timed_each(lambda q: get("/staff/people", q=q), queries)[0]
    print(f"person search (name / part / pinyin initials / ID tail / phone), {len(timings)} requests: "
          f"median {statistics.median(timings):.1f} ms, p95 {benchlib.percentile(timings, 0.95):.1f} ms (target p95 ≤ 100 ms)")
    households = [rng.choice(sample)[4] for _ in range(args.queries)]
    timings = benchlib.timed_each(lambda hid: get(f"/staff/households/{hid}"), households)[0]
    print(f"household page, {len(timings)} requests: median {statistics.median(timings):.1f} ms, "
          f"p95 {benchlib.percentile(timings, 0.95):.1f} ms (target p95 ≤ 100 ms)")


if __name__ == "__main__":
    main()
