"""Command-line tools of the jobs domain (registered on the ``jobmatch`` group)."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext


@click.command("shortlist")
@click.argument("posting_code")
@click.option("--top", type=int, default=20, show_default=True, help="显示前 N 名")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@click.option("--brokers-only", is_flag=True, help="只列出同意共享给经纪人的人员")
@with_appcontext
def shortlist_command(posting_code: str, top: int, fmt: str, brokers_only: bool) -> None:
    """列出岗位的候选人（按硬性条件筛选、按规则排序）。"""
    from jobmatch.accounts import audit
    from jobmatch.extensions import db
    from jobmatch.jobs.services import find_posting_by_code
    from jobmatch.jobs.shortlist import shortlist
    from jobmatch.people.models import Person
    from jobmatch.people.services import reveal_id
    from jobmatch.places.services import all_sites_scope

    posting = find_posting_by_code(posting_code)
    if posting is None:
        click.echo(f"找不到岗位编号“{posting_code}”", err=True)
        sys.exit(1)
    result = shortlist(posting, all_sites_scope(), consenting_only=brokers_only, limit=top)
    audit.record("view_shortlist", "posting", posting.id, actor="命令行", shown=len(result.candidates))
    db.session.commit()
    if fmt == "jsonl":
        for c in result.candidates:
            person = db.session.get(Person, c.person_id)
            click.echo(json.dumps({"posting": posting.code, "rank": c.rank, "person_id": c.person_id,
                                   "id_number": reveal_id(person), "name": c.name, "reasons": c.reasons},
                                  ensure_ascii=False))
        return
    click.echo(f"{posting.code} {posting.title}（{posting.employer.name}）：符合硬性条件 {result.eligible} 人")
    for c in result.candidates:
        click.echo(f"{c.rank:>3}  {c.name:<6} {c.masked_id}  {c.site:<10} {'；'.join(c.reasons)}")
