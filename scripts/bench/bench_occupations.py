"""Occupation codes in the app at county scale: postings import, 职业分布, person codes.

Run from the repository root:  python scripts/bench/bench_occupations.py [--scale county] [--runs 20]

Builds the demo county (``jobmatch.demo``) into a temporary SQLite database, then times:
- importing a 10,000-row postings file whose titles are all different noisy titles (the
  worst case for the classifier: every title is classified; real files repeat titles and
  each distinct title is classified once), and the part of it spent classifying;
- ``occupation_indicators`` for the county reviewer's scope: by 大类, and by the 中类 of 大类 6;
- ``person_occupation_codes`` for every person of the county (the matching pipeline's call).
Prints medians and 95th percentiles. ``--keep DIR`` keeps the database, ``--reuse DIR``
times an existing one without rebuilding it (the import then adds 10,000 more postings;
``--no-import`` leaves the import out, so repeated runs time the same data).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import time

import benchlib

HEADER = ["岗位编号", "用工单位", "渠道", "岗位名称", "招聘人数", "工作地点", "工作省份", "安置点", "最低年龄", "最高年龄",
          "文化程度要求", "技能要求", "优先技能", "证书要求", "劳动强度", "工作时间", "月薪下限(元)", "月薪上限(元)",
          "包吃住", "截止日期", "经度", "纬度"]


def report(label: str, samples: list[float]) -> None:
    benchlib.report(label, samples, digits=8, show_max=False)


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
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--no-import", action="store_true", help="time the queries only (no postings import)")
    benchlib.run_demo_bench(parser, bench, prefix="jobmatch-bench-occ-", WTF_CSRF_ENABLED=False)


def time_import(scope, rows: int) -> None:
    """Import ``rows`` postings with all titles distinct and print the time spent classifying."""
    from bench_classify import noisy_titles

    from jobmatch.extensions import db
    from jobmatch.spreadsheets.importing import run_import
    from jobmatch.vocab import occupations as vocab_occupations

    vocab_occupations.classifier()  # built once per process (about 2 s), not part of an import
    titles = list(dict.fromkeys(noisy_titles(rows * 2)))[:rows]
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


def bench(app, args) -> None:
    import sqlalchemy as sa

    from jobmatch.accounts.services import user_scope
    from jobmatch.extensions import db
    from jobmatch.jobs import occupation_codes
    from jobmatch.jobs.models import Posting
    from jobmatch.people.models import Person

    with app.app_context():
        scope = user_scope(benchlib.county_reviewer())
        people, postings = benchlib.count(Person), benchlib.count(Posting)
        print(f"database: {people} people, {postings} postings; scope {scope.label}")

        if not args.no_import:
            time_import(scope, args.rows)
        print(f"load average: {benchlib.load_averages()} on {os.cpu_count()} CPUs")
        coded = benchlib.count(Posting, Posting.csco_code.is_not(None))
        print(f"postings with a code: {coded} of {benchlib.count(Posting)}")

        for label, major in (("occupation_indicators by 大类", None), ("occupation_indicators 大类 6 by 中类", "6")):
            report(label, benchlib.timed(lambda major=major: occupation_codes.occupation_indicators(scope, major),
                                         args.runs, after=db.session.rollback)[0])

        ids = list(db.session.scalars(sa.select(Person.id).where(scope.filter(Person.site_id))))
        last = {}

        def codes():
            last["found"] = occupation_codes.person_occupation_codes(db.session, ids)

        samples = benchlib.timed(codes, max(3, args.runs // 4))[0]
        report(f"person_occupation_codes ({len(ids)} people)", samples)
        print(f"  people with at least one code: {len(last['found'])}")


if __name__ == "__main__":
    main()
