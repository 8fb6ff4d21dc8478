"""``jobmatch indicators`` and ``jobmatch monitoring-sweep``."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

#: labels for the table format, in print order
LABELS = [
    ("people", "搬迁人口"), ("households", "户数"), ("able_workers", "劳动力"), ("employed", "就业人数"),
    ("able_employed", "已就业劳动力"), ("employment_rate", "劳动力就业率"), ("out_of_province", "省外务工"),
    ("public_welfare", "公益性岗位"), ("households_with_able_members", "有劳动力户"),
    ("zero_employment_households", "零就业家庭（台账）"), ("one_per_household_coverage", "一户一人覆盖率"),
    ("zero_on_list", "零就业名单在册"), ("zero_county_level", "其中县级督办"), ("zero_exited", "政策退出"),
    ("trained", "已培训劳动力"), ("training_rate", "培训率"), ("certified", "持证劳动力"), ("certificate_rate", "持证率"),
    ("avg_income_employed", "就业人员月均收入（元）"), ("avg_income_employed_year_ago", "上年同期月均收入（元）"),
    ("income_change", "月均收入变化（元）"),
]


def _format(key: str, value) -> str:
    if value is None:
        return "—"
    if key.endswith("_rate") or key == "one_per_household_coverage":
        return f"{value * 100:.1f}%"
    return str(value)


@click.command("indicators")
@click.option("--region", help="区域（市、县、镇或安置点名称）；默认全部")
@click.option("--month", help="统计月份 YYYY-MM（取该月最后一天；本月取今天）")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True)
@with_appcontext
def indicators_command(region: str | None, month: str | None, fmt: str) -> None:
    """打印监测指标（与看板、接口口径相同）。"""
    from jobmatch.cli import _commit, _scope_from_name
    from jobmatch.errors import ValidationError
    from jobmatch.monitoring import indicators as ind

    scope = _scope_from_name(region)
    try:
        on = ind.day_of_month(month)
    except ValidationError as err:
        raise click.UsageError(err.message) from None
    figures = ind.indicators(scope, on, label=region or "全部")
    _commit()  # keeps the standings and month-end snapshots brought up to date
    if fmt == "json":
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    click.echo(f"{figures['region']}　统计日 {figures['on']}")
    for key, label in LABELS:
        click.echo(f"{label:　<14}{_format(key, figures.get(key))}")


@click.command("monitoring-sweep")
@click.option("--region", help="区域（市、县、镇或安置点名称）；默认全部")
@with_appcontext
def sweep_command(region: str | None) -> None:
    """核查零就业家庭（年龄变化等无写入的情形）并把推荐逾期的转县级督办；建议每天运行。"""
    from jobmatch.cli import _commit, _scope_from_name
    from jobmatch.monitoring.episodes import sweep

    result = sweep(_scope_from_name(region))
    _commit()
    click.echo(f"已核查 {result['households']} 户：新检出 {result['opened']} 户，清零 {result['cleared']} 户，"
               f"转县级督办 {result['escalated']} 户")
