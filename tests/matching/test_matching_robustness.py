"""Sparse, odd or empty inputs never crash and never warn."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from jobmatch.matching.data import MatchingData
from jobmatch.matching.rank import MatchingEngine
from jobmatch.matching.records import OutcomeRecord, PersonRecord, PostingRecord
from jobmatch.matching.train import format_report, train


def _bare_person(k: int) -> PersonRecord:
    return PersonRecord(
        person_id=f"P{k}",
        birth_date=None,
        sex=None,
        education=None,
        labor_capacity="FULL",
        employment_status="UNEMPLOYED",
        work_preference="LOCAL",
    )


def _bare_posting(k: int, **kw) -> PostingRecord:
    return PostingRecord(posting_id=f"Q{k}", code=f"GW{k:05d}", employer_id="E1", channel="OTHER", **kw)


def test_records_with_nothing_optional():
    people = [_bare_person(k) for k in range(5)]
    postings = [_bare_posting(k) for k in range(4)] + [_bare_posting(9, province="广东")]
    d = MatchingData(people, postings)  # no outcomes, no names, as_of today
    eng = MatchingEngine(d)
    r = eng.rank_for_person("P1")
    assert len(r.results) == 5  # location unknown everywhere: nothing is known to be far
    assert all(x.reasons for x in r.results)
    assert any("工作地点不详" in x.negatives for x in r.results)
    sl = eng.shortlist("GW00002", top=3)
    assert len(sl.model_order) == 3
    assert list(eng.recommend_all(top=2))
    res = train(d)
    assert res.estimator is None and "样本不足" in format_report(res)


def test_no_open_postings_and_no_job_seekers():
    people = [_bare_person(0)]
    postings = [_bare_posting(0, is_open=False)]
    d = MatchingData(people, postings)
    eng = MatchingEngine(d)
    r = eng.rank_for_person("P0")
    assert len(r.results) == 0 and len(r.excluded) == 0 and r.raise_chances is None
    d2 = MatchingData([PersonRecord("X", None, None, None, "NONE", "OTHER", "NONE")], [_bare_posting(1)])
    assert list(MatchingEngine(d2).recommend_all()) == []
    assert MatchingEngine(d2).shortlist("GW00001").model_order == []


def test_outcomes_naming_unknown_rows_are_dropped_and_pending_ones_ignored():
    people = [_bare_person(k) for k in range(3)]
    postings = [_bare_posting(k) for k in range(2)]
    day = date(2026, 1, 1)
    outs = [
        OutcomeRecord("P0", "Q0", day, "REFERRED"),
        OutcomeRecord("nobody", "Q0", day, "HIRED", day + timedelta(days=2)),
        OutcomeRecord("P1", "Q9", day, "REJECTED"),
    ]
    d = MatchingData(people, postings, outs, as_of=day + timedelta(days=10))
    assert len(d.outcomes) == 1 and d.outcomes.dropped == 2
    assert np.isfinite(MatchingEngine(d).rank_for_person("P0").results[0].score)


def test_bad_enum_values_are_reported_clearly():
    import pytest

    with pytest.raises(ValueError, match="unknown labor_capacity 'STRONG'"):
        MatchingData([PersonRecord("X", None, None, None, "STRONG", "OTHER", "ANY")], [])
    with pytest.raises(ValueError, match="duplicate posting_id"):
        MatchingData([], [_bare_posting(1), _bare_posting(1)])


def test_engine_never_imports_the_app_stack():
    import pathlib
    import re

    # the app adapter (docs/matching.md §12) lives beside the engine; nothing else may touch the app
    adapter = {"source", "service", "dbmodels", "pages", "cli", "api_views", "staff_views"}
    root = pathlib.Path(__file__).resolve().parents[2] / "jobmatch" / "matching"
    pure = [p for p in root.glob("*.py") if p.stem not in adapter]
    assert {p.stem for p in pure} >= {"data", "features", "limits", "rank", "registry", "train"}
    for path in pure:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+(flask|sqlalchemy|flask_\w+)", text, re.M | re.I), (
            path.name
        )
        assert not re.search(r"^\s*from\s+(\.|jobmatch\.matching\.)(" + "|".join(adapter) + r")\b", text, re.M), (
            path.name
        )
        assert "tests.matching" not in text and "synth" not in text, path.name
