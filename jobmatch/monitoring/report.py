"""The monthly indicator report as xlsx: the figures by area, the month-by-month trend, the
zero-employment list, and the definitions."""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from jobmatch.database import today
from jobmatch.monitoring import episodes
from jobmatch.monitoring import indicators as ind
from jobmatch.places.services import Scope
from jobmatch.training.indicators import scope_level

#: (key in Figures.as_dict / indicators, column title, number format)
COLUMNS = [
    ("people", "搬迁人口", "0"),
    ("households", "户数", "0"),
    ("able_workers", "劳动力", "0"),
    ("employed", "就业人数", "0"),
    ("employment_rate", "劳动力就业率", "0.0%"),
    ("out_of_province", "省外务工", "0"),
    ("public_welfare", "公益性岗位", "0"),
    ("households_with_able_members", "有劳动力户", "0"),
    ("zero_employment_households", "零就业家庭（台账）", "0"),
    ("one_per_household_coverage", "一户一人覆盖率", "0.0%"),
    ("zero_on_list", "零就业名单在册", "0"),
    ("zero_county_level", "其中县级督办", "0"),
    ("zero_exited", "政策退出", "0"),
    ("training_rate", "培训率", "0.0%"),
    ("certificate_rate", "持证率", "0.0%"),
    ("avg_income_employed", "就业人员月均收入（元）", "0"),
]
TREND_COLUMNS = [
    ("month", "月份", "@"),
    ("people", "人数", "0"),
    ("able_workers", "劳动力", "0"),
    ("employed", "就业人数", "0"),
    ("employment_rate", "劳动力就业率", "0.0%"),
    ("out_of_province", "省外务工", "0"),
    ("public_welfare", "公益性岗位", "0"),
    ("households_with_able_members", "有劳动力户", "0"),
    ("zero_employment_households", "零就业家庭", "0"),
    ("one_per_household_coverage", "一户一人覆盖率", "0.0%"),
]
DEFINITIONS = [
    ("劳动力", "16–60 周岁（可配置）、有劳动能力且不在校的搬迁群众"),
    ("就业", "县内务工、省内县外务工、省外务工、公益性岗位、自主创业"),
    ("劳动力就业率", "已就业的劳动力 ÷ 劳动力"),
    ("零就业家庭（台账）", "有劳动力、但没有一名劳动力就业的家庭（按统计日台账计算）"),
    ("一户一人覆盖率", "有劳动力且至少一名劳动力就业的家庭 ÷ 有劳动力的家庭"),
    ("零就业名单在册", "零就业名单上尚未清零、也未经政策退出的家庭；检出后 30 天内推荐不足 3 次的转县级督办"),
    ("政策退出", "三次推荐均拒绝、三个月失联等，经核实并留存依据后移出名单（仍计入台账零就业家庭）"),
    ("培训率 / 持证率", "至少完成一次培训的劳动力 ÷ 劳动力；持有效职业资格、技能等级、专项能力或特种作业证书的劳动力 ÷ 劳动力"),
    ("就业人员月均收入", "登记了月收入的就业人员的平均月收入；与上年同日比较得出变化"),
]
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def write_report(stream: BinaryIO, scope: Scope, on: dt.date | None = None, label: str | None = None) -> int:
    """Write the report for ``scope`` on a day; returns the number of area rows."""
    on = on or today()
    label = label or scope.label
    site_figures = ind.figures_by_site(scope, on)
    level = scope_level(scope)
    rows = ind.by_area(scope, level, site_figures)
    summary = ind.indicators(scope, on, label=label)
    wb = Workbook()
    ws = wb.active
    ws.title = "月报"
    width = len(COLUMNS) + 1
    ws.cell(1, 1, f"{label}易地搬迁群众就业监测月报（{on.year}年{on.month}月）").font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    change = summary["income_change"]
    ws.cell(2, 1, f"统计日：{on:%Y-%m-%d}　按{ind.LEVEL_LABELS[level]}汇总　就业人员月均收入较上年同期"
                  f"{'变化 ' + format(change, '+.0f') + ' 元' if change is not None else '无可比数据'}")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    _header(ws, 3, [ind.LEVEL_LABELS[level]] + [title for _k, title, _f in COLUMNS])
    r = 4
    for area in rows:
        _row(ws, r, area.name, area.values)
        r += 1
    _row(ws, r, "合计", summary, bold=True)
    ws.freeze_panes = "B4"
    _widths(ws, [16] + [12] * len(COLUMNS))

    trend = wb.create_sheet("逐月趋势")
    _header(trend, 1, [title for _k, title, _f in TREND_COLUMNS])
    for i, month in enumerate(ind.monthly_trend(scope, 13, on)[1:], start=2):
        for j, (key, _title, fmt) in enumerate(TREND_COLUMNS, start=1):
            cell = trend.cell(i, j, month[key])
            cell.number_format, cell.border = fmt, BOX
    _widths(trend, [10] + [12] * (len(TREND_COLUMNS) - 1))

    zero = wb.create_sheet("零就业家庭名单")
    _header(zero, 1, ["户编号", "安置点", "检出日期", "检出方式", "检出以来推荐次数", "推荐承诺期限", "督办级别",
                      "一户一策", "最近走访"])
    # thousands of rows at county scale: plain values (dates as text), no per-cell styles, which
    # would cost openpyxl seconds
    for row in episodes.list_episodes(scope, "active", on, limit=100000):
        ep = row.episode
        zero.append([row.household_code, row.site_name, ep.detected_on.isoformat(), ep.origin.label, row.referrals,
                     ep.referrals_due_on.isoformat(), ep.escalation.label, "已制定" if row.has_plan else "未制定",
                     row.last_visit.isoformat() if row.last_visit else ""])
    _widths(zero, [14, 18, 12, 10, 10, 12, 10, 10, 12])

    notes = wb.create_sheet("口径说明")
    _header(notes, 1, ["指标", "口径"])
    for i, (name, text) in enumerate(DEFINITIONS, start=2):
        notes.cell(i, 1, name)
        notes.cell(i, 2, text)
    _widths(notes, [20, 90])
    wb.save(stream)
    return len(rows)


def export_indicators(stream: BinaryIO, scope: Scope) -> int:
    """The exporter registered for ``jobmatch export indicators``."""
    return write_report(stream, scope)


def _header(ws, row: int, titles: list[str]) -> None:
    for j, title in enumerate(titles, start=1):
        cell = ws.cell(row, j, title)
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _row(ws, row: int, name: str, values: dict, bold: bool = False) -> None:
    ws.cell(row, 1, name).border = BOX
    for j, (key, _title, fmt) in enumerate(COLUMNS, start=2):
        cell = ws.cell(row, j, values.get(key))
        cell.number_format, cell.border = fmt, BOX
        if bold:
            cell.font = Font(bold=True)
    if bold:
        ws.cell(row, 1).font = Font(bold=True)


def _widths(ws, widths: list[int]) -> None:
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
