"""Benchmark the matching engine at county scale on synthetic data.

    .venv/bin/python scripts/bench/bench_matching.py [--people 96000] [--postings 3000] [--outcomes 50000]

Prints: training time and held-out NDCG@10 / AUC (model vs rules vs random), one-person
ranking p50/p95 with explanations and its ratio to one numpy pass over the same candidate
feature matrix, a posting's top-50 shortlist among ~60,000 workers p50/p95, and the time to
recommend for every job seeker.
"""

from __future__ import annotations

import argparse
import os
import time

import benchlib
import numpy as np
from benchlib import percentile_ms as pct

from jobmatch.matching import features
from jobmatch.matching.data import MatchingData
from jobmatch.matching.pairs import PairBlock
from jobmatch.matching.rank import MatchingEngine
from jobmatch.matching.rules import RuleScorer
from jobmatch.matching.scoring import ModelScorer
from jobmatch.matching.train import train
from tests.matching import synth


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=96_000)
    ap.add_argument("--postings", type=int, default=3_000)
    ap.add_argument("--outcomes", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--persons", type=int, default=300, help="people timed for one-person ranking")
    ap.add_argument("--shortlists", type=int, default=40, help="postings timed for shortlists")
    ap.add_argument("--scorers", default="model,rules", help="which scorers to time: model,rules")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}; numpy {np.__version__}; load average {benchlib.load_average():.2f}")

    t = time.perf_counter()
    county = synth.generate(
        args.people, args.postings, args.outcomes, n_closed=args.postings // 3, seed=args.seed
    )
    print(
        f"synthetic county: {len(county.people)} people, {args.postings} open postings, "
        f"{len(county.outcomes)} outcomes ({time.perf_counter() - t:.1f} s to generate)"
    )
    t = time.perf_counter()
    data = MatchingData(county.people, county.postings, county.outcomes, county.names, as_of=county.cutoff)
    seekers = data.job_seekers()
    print(f"MatchingData built in {time.perf_counter() - t:.2f} s; job seekers: {len(seekers)}")

    # ---- training ------------------------------------------------------------------------------
    t = time.perf_counter()
    result = train(data)
    train_s = time.perf_counter() - t
    print(
        f"\ntraining: {train_s:.1f} s (model family chosen: {result.kind}; "
        f"{result.meta['n_labelled']} labelled referrals)"
    )
    for split in ("group_kfold", "time_split"):
        block = result.metrics.get(split) or {}
        if not block:
            continue
        print(f"  {split:<12} {'NDCG@10':>8} {'(posting)':>10} {'(person)':>9} {'AUC':>7}")
        for kind, m in block.items():
            print(
                f"  {kind:<12} {m['ndcg10']:>8.3f} {m['ndcg10_posting']:>10.3f} {m['ndcg10_person']:>9.3f} {m['auc']:>7.3f}"
            )
    cal = result.calibration[result.kind]
    print(f"  calibration ({result.kind}, out-of-fold): Brier {cal['brier']:.4f}, ECE {cal['ece']:.4f}")
    print(f"  switch: {'model' if result.activate else 'rules'} — {result.decision['reason']}")

    model = ModelScorer(result.estimator, "bench", result.meta)
    print(f"  model scorer compiled to additive numpy form: {model.fast is not None}")

    rng = np.random.default_rng(args.seed)
    for name, scorer in (("model", model), ("rules", RuleScorer())):
        if name not in args.scorers.split(","):
            continue
        engine = MatchingEngine(data, scorer)
        print(f"\n== scorer: {name} ==")
        # ---- one person --------------------------------------------------------------------------
        people = rng.choice(seekers, args.persons, replace=False)
        engine.rank_for_person(data.people.records[people[0]].person_id)  # warm caches
        times, times_all, ratios, n_ranked = [], [], [], []
        w = rng.random(len(features.FEATURE_NAMES)).astype(np.float32)
        for i in people:
            pid = data.people.records[i].person_id
            t = time.perf_counter()
            pr = engine.rank_for_person(pid)
            for r in pr.results[:20]:
                _ = r.reasons
            dt = time.perf_counter() - t
            times.append(dt)
            n_ranked.append(len(pr.results))
            t = time.perf_counter()
            for r in pr.results:
                _ = r.reasons
            for x in pr.excluded:
                _ = x.reasons
            times_all.append(dt + time.perf_counter() - t)
            # one numpy pass over the same candidate feature matrix (all open postings × features)
            block = PairBlock.for_person(data, int(i))
            X = features.compute(block)
            reps = 20
            t = time.perf_counter()
            for _ in range(reps):
                X @ w
            ratios.append(dt / ((time.perf_counter() - t) / reps))
        print(
            f"one person × {len(data.open_postings)} open postings (limits, features, score, sort, "
            f"top-50 explanations + raise-chances line; mean {np.mean(n_ranked):.0f} ranked):"
        )
        print(f"  p50 {pct(times, 50):.2f} ms   p95 {pct(times, 95):.2f} ms")
        print(
            f"  …with reasons for every ranked and excluded posting: p50 {pct(times_all, 50):.2f} ms"
            f"   p95 {pct(times_all, 95):.2f} ms"
        )
        print(
            f"  ratio to one numpy pass (X @ w over the {len(data.open_postings)}×{X.shape[1]} "
            f"candidate matrix): median {np.median(ratios):.0f}×, p95 {np.percentile(ratios, 95):.0f}×"
        )

        # ---- one posting ---------------------------------------------------------------------------
        p = data.people
        workers = np.flatnonzero((p.capacity != 3) & (p.status != 6))[:60_000]
        worker_ids = [p.records[i].person_id for i in workers]
        postings = rng.choice(data.open_postings, args.shortlists, replace=False)
        engine.shortlist(data.postings.records[postings[0]].posting_id, top=50, person_ids=worker_ids)
        times = []
        rows = np.asarray(workers, dtype=np.int32)
        for j in postings:
            t = time.perf_counter()
            # person_ids resolution is the app's job; time the engine on row numbers
            _shortlist_rows(engine, int(j), rows)
            times.append(time.perf_counter() - t)
        print(f"top-50 shortlist among {len(workers)} workers (with both orders and explanations):")
        print(f"  p50 {pct(times, 50):.1f} ms   p95 {pct(times, 95):.1f} ms")

        # ---- everyone ------------------------------------------------------------------------------
        t = time.perf_counter()
        n = sum(1 for _ in engine.recommend_all(top=10))
        print(
            f"recommend for every job seeker: {n} people, top 10 each with reasons: {time.perf_counter() - t:.1f} s"
        )
        print(
            f"(load average now {benchlib.load_average():.2f}: other processes on this machine slow every figure)"
        )


def _shortlist_rows(engine: MatchingEngine, posting_row: int, person_rows: np.ndarray):
    return engine.shortlist(
        engine.data.postings.records[posting_row].posting_id, top=50, person_rows=person_rows
    )


if __name__ == "__main__":
    main()
