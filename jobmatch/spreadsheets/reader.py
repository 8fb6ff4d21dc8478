"""Reading a table from an uploaded file: xlsx or CSV (UTF-8, GB18030, UTF-16), detected from content."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

import openpyxl
from python_calamine import CalamineWorkbook

from jobmatch.errors import ImportRejected, RowError

#: largest total uncompressed size accepted inside an xlsx (zip-bomb guard)
MAX_XLSX_UNCOMPRESSED = 600 * 1024 * 1024
HEADER_SEARCH_ROWS = 10


@dataclass
class Table:
    """Rows of a sheet with the spreadsheet row number of each; ``header`` maps column name → index."""

    header: dict[str, int]
    rows: list[tuple[int, list]]
    header_row: int
    warnings: list[str] = field(default_factory=list)

    def cell(self, row: list, column: str):
        index = self.header.get(column)
        if index is None or index >= len(row):
            return None
        return row[index]


def normalise_header(value) -> str:
    """Column names match after trimming spaces, BOM and line breaks; full-width brackets count as half-width."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).replace("\ufeff", "")
    return re.sub(r"\s+", "", text)


def _reject(reason: str) -> ImportRejected:
    return ImportRejected([RowError(None, "", reason)])


def _is_blank_row(cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_table(data: bytes, *, sheet_names: tuple[str, ...], required: tuple[str, ...], known: tuple[str, ...]) -> Table:
    """Detect the container, find the header row and return the data rows.

    Raises ``ImportRejected`` for files that are not spreadsheets, unreadable
    encodings, or a header without the required columns.
    """
    if not data:
        raise _reject("文件是空的")
    if data[:4] == b"PK\x03\x04":
        grid = _read_xlsx(data, sheet_names)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _reject("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 或 CSV 后再导入")
    elif data[:4] in (b"%PDF",) or data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n":
        raise _reject("文件不是表格（看起来是 PDF 或图片），请上传 .xlsx 或 .csv 文件")
    else:
        grid = _read_csv(data)
    return _locate_header(grid, required, known)


def _read_xlsx(data: bytes, sheet_names: tuple[str, ...]):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except zipfile.BadZipFile:
        raise _reject("文件已损坏，无法作为 Excel 文件打开") from None
    if "xl/workbook.xml" not in names:
        raise _reject("这是一个压缩包而不是 Excel 表格，请上传 .xlsx 或 .csv 文件")
    if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
        raise _reject("Excel 文件解压后过大，请拆分后再导入")
    # calamine (Rust) reads cached values of formula cells and is ~15x faster than openpyxl
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
        sheet_index = next((names.index(n) for n in sheet_names if n in names), 0)
        grid = [list(r) for r in book.get_sheet_by_index(sheet_index).to_python(skip_empty_area=False)]
    except Exception:  # calamine raises its own errors for broken files
        raise _reject("Excel 文件已损坏或格式不受支持，请在 Excel 中重新保存为 .xlsx") from None
    _check_formulas(archive, data, sheet_index, grid)
    return grid


def _check_formulas(archive: zipfile.ZipFile, data: bytes, sheet_index: int, grid: list[list]) -> None:
    """Formula cells import by their cached values; a formula never calculated is an error."""
    has_formula = any(
        name.startswith("xl/worksheets/sheet") and b"<f" in archive.read(name)
        for name in archive.namelist()
    )
    if not has_formula:
        return
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet = book.worksheets[sheet_index]
        sheet.reset_dimensions()
        problems = []
        for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            for c, value in enumerate(row):
                if isinstance(value, str) and value.startswith("=") and (
                    r > len(grid) or c >= len(grid[r - 1]) or grid[r - 1][c] in (None, "")
                ):
                    problems.append(RowError(r, openpyxl.utils.get_column_letter(c + 1) + "列",
                                             "单元格是公式但没有计算结果，请在 Excel 中打开并保存后再导入"))
    finally:
        book.close()
    if problems:
        raise ImportRejected(problems)


def _read_csv(data: bytes) -> list[list]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16")
    else:
        if b"\x00" in data[:4096]:
            raise _reject("文件不是表格（含有二进制内容），请上传 .xlsx 或 .csv 文件")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise _reject("无法识别文件编码：CSV 应为 UTF-8 或 GBK/GB18030 编码") from None
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        raise _reject("文件不是表格：第一行没有用逗号分隔的列名，请上传 .xlsx 或 .csv 文件")
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise _reject(f"CSV 格式有误：{exc}") from None


def _locate_header(grid: list[list], required: tuple[str, ...], known: tuple[str, ...]) -> Table:
    best = None
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        names = [normalise_header(v) for v in row]
        hits = sum(1 for r in required if r in names)
        if hits and (best is None or hits > best[0]):
            best = (hits, index, names)
        if hits == len(required):
            break
    if best is None:
        raise _reject(f"找不到表头：第一行应为列名，必须包含 {'、'.join(required)}")
    _hits, index, names = best
    header: dict[str, int] = {}
    for col, name in enumerate(names):
        if name and name not in header:
            header[name] = col
    missing = [r for r in required if r not in header]
    if missing:
        raise ImportRejected([RowError(index + 1, name, "缺少必填列") for name in missing])
    warnings = []
    if index > 0:
        warnings.append(f"表头在第{index + 1}行，上面的 {index} 行已忽略")
    extra = [n for n in header if n not in known]
    if extra:
        warnings.append(f"以下列不在格式中，已忽略：{'、'.join(extra)}")
    rows = [
        (number, row)
        for number, row in enumerate(grid[index + 1:], start=index + 2)
        if not _is_blank_row(row)
    ]
    return Table(header=header, rows=rows, header_row=index + 1, warnings=warnings)
