"""jobmatch train / recommend / shortlist / model: outputs and exit codes (DESIGN §5)."""

from __future__ import annotations

import json

from jobmatch.matching import service
from jobmatch.people.services import reveal_id
from tests.factories import make_id
from tests.matching_app.helpers import small_county, synthetic_data


def test_train_prints_held_out_metrics_for_model_rules_and_random(runner, monkeypatch):
    monkeypatch.setattr(service, "build_training_data", synthetic_data)
    result = runner.invoke(args=["train"])
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("按人分组交叉验证（GroupKFold）", "按时间切分", "NDCG@10", "AUC", "规则评分", "随机", "校准",
                 "Brier", "公平性", "性别", "年龄段", "召回@10"):
        assert text in out, text
    row = service.versions()[0]
    assert row.version in out
    assert ("已自动启用" in out) == row.is_active
    data = json.loads(runner.invoke(args=["train", "--json"]).output)
    assert {"metrics", "calibration", "fairness", "decision", "registry"} <= set(data)
    assert {"rules", "random"} <= set(data["metrics"]["group_kfold"])
    assert data["registry"]["version"] == service.versions()[0].version
    listing = runner.invoke(args=["model", "list"]).output
    assert row.version in listing


def test_train_with_too_few_outcomes_stays_on_the_rules(runner):
    small_county()
    result = runner.invoke(args=["train", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["registry"]["version"] is None and data["registry"]["scorer_in_use"] == "规则评分"
    assert "未训练模型" in runner.invoke(args=["train"]).output


def test_recommend_jsonl_shape_and_table(runner):
    (a, _b, c, _d), posting, _export = small_county()
    given = reveal_id(a).lower()  # as given, even with a lower-case x or spacing
    result = runner.invoke(args=["recommend", given, reveal_id(c), "--format", "jsonl", "--top", "3"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.strip().splitlines()]
    assert [x["id_number"] for x in lines] == [given, reveal_id(c)]
    assert set(lines[0]) == {"id_number", "results"}
    first = lines[0]["results"][0]
    assert set(first) == {"posting", "score", "reasons"}
    assert first["posting"] == posting.code and 0 <= first["score"] <= 1 and first["reasons"]
    table = runner.invoke(args=["recommend", reveal_id(a)]).output
    assert posting.code in table and "甲缝纫" in table and reveal_id(a) not in table  # masked in the table


def test_recommend_all_covers_every_job_seeker(runner):
    small_county()
    result = runner.invoke(args=["recommend", "--all", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.strip().splitlines() if x.startswith("{")]
    engine = service.get_engine()
    assert len(lines) == len(engine.data.job_seekers()) >= 4
    assert all(len(x["id_number"]) == 18 for x in lines)


def test_recommend_errors_and_usage(runner):
    (a, *_rest), _posting, _export = small_county()
    bad = runner.invoke(args=["recommend", "12345"])
    assert bad.exit_code == 1 and "第1个身份证号“12345”: 身份证号应为 18 位" in bad.output
    unknown = make_id()
    result = runner.invoke(args=["recommend", reveal_id(a), unknown, "--format", "jsonl"])
    assert result.exit_code == 1 and f"第2个身份证号“{unknown}”: 台账中没有此人" in result.output
    assert '"results"' not in result.output  # all or nothing
    assert runner.invoke(args=["recommend"]).exit_code == 2
    assert runner.invoke(args=["recommend", reveal_id(a), "--all"]).exit_code == 2
    assert runner.invoke(args=["recommend", reveal_id(a), "--top", "0"]).exit_code == 2


def test_shortlist_cli_shows_both_orders(app, runner):
    app.config["MATCHING_POLICY"] = {"min_relative": 0.0}
    (a, b, c, d), posting, _export = small_county()
    result = runner.invoke(args=["shortlist", posting.code, "--top", "2"])
    assert result.exit_code == 0, result.output
    assert "政策优先" in result.output and "丙监测" in result.output and "按政策优先进入前 2 名" in result.output
    lines = [json.loads(x) for x in runner.invoke(args=["shortlist", posting.code, "--top", "2", "--format",
                                                         "jsonl"]).output.strip().splitlines()]
    assert [x["rank"] for x in lines] == [1, 2]
    promoted = next(x for x in lines if x["person_id"] == c.id)
    assert promoted["model_rank"] > 2 and promoted["priority"] == ["监测对象"] and len(promoted["id_number"]) == 18
    assert runner.invoke(args=["shortlist", "GW09999"]).exit_code == 1


def test_model_commands(runner, monkeypatch):
    small_county()
    _r, row = service.train_model(data=synthetic_data())
    assert runner.invoke(args=["model", "use-rules"]).exit_code == 0
    assert service.active_model() is None
    assert runner.invoke(args=["model", "activate", row.version]).exit_code == 0
    assert service.active_model().version == row.version
    bad = runner.invoke(args=["model", "activate", "nonsense"])
    assert bad.exit_code == 1 and "没有模型版本" in bad.output
    assert "已改用规则评分" in runner.invoke(args=["model", "rollback"]).output
