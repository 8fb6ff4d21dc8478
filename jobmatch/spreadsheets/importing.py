"""The import entry point shared by the CLI and the upload page: read, validate, apply, record."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from jobmatch.accounts import audit
from jobmatch.errors import ImportRejected, RowError
from jobmatch.extensions import db
from jobmatch.spreadsheets.columns import FORMATS, KIND_LABELS, Format
from jobmatch.spreadsheets.models import ImportRecord
from jobmatch.spreadsheets.reader import Table, read_table


@dataclass
class ImportOutcome:
    kind: str
    file_name: str
    sha256: str
    dry_run: bool
    rows_total: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    record_id: int | None = None

    def summary(self) -> str:
        verb = "校验通过（未写入）" if self.dry_run else "已导入"
        text = f"{KIND_LABELS.get(self.kind, self.kind)}{verb}：共 {self.rows_total} 行，新增 {self.added}，更新 {self.updated}，未变 {self.unchanged}"
        return "；".join([text, *self.notes])


@dataclass
class ApplyResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


#: kind → function(table, fmt, *, dry_run, create_sites, actor, import_id, scope) -> ApplyResult
Importer = Callable[..., ApplyResult]
IMPORTERS: dict[str, Importer] = {}


def register_importer(kind: str, importer: Importer) -> None:
    IMPORTERS[kind] = importer


def run_import(
    kind: str,
    data: bytes,
    file_name: str,
    *,
    actor=None,
    dry_run: bool = False,
    create_sites: bool = False,
    scope=None,
) -> ImportOutcome:
    """Import one file of ``kind``; raises ``ImportRejected`` (nothing written) on any bad row.

    ``scope`` limits what an uploader may touch (None: the command line, everything).
    """
    if kind not in IMPORTERS:
        raise ImportRejected([RowError(None, "", f"未知的导入类型“{kind}”")])
    fmt: Format = FORMATS[kind]
    sha = hashlib.sha256(data).hexdigest()
    try:
        table: Table = read_table(data, sheet_names=fmt.sheet_names, required=fmt.required, known=fmt.labels)
        outcome = ImportOutcome(kind=kind, file_name=file_name, sha256=sha, dry_run=dry_run,
                                rows_total=len(table.rows), warnings=list(table.warnings))
        record = None
        if not dry_run:
            record = ImportRecord(kind=kind, file_name=file_name[:255], sha256=sha,
                                  user_id=getattr(actor, "id", None),
                                  actor=getattr(actor, "username", None) or "命令行")
            db.session.add(record)
            db.session.flush()
        result = IMPORTERS[kind](table, fmt, dry_run=dry_run, create_sites=create_sites, actor=actor,
                                 import_id=record.id if record else None, scope=scope)
    except ImportRejected as rejected:
        db.session.rollback()
        audit.record("import", "import", None, actor=actor, kind=kind, file=file_name, sha256=sha,
                     rejected=len(rejected.errors), dry_run=dry_run)
        raise
    outcome.added, outcome.updated, outcome.unchanged = result.added, result.updated, result.unchanged
    outcome.notes = result.notes
    if record is not None:
        record.rows_total, record.rows_added = outcome.rows_total, outcome.added
        record.rows_updated, record.rows_unchanged = outcome.updated, outcome.unchanged
        record.summary = outcome.summary()
        outcome.record_id = record.id
    audit.record("import", "import", outcome.record_id, actor=actor, kind=kind, file=file_name, sha256=sha,
                 added=outcome.added, updated=outcome.updated, dry_run=dry_run)
    db.session.flush()
    return outcome
