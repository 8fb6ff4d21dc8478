"""Helpers that build register and sites files (CSV and xlsx) for tests."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl

SHARED = Path(__file__).resolve().parents[2] / "shared" / "formats"
SAMPLES = Path(__file__).resolve().parent / "data"


def sample_path(name: str) -> Path:
    """A shared sample file; tests/data holds copies so the suite runs from a clean clone."""
    local = SAMPLES / name
    return local if local.exists() else SHARED / name


def sample_rows(name: str = "register.sample.csv") -> tuple[list[str], list[list[str]]]:
    with open(sample_path(name), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def to_csv(header: list[str], rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def to_xlsx(header: list[str], rows: list[list], *, title_row: str | None = None, trailing_blank: int = 0,
            sheet_title: str = "劳动力台账") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_title
    if title_row:
        sheet.append([title_row])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for _ in range(trailing_blank):
        sheet.append([None] * len(header))
    if trailing_blank:
        sheet.cell(row=sheet.max_row + trailing_blank, column=1, value="")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_cached_formula_values(xlsx: bytes, cached: dict[str, str]) -> bytes:
    """Give formula cells cached results, as Excel does when it saves (openpyxl cannot)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                for ref, value in cached.items():
                    text = re.sub(
                        rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/>',
                        rf'<c r="{ref}" t="str"><f>\2</f><v>{value}</v>',
                        text,
                    )
                data = text.encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()
