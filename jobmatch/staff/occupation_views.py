"""Staff page "职业分布": postings, referrals, hires and employed people by CSCO 大类 and 中类.

Routes join the ``staff`` blueprint (its sign-in and role guard apply); every figure is scoped
to the user's region inside the queries (``jobs.occupation_codes.occupation_indicators``).
"""

from __future__ import annotations

import io

from flask import render_template, request, send_file
from openpyxl import Workbook

from jobmatch.accounts.permissions import current_scope
from jobmatch.database import today
from jobmatch.jobs import occupation_codes
from jobmatch.staff.views import bp


def _major() -> str | None:
    return (request.args.get("major") or "").strip() or None


@bp.route("/indicators/occupations")
def occupation_indicators():
    """Figures by 大类; with ``?major=6`` by the 中类 of that 大类."""
    result = occupation_codes.occupation_indicators(current_scope(), _major())
    return render_template("staff/occupations.html", result=result, scope=current_scope())


@bp.route("/indicators/occupations.xlsx")
def occupation_indicators_export():
    """The same table as an xlsx file."""
    result = occupation_codes.occupation_indicators(current_scope(), _major())
    book = Workbook()
    sheet = book.active
    sheet.title = "职业分布"
    level = f"{result.major} {result.major_name} 的中类" if result.major else "大类"
    sheet.append([f"职业分布（{current_scope().label}，按{level}，{today():%Y-%m-%d}）"])
    sheet.append(occupation_codes.HEADERS)
    for row in occupation_codes.indicator_rows(result):
        sheet.append(row)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    suffix = f"_{result.major}" if result.major else ""
    return send_file(buffer, as_attachment=True, download_name=f"职业分布{suffix}_{today():%Y%m%d}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
