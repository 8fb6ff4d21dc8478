"""Matching through the app at county scale: engine build, one person, one posting, everyone, training.

Run from the repository root:  python scripts/bench/bench_matching_app.py [--keep DIR | --reuse DIR]

Builds the demo county (``jobmatch demo-data --scale county``: ~96,000 people, ~3,000 open
postings, ~50,000 referral outcomes) into a temporary SQLite database and times, through
``jobmatch.matching.service`` (the app adapter) rather than the pure engine:

- loading the records from the database and building the engine (``get_engine()``);
- ``jobmatch train`` (``service.train_model``: reading the data, both model families, GroupKFold
  and time split, the final fit, saving the artefact and the version row);
- one person's ranking of every open posting with explanations (``service.rank_for_person``,
  reading the top 20 results' reasons), and its ratio to one numpy pass ``X @ w`` over the same
  candidate feature matrix (as ``bench_matching.py`` measures it);
- a posting's top-50 shortlist with both orders and explanations among ~60,000 workers (every
  able person who is not a student: the engine on row numbers), and the app's own pool
  (``service.shortlist``: job seekers not in work, county staff scope);
- ``jobmatch recommend --all --format jsonl`` as a subprocess (engine build included), output
  discarded.

Figures on this shared 2-core machine are pessimistic: other processes compete for the cores.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import benchlib
import numpy as np
from benchlib import percentile_ms as pct


def line(label: str, values) -> None:
    print(f"  {label:<58} p50 {pct(values, 50):7.1f} ms   p95 {pct(values, 95):7.1f} ms   (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=300)
    parser.add_argument("--shortlists", type=int, default=100)
    parser.add_argument("--skip-all", action="store_true", help="do not time recommend --all")
    # the demo's own training step is timed separately below
    benchlib.run_demo_bench(parser, bench, skip_steps=("_matching_step",))


def bench(app, args) -> None:
    from jobmatch.extensions import db
    from jobmatch.matching import features, service
    from jobmatch.matching.pairs import PairBlock
    from jobmatch.places.services import all_sites_scope

    with app.app_context():
        print(f"load average at start {benchlib.load_average():.2f}")
        # ---- training (jobmatch train) ---------------------------------------------------------
        t = time.perf_counter()
        result, row = service.train_model(actor="bench")
        train_s = time.perf_counter() - t
        gk = result.metrics.get("group_kfold", {})
        ts = result.metrics.get("time_split", {})
        print(f"training (read data + train + evaluate + save): {train_s:.1f} s "
              f"(engine's own timing {result.timings.get('total_s', 0):.1f} s); "
              f"labelled referrals {result.meta.get('n_labelled')}")
        for kind in (result.kind, "rules", "random"):
            if kind in gk:
                tsv = f"{ts[kind]['ndcg10']:.3f}" if kind in ts else "—"
                print(f"  {kind:<9} GroupKFold NDCG@10 {gk[kind]['ndcg10']:.3f}  AUC {gk[kind]['auc']:.3f}   "
                      f"time split NDCG@10 {tsv}")
        print(f"  decision: {result.decision.get('reason')}")
        print(f"  active: {row.version if row is not None and row.is_active else 'rules'}")

        # ---- engine build ------------------------------------------------------------------------
        service.reset()
        t = time.perf_counter()
        engine = service.get_engine()
        build_s = time.perf_counter() - t
        state = service.engine_state()
        d = engine.data
        print(f"engine build (DB → records → arrays → scorer): {build_s:.2f} s  "
              + "  ".join(f"{k} {v:.2f}" for k, v in state.timings.items() if not k.startswith("load_")))
        print(f"  {len(d.people):,} people, {len(d.postings):,} postings ({len(d.open_postings):,} open), "
              f"{len(d.outcomes):,} outcomes; "
              f"scorer: {engine.scorer.label}")

        rng = random.Random(args.seed)
        seekers = d.job_seekers()
        picks = [int(x) for x in rng.sample(list(seekers), min(args.persons, len(seekers)))]
        ids = [d.people.records[i].person_id for i in picks]
        service.rank_for_person(ids[0])  # warm caches
        times, ratios = [], []
        w = np.random.default_rng(0).random(len(features.FEATURE_NAMES)).astype(np.float32)
        for i, pid in zip(picks, ids, strict=True):
            t = time.perf_counter()
            ranking = service.rank_for_person(pid)
            for r in ranking.results[:20]:
                _ = r.reasons
            _ = ranking.raise_chances
            dt_ = time.perf_counter() - t
            times.append(dt_)
            X = features.compute(PairBlock.for_person(d, i))
            reps = 20
            t = time.perf_counter()
            for _ in range(reps):
                X @ w
            ratios.append(dt_ / ((time.perf_counter() - t) / reps))
        print(f"one person × {len(d.open_postings):,} open postings, service.rank_for_person + top-20 reasons:")
        line("ranking with explanations", times)
        print(f"  ratio to one numpy pass (X @ w, {len(d.open_postings)}×{len(features.FEATURE_NAMES)}): "
              f"median {np.median(ratios):.0f}×, p95 {np.percentile(ratios, 95):.0f}×")

        # ---- one posting ---------------------------------------------------------------------------
        p = d.people
        workers = np.flatnonzero((p.capacity != 3) & (p.status != 6))[:60_000].astype(np.int32)
        open_rows = [int(x) for x in d.open_postings]
        posting_picks = [d.postings.records[j].posting_id for j in rng.sample(open_rows, min(args.shortlists,
                                                                                              len(open_rows)))]
        engine.shortlist(posting_picks[0], top=50, person_rows=workers)
        times = []
        for qid in posting_picks:
            t = time.perf_counter()
            engine.shortlist(qid, top=50, person_rows=workers)
            times.append(time.perf_counter() - t)
        line(f"top-50 shortlist among {len(workers):,} workers (both orders)", times)
        scope = all_sites_scope()
        times, pool = [], []
        for qid in posting_picks:
            t = time.perf_counter()
            rows = service.candidate_rows(qid, scope=scope)
            service.get_engine().shortlist(qid, top=50, person_rows=rows)
            times.append(time.perf_counter() - t)
            pool.append(len(rows))
        line(f"service.shortlist, app pool (median {int(np.median(pool)):,} not in work)", times)
        db.session.rollback()

    # ---- everyone (subprocess: the real command, engine build included) ---------------------------
    if not args.skip_all:
        exe = Path(sys.executable).parent / "jobmatch"
        t = time.perf_counter()
        proc = subprocess.run([str(exe), "recommend", "--all", "--format", "jsonl"], env=dict(os.environ),
                              capture_output=True, check=True)
        total = time.perf_counter() - t
        n = proc.stdout.count(b"\n")
        print(f"jobmatch recommend --all --format jsonl: {n:,} people in {total:.1f} s (process start, "
              f"engine build and output included)")
    print(f"load average at the end {benchlib.load_average():.2f} (other processes share the 2 cores)")


if __name__ == "__main__":
    main()
