"""Occupation classifier: accuracy against the baseline, and speed.

Run from the repository root:  python scripts/bench/bench_classify.py [--runs 5]

Accuracy is measured on jobmatch/occupations/data/eval_titles.csv, split by a
hash of the title into ``dev`` (used for tuning and for calibrating scores)
and ``test`` (held out). The baseline is a plain char 1-3-gram TF-IDF over
CSCO names + aliases applied to the raw titles. Speed is the wall time of
``classify_many`` over 10,000 distinct noisy titles (median of --runs runs,
title-cleaning cache cleared before each run). Titles that clean to the same
text are classified once, so a second, worst-case figure makes every cleaned
title distinct by appending two random characters as an extra segment.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

import benchlib

from jobmatch.occupations.classify import OccupationClassifier
from jobmatch.occupations.clean import clean_title
from jobmatch.occupations.evaluation import BaselineClassifier, accuracy, load_eval_titles

PREFIXES = [
    "",
    "",
    "【急招】",
    "苏州",
    "昆山",
    "东莞长安",
    "平利县",
    "安康市汉滨区",
    "招聘",
    "诚聘",
    "宁波慈溪",
]
SUFFIXES = [
    "",
    " 包吃住",
    " 月薪6000-8000",
    " 五险一金 双休",
    " 长白班",
    " 日结200元/天",
    " 18-45岁 男女不限",
    " 招3人",
    " 计件 多劳多得",
    "（公益性岗位）",
    " 8k",
]


def noisy_titles(n: int, seed: int = 20261123) -> list[str]:
    """``n`` distinct titles built from the labelled ones plus place/salary/benefit noise."""
    rng = random.Random(seed)
    base = [row.title for row in load_eval_titles()]
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        title = rng.choice(PREFIXES) + rng.choice(base) + rng.choice(SUFFIXES) + rng.choice(SUFFIXES)
        if rng.random() < 0.5:
            title += f" 编号{rng.randrange(100000)}"  # keeps titles distinct, as real postings are
        if title not in seen:
            seen.add(title)
            out.append(title)
    return out


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs over 10,000 titles")
    args = parser.parse_args()

    started = time.perf_counter()
    classifier = OccupationClassifier()
    build_s = time.perf_counter() - started
    baseline = BaselineClassifier()

    def ours(titles):
        return [[c.code for c in r.candidates] for r in classifier.classify_many(titles, top=5)]

    print("accuracy (细类 top-1 / top-5, 中类 of the first answer)")
    print(f"{'split':<6} {'n':>4}  {'method':<9} {'top-1':>7} {'top-5':>7} {'中类 top-1':>11}")
    for split in ("dev", "test"):
        rows = load_eval_titles(split)
        for name, predict in (("baseline", baseline.predict), ("ours", ours)):
            acc = accuracy(predict, rows)
            print(
                f"{split:<6} {acc.n:>4}  {name:<9} {pct(acc.top1):>7} {pct(acc.top5):>7} {pct(acc.medium_top1):>11}"
            )

    titles = noisy_titles(10_000)
    rng = random.Random(7)
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    worst = [f"{t} {rng.choice(han)}{rng.choice(han)}" for t in titles]
    print()
    print(f"model build (catalogue + synonyms + TF-IDF fit): {build_s:.2f} s")
    print(
        f"load average while timing: {benchlib.load_averages()} on {os.cpu_count()} CPUs"
    )
    for label, batch in (("noisy titles", titles), ("worst case, all cleaned texts distinct", worst)):
        distinct = len({clean_title(t) for t in batch})
        wall, cpu = benchlib.timed(lambda batch=batch: classifier.classify_many(batch, top=5), args.runs,
                                   before=clean_title.cache_clear)
        timings = sorted(ms / 1000 for ms in wall)
        p95 = benchlib.percentile(timings, 0.95)
        median = statistics.median(timings)
        print(
            f"classify_many, 10,000 {label} ({distinct:,} distinct after cleaning), top=5: "
            f"median {median:.2f} s, p95 {p95:.2f} s, min {timings[0]:.2f} s over {len(timings)} runs "
            f"({10_000 / median:,.0f} titles/s; median CPU time {statistics.median(cpu) / 1000:.2f} s)"
        )


if __name__ == "__main__":
    main()
