"""The ``jobmatch`` command: a Flask CLI group around ``create_app``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from jobmatch.errors import ImportRejected, JobmatchError


def _create_app() -> Flask:
    from jobmatch import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """jobmatch 命令行工具（搬迁群众就业服务平台）。"""


def _commit():
    from jobmatch.extensions import db

    db.session.commit()


@click.command("import")
@click.argument("kind", type=click.Choice(["sites", "register", "postings", "outcomes", "roster"]))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只校验，不写入")
@click.option("--create-sites", is_flag=True, help="台账中未知的安置点自动创建")
@with_appcontext
def import_command(kind: str, file: Path, dry_run: bool, create_sites: bool) -> None:
    """导入台账文件（xlsx 或 CSV）：全部正确才写入。退出码 0 成功，1 文件有错，2 用法错误。"""
    from jobmatch.spreadsheets import loaders  # noqa: F401  (registers every importer)
    from jobmatch.spreadsheets.importing import run_import

    if not file.is_file():
        raise click.UsageError(f"文件不存在：{file}")
    try:
        outcome = run_import(kind, file.read_bytes(), file.name, dry_run=dry_run, create_sites=create_sites)
    except ImportRejected as rejected:
        _commit()  # keeps the audit record of the rejected attempt
        click.echo(rejected.message, err=True)
        for error in rejected.errors:
            click.echo(str(error), err=True)
        sys.exit(1)
    _commit()
    for warning in outcome.warnings:
        click.echo(f"提示：{warning}", err=True)
    click.echo(outcome.summary())


@click.command("export")
@click.argument("kind", type=click.Choice(["sites", "register", "postings", "outcomes", "indicators"]))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--region", help="只导出某个区域（市、县、镇或安置点名称）")
@with_appcontext
def export_command(kind: str, file: Path, region: str | None) -> None:
    """导出为 xlsx（与导入格式相同）。"""
    from jobmatch.accounts import audit
    from jobmatch.spreadsheets.loaders import EXPORTERS

    if kind not in EXPORTERS:
        raise click.UsageError(f"暂不支持导出“{kind}”")
    scope = _scope_from_name(region)
    with open(file, "wb") as stream:
        count = EXPORTERS[kind](stream, scope)
    audit.record("export", None, None, kind=kind, file=str(file), rows=count, region=scope.label)
    _commit()
    click.echo(f"已导出 {count} 行到 {file}")


def _scope_from_name(name: str | None):
    from jobmatch.places.services import all_sites_scope, find_region_by_name, find_site_by_name, scope_for

    if not name:
        return all_sites_scope()
    region = find_region_by_name(name)
    if region is not None:
        return scope_for(region=region)
    site = find_site_by_name(name)
    if site is not None:
        return scope_for(site=site)
    raise click.UsageError(f"找不到区域或安置点“{name}”")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["city_admin", "county_reviewer", "township_clerk", "site_clerk", "broker"]))
@click.option("--region", help="所属区域：市/县/镇名称，安置点信息采集员填安置点名称")
@click.option("--name", "display_name", help="显示名称")
@click.option("--phone", help="工作电话（经纪人）")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码")
@with_appcontext
def create_user_command(username, role, region, display_name, phone, password_stdin):
    """创建员工或经纪人账号。"""
    from jobmatch.accounts.models import Role
    from jobmatch.accounts.services import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, password, Role(role), region, display_name=display_name, work_phone=phone,
                           actor="命令行")
    except JobmatchError as err:
        details = err.details if isinstance(err.details, dict) else {}
        click.echo("；".join([err.message, *details.values()]), err=True)
        sys.exit(1)
    _commit()
    click.echo(f"已创建账号 {user.username}（{user.role.label}，{user.area_name}）")


@click.command("demo-data")
@click.option("--scale", type=click.Choice(["site", "county"]), default="site", show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--if-empty", is_flag=True, help="台账中已有人员时什么也不做")
@with_appcontext
def demo_data_command(scale: str, seed: int, if_empty: bool) -> None:
    """生成演示县的数据（site：几个安置点；county：约 9.6 万人）。"""
    import sqlalchemy as sa

    from jobmatch.demo import build_demo
    from jobmatch.extensions import db
    from jobmatch.people.models import Person

    if if_empty and db.session.scalar(sa.select(Person.id).limit(1)) is not None:
        click.echo("台账中已有数据，未生成演示数据")
        return

    summary = build_demo(scale=scale, seed=seed, echo=lambda msg: click.echo(msg, err=True))
    _commit()
    click.echo(summary)


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="脚本", help="令牌用途，便于日后识别")
@with_appcontext
def create_token_command(username: str, name: str) -> None:
    """为账号创建 /api/v1 接口令牌（只显示一次）。"""
    import sqlalchemy as sa

    from jobmatch.accounts.models import User
    from jobmatch.accounts.services import create_api_token
    from jobmatch.extensions import db

    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        click.echo(f"找不到账号 {username}", err=True)
        sys.exit(1)
    token = create_api_token(user, name)
    _commit()
    click.echo(token)


@click.command("classify-title")
@click.argument("titles", nargs=-1, required=True)
@click.option("--top", type=click.IntRange(1, 20), default=5, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@with_appcontext
def classify_title_command(titles: tuple[str, ...], top: int, fmt: str) -> None:
    """为岗位名称推荐职业分类大典（2022）代码；TITLE 为 - 时从标准输入逐行读取。"""
    import json

    from jobmatch.vocab.occupations import suggest_many

    items: list[str] = []
    for title in titles:
        if title == "-":
            items.extend(line.rstrip("\n") for line in sys.stdin if line.strip())
        else:
            items.append(title)
    for result in suggest_many(items, top=top):
        rows = [{"code": c.code, "name": c.name, "score": round(float(c.score), 4)} for c in result.candidates[:top]]
        if fmt == "jsonl":
            click.echo(json.dumps({"title": result.title, "results": rows}, ensure_ascii=False))
        else:
            click.echo(result.title)
            for i, row in enumerate(rows, 1):
                click.echo(f"  {i}. {row['code']}  {row['name']}  {row['score']:.2f}")


def register_commands(app: Flask) -> None:
    from jobmatch.jobs.cli import shortlist_command

    for command in (import_command, export_command, create_user_command, demo_data_command, create_token_command,
                    classify_title_command, shortlist_command):
        app.cli.add_command(command)
    from jobmatch.matching.cli import model_group, recommend_command, train_command

    for command in (train_command, recommend_command, model_group):
        app.cli.add_command(command)
