"""Calibrate the classifier's scores on the dev half of the labelled titles.

The hand-set weights rank candidates; this fits
``score = sigmoid(a * logit + c * (logit - best logit of the title) + b)`` on
every scored dev candidate (1 when it is the labelled code), so scores
estimate the probability of being right, and the first answer's score the
probability that the first answer is right.

Run from the repository root:  python scripts/bench/fit_scorer.py
Writes jobmatch/occupations/data/scorer.json. Only ``dev`` titles are read,
so the held-out ``test`` figures of bench_classify.py stay honest.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from jobmatch.occupations.classify import DEFAULT_WEIGHTS, OccupationClassifier  # noqa: E402
from jobmatch.occupations.evaluation import load_eval_titles  # noqa: E402

OUT = ROOT / "jobmatch" / "occupations" / "data" / "scorer.json"


def main() -> None:
    dev = load_eval_titles("dev")
    classifier = OccupationClassifier(calibration=(1.0, 0.0, 0.0))
    rows, labels = [], []
    for item in dev:
        codes, matrix = classifier.features(item.title)
        logits = classifier.logits(matrix)
        rows.extend(zip(logits.tolist(), (logits - logits.max()).tolist(), strict=True))
        labels.extend(1 if code == item.code else 0 for code in codes)
    x, y = np.array(rows), np.array(labels)
    model = LogisticRegression(C=100.0, max_iter=5000)
    model.fit(x, y)
    (a, c), b = model.coef_[0].tolist(), float(model.intercept_[0])
    data_hash = hashlib.sha256("\n".join(f"{i.title}\t{i.code}" for i in dev).encode()).hexdigest()[:16]
    OUT.write_text(
        json.dumps(
            {
                "calibration": {"a": round(a, 4), "c": round(c, 4), "b": round(b, 4)},
                "weights": DEFAULT_WEIGHTS,
                "fitted_on": "dev split of eval_titles.csv",
                "dev_titles": len(dev),
                "candidate_rows": len(y),
                "positives": int(y.sum()),
                "dev_data_sha256_16": data_hash,
                "sklearn": sklearn.__version__,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"calibration a={a:.4f} c={c:.4f} b={b:.4f} on {len(y)} dev candidates ({int(y.sum())} right)")


if __name__ == "__main__":
    main()
