"""Occupation codes in the app: the classify-title command and learned corrections."""

import json

import pytest

from jobmatch.errors import ValidationError
from jobmatch.extensions import db
from jobmatch.vocab.occupations import learn, suggest


def test_classify_title_jsonl_and_stdin(runner, app):
    result = runner.invoke(args=["classify-title", "保洁阿姨", "-", "--top", "3", "--format", "jsonl"],
                           input="电子厂普工包吃住\n\n苏州线束操作工\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["title"] for line in lines] == ["保洁阿姨", "电子厂普工包吃住", "苏州线束操作工"]
    assert lines[0]["results"][0] == {"code": "4-09-08-01", "name": "保洁员", "score": lines[0]["results"][0]["score"]}
    assert all(len(line["results"]) == 3 for line in lines)
    scores = [r["score"] for r in lines[1]["results"]]
    assert scores == sorted(scores, reverse=True) and 0 <= scores[-1] <= scores[0] <= 1


def test_classify_title_table(runner, app):
    result = runner.invoke(args=["classify-title", "护林员"])
    assert result.exit_code == 0 and "5-02-03-01" in result.output and "护林员" in result.output


def test_a_correction_becomes_an_alias(app):
    title = "园区打杂师傅"
    before = suggest(title).code
    target = "4-09-08-01" if before != "4-09-08-01" else "6-31-01-01"
    learn(title, target)
    db.session.commit()
    assert suggest(title).code == target
    # the same title with salary and place noise is also right next time
    assert suggest(f"{title} 月薪4000 包吃住").code == target


@pytest.mark.parametrize("code", ["6-25-04-00", "9-99-99-99", "abc", ""])
def test_corrections_need_a_real_fourth_level_code(app, code):
    with pytest.raises(ValidationError):
        learn("普工", code)
