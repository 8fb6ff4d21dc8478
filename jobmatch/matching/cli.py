"""``jobmatch train``, ``jobmatch recommend``, ``jobmatch shortlist`` (DESIGN §5) and ``jobmatch model``."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(1)


@click.command("train")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出评估结果")
@with_appcontext
def train_command(as_json: bool) -> None:
    """训练匹配模型，打印留出数据上的评估（模型、规则、随机），优于规则时自动启用。"""
    from jobmatch.matching import service
    from jobmatch.matching.train import format_report

    if not as_json:
        click.echo("正在读取数据并训练……", err=True)
    result, row = service.train_model(actor="命令行")
    active = service.active_model()
    status = {
        "version": row.version if row else None,
        "activated": bool(row and row.is_active),
        "active_version": active.version if active else None,
        "scorer_in_use": "模型 " + active.version if active else "规则评分",
    }
    if row is None:
        status["message"] = "数据不足，未训练模型；继续使用规则评分"
    elif row.is_active:
        status["message"] = f"模型 {row.version} 在留出数据上优于规则，已自动启用"
    else:
        status["message"] = (f"模型 {row.version} 已保存但未启用（未优于规则）；当前使用"
                             f"{'模型 ' + active.version if active else '规则评分'}")
    if as_json:
        out = json.loads(result.to_json())
        out["registry"] = status
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(format_report(result))
    click.echo("")
    click.echo(status["message"])


def _ranked_lines(ranking, top: int | None) -> list[str]:
    lines = []
    rows = ranking.results if top is None else ranking.results[:top]
    for r in rows:
        lines.append(f"  {r.rank:>2}. {r.code} {r.title}  {r.score:.2f}  {'；'.join(r.reasons)}")
    if not rows:
        lines.append("  （没有符合条件的在招岗位）")
    if ranking.raise_chances:
        lines.append(f"  提升建议：{ranking.raise_chances}")
    return lines


@click.command("recommend")
@click.argument("id_numbers", nargs=-1)
@click.option("--all", "everyone", is_flag=True, help="为每位求职人员推荐（夜间推送）")
@click.option("--top", type=click.IntRange(1, 500), default=10, show_default=True, help="每人推荐前 N 个岗位")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@with_appcontext
def recommend_command(id_numbers: tuple[str, ...], everyone: bool, top: int, fmt: str) -> None:
    """为人员推荐在招岗位（按身份证号，或 --all 为全部求职人员）。"""
    import sqlalchemy as sa

    from jobmatch.accounts import audit
    from jobmatch.extensions import db
    from jobmatch.matching import service
    from jobmatch.people.idnumber import IdNumberError, parse_id_number
    from jobmatch.people.models import Person
    from jobmatch.people.services import find_by_id_number, mask_id, protector

    if everyone and id_numbers:
        raise click.UsageError("请给出身份证号，或使用 --all，不能同时使用")
    if not everyone and not id_numbers:
        raise click.UsageError("请给出至少一个身份证号，或使用 --all")

    def emit(id_number: str, name: str, ranking) -> None:
        if fmt == "jsonl":
            click.echo(json.dumps({"id_number": id_number, "results": ranking.to_dict(top)["results"]},
                                  ensure_ascii=False))
        else:
            click.echo(f"{mask_id(id_number)} {name}（{ranking.scorer}）")
            for line in _ranked_lines(ranking, top):
                click.echo(line)

    if not everyone:
        people, errors = [], []
        for n, raw in enumerate(id_numbers, start=1):
            try:
                parse_id_number(raw)
            except IdNumberError as exc:
                errors.append(f"第{n}个身份证号“{raw}”: {exc}")
                continue
            person = find_by_id_number(raw)
            if person is None:
                errors.append(f"第{n}个身份证号“{raw}”: 台账中没有此人")
            else:
                people.append((raw, person))
        if errors:
            _fail(errors)
        for raw, person in people:
            emit(raw, person.name, service.rank_for_person(person.id, top=top))
        audit.record("recommend", None, None, actor="命令行", people=len(people))
        db.session.commit()
        return

    engine = service.get_engine()
    p = protector()
    info = {pid: (enc, name) for pid, enc, name in db.session.execute(
        sa.select(Person.id, Person.id_number_enc, Person.name))}
    count = 0
    gen = engine.recommend_all(top=top)
    try:
        for ranking in gen:
            enc, name = info.get(ranking.person_id, (None, ""))
            if enc is None:
                continue
            emit(p.decrypt(enc), name, ranking)
            count += 1
    finally:
        gen.close()
    audit.record("recommend", None, None, actor="命令行", people=count, everyone=True)
    db.session.commit()
    click.echo(f"已为 {count} 人生成推荐", err=True)


@click.command("shortlist")
@click.argument("posting_code")
@click.option("--top", type=click.IntRange(1, 1000), default=20, show_default=True, help="显示前 N 名")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@click.option("--brokers-only", is_flag=True, help="只列出同意共享给经纪人的人员")
@with_appcontext
def shortlist_command(posting_code: str, top: int, fmt: str, brokers_only: bool) -> None:
    """列出岗位的候选人：匹配引擎的顺序和政策优先后的顺序（附理由）。"""
    import sqlalchemy as sa

    from jobmatch.accounts import audit
    from jobmatch.extensions import db
    from jobmatch.jobs.services import find_posting_by_code
    from jobmatch.matching import service
    from jobmatch.people.models import Person
    from jobmatch.people.services import masked_id, reveal_id

    posting = find_posting_by_code(posting_code.strip())
    if posting is None:
        _fail([f"找不到岗位编号“{posting_code}”"])
    try:
        sl = service.shortlist(posting.id, top=top, consenting_only=brokers_only)
    except service.UnknownPosting:
        _fail([f"岗位“{posting.code}”不在招聘中，没有候选人"])
    ids = [r.person_id for r in sl.policy_order]
    people = {p.id: p for p in db.session.scalars(
        sa.select(Person).where(Person.id.in_(ids)).options(sa.orm.joinedload(Person.site)))} if ids else {}
    audit.record("view_shortlist", "posting", posting.id, actor="命令行", shown=len(ids))
    db.session.commit()
    if fmt == "jsonl":
        for r in sl.policy_order:
            person = people[r.person_id]
            click.echo(json.dumps({
                "posting": posting.code, "rank": r.policy_rank, "model_rank": r.model_rank, "person_id": r.person_id,
                "id_number": reveal_id(person), "name": person.name, "score": round(r.score, 4),
                "priority": r.priority_reasons, "policy_note": r.policy_note,
                "reasons": r.positives + r.negatives,
            }, ensure_ascii=False))
        return
    click.echo(f"{posting.code} {posting.title}（{posting.employer.name}）：符合硬性条件 {sl.n_eligible} 人"
               f"（评分：{sl.scorer}）")
    click.echo(sl.policy_rule)
    for r in sl.policy_order:
        person = people[r.person_id]
        mark = "（" + "、".join(r.priority_reasons) + "）" if r.priority_reasons else ""
        note = f" [{r.policy_note}]" if r.policy_note else ""
        click.echo(f"{r.policy_rank:>3} (模型第{r.model_rank}) {person.name:<6}{mark} {masked_id(person)}  "
                   f"{person.site.name:<10} {r.score:.2f}{note}  {'；'.join(r.positives + r.negatives)}")


@click.group("model")
def model_group() -> None:
    """匹配模型版本：列出、启用、回滚、改用规则。"""


@model_group.command("list")
@with_appcontext
def model_list() -> None:
    """列出模型版本及留出评估。"""
    from jobmatch.matching import service

    rows = service.versions()
    if not rows:
        click.echo("还没有训练过模型；当前使用规则评分")
    for row in rows:
        gk = row.metrics_dict().get("group_kfold", {})
        ndcg = "  ".join(f"{k} {v.get('ndcg10', 0):.3f}" for k, v in gk.items() if isinstance(v, dict))
        click.echo(f"{'*' if row.is_active else ' '} {row.version} {row.kind:<8} "
                   f"{'优于规则' if row.beats_rules else '未优于规则'}  NDCG@10 {ndcg}")


@model_group.command("activate")
@click.argument("version")
@with_appcontext
def model_activate(version: str) -> None:
    """启用一个模型版本（先校验文件）。"""
    from jobmatch.extensions import db
    from jobmatch.matching import service

    try:
        service.activate(version.strip(), actor="命令行")
    except ValueError as exc:
        db.session.rollback()
        _fail([str(exc)])
    db.session.commit()
    click.echo(f"已启用模型 {version}")


@model_group.command("rollback")
@with_appcontext
def model_rollback() -> None:
    """回到上一个启用过的版本（没有则改用规则）。"""
    from jobmatch.extensions import db
    from jobmatch.matching import service

    row = service.rollback(actor="命令行")
    db.session.commit()
    click.echo(f"已回滚到模型 {row.version}" if row else "已改用规则评分")


@model_group.command("use-rules")
@with_appcontext
def model_use_rules() -> None:
    """停用所有模型，改用规则评分。"""
    from jobmatch.extensions import db
    from jobmatch.matching import service

    service.use_rules(actor="命令行")
    db.session.commit()
    click.echo("已改用规则评分")
