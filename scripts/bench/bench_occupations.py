"""Occupation codes in the app at county scale: postings import, 职业分布, person codes.

Run from the repository root:  python scripts/bench/bench_occupations.py [--scale county] [--runs 20]

Builds the demo county (``jobmatch.demo``) into a temporary SQLite database, then times:
- importing a 10,000-row postings file whose titles are all different noisy titles (the
  worst case for the classifier: every title is classified; real files repeat titles and
  each distinct title is classified once), and the part of it spent classifying;
- ``occupation_indicators`` for the county reviewer's scope: by 大类, and by the 中类 of 大类 6;
- ``person_occupation_codes`` for every person of the county (the matching pipeline's call).
Prints medians and 95th percentiles. ``--keep DIR`` keeps the database, ``--reuse DIR``
times an existing one without rebuilding it (the import then adds 10,000 more postings).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))

HEADER = ["岗位编号", "用工单位", "渠道", "岗位名称", "招聘人数", "工作地点", "工作省份", "安置点", "最低年龄", "最高年龄",
          "文化程度要求", "技能要求", "优先技能", "证书要求", "劳动强度", "工作时间", "月薪下限(元)", "月薪上限(元)",
          "包吃住", "截止日期", "经度", "纬度"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(label: str, samples: list[float]) -> None:
    print(f"{label:<40} p50 {statistics.median(samples):8.1f} ms   p95 {percentile(samples, 0.95):8.1f} ms"
          f"   (n={len(samples)})")


def postings_file(titles: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i, title in enumerate(titles):
        writer.writerow([f"GWB{i:06d}", f"江苏劳务协作站{i % 40}", "劳务输出", title[:80], 10, "江苏苏州", "江苏", "",
                         18, 50, "不限", "", "", "", "中", "两班倒", 4000, 6000, "是", "2030-12-31", "", ""])
    return out.getvalue().encode("utf-8-sig")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["site", "county"], default="county")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", help="build into this folder and keep it")
    parser.add_argument("--reuse", help="time an existing instance folder (no rebuild)")
    args = parser.parse_args()

    temporary = not (args.reuse or args.keep)
    folder = Path(args.reuse or args.keep or tempfile.mkdtemp(prefix="jobmatch-bench-occ-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.update(JOBMATCH_INSTANCE_PATH=str(folder), JOBMATCH_COOKIE_SECURE="false")
    os.environ.setdefault("JOBMATCH_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("JOBMATCH_DATA_KEY", "bench-data-key-0123456789")
    os.environ.pop("JOBMATCH_DATABASE_URL", None)

    import sqlalchemy as sa
    from bench_classify import noisy_titles
    from flask_migrate import upgrade

    from jobmatch import create_app
    from jobmatch.accounts.models import Role, User
    from jobmatch.accounts.services import user_scope
    from jobmatch.extensions import db
    from jobmatch.jobs import occupation_codes
    from jobmatch.jobs.models import Posting
    from jobmatch.people.models import Person
    from jobmatch.spreadsheets.importing import run_import
    from jobmatch.vocab import occupations as vocab_occupations

    app = create_app(WTF_CSRF_ENABLED=False)
    try:
        with app.app_context():
            if not args.reuse:
                upgrade()
                from jobmatch.demo import build_demo

                started = time.perf_counter()
                build_demo(scale=args.scale, seed=args.seed, echo=lambda m: print(f"  {m}", file=sys.stderr))
                db.session.commit()
                print(f"demo {args.scale} built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            reviewer = db.session.scalar(sa.select(User).where(User.role == Role.COUNTY_REVIEWER))
            scope = user_scope(reviewer)
            people = db.session.scalar(sa.select(sa.func.count(Person.id)))
            postings = db.session.scalar(sa.select(sa.func.count(Posting.id)))
            print(f"database: {people} people, {postings} postings; scope {scope.label}")

            vocab_occupations.classifier()  # built once per process (about 2 s), not part of an import
            titles = list(dict.fromkeys(noisy_titles(args.rows * 2)))[:args.rows]
            spent = []
            real = vocab_occupations.suggest_many

            def timed(batch, top=5):
                started, cpu = time.perf_counter(), time.process_time()
                try:
                    return real(batch, top=top)
                finally:
                    spent.append((len(batch), time.perf_counter() - started, time.process_time() - cpu))

            vocab_occupations.suggest_many = timed
            started = time.perf_counter()
            run_import("postings", postings_file(titles), "bench.csv", scope=scope)
            db.session.commit()
            total = time.perf_counter() - started
            vocab_occupations.suggest_many = real
            classified = sum(n for n, _, _ in spent)
            print(f"import of {len(titles)} postings (all titles distinct): {total:.1f} s in all, "
                  f"{sum(s for _, s, _ in spent):.2f} s classifying {classified} distinct titles "
                  f"(CPU {sum(c for _, _, c in spent):.2f} s; {len(spent)} call)")
            print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
            coded = db.session.scalar(sa.select(sa.func.count(Posting.id)).where(Posting.csco_code.is_not(None)))
            print(f"postings with a code: {coded} of {db.session.scalar(sa.select(sa.func.count(Posting.id)))}")

            for label, major in (("occupation_indicators by 大类", None), ("occupation_indicators 大类 6 by 中类", "6")):
                samples = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    occupation_codes.occupation_indicators(scope, major)
                    samples.append((time.perf_counter() - started) * 1000)
                    db.session.rollback()
                report(label, samples)

            ids = list(db.session.scalars(sa.select(Person.id).where(scope.filter(Person.site_id))))
            samples = []
            for _ in range(max(3, args.runs // 4)):
                started = time.perf_counter()
                found = occupation_codes.person_occupation_codes(db.session, ids)
                samples.append((time.perf_counter() - started) * 1000)
            report(f"person_occupation_codes ({len(ids)} people)", samples)
            print(f"  people with at least one code: {len(found)}")
            db.session.remove()
            db.engine.dispose()
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
