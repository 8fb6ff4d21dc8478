"""Every importer and exporter, registered in one place for the CLI and the pages."""

from jobmatch.monitoring.report import export_indicators
from jobmatch.spreadsheets import jobs as _jobs
from jobmatch.spreadsheets import register as _register
from jobmatch.spreadsheets import roster as _roster
from jobmatch.spreadsheets.jobs import export_outcomes, export_postings
from jobmatch.spreadsheets.register import export_register, export_sites

EXPORTERS = {
    "register": export_register,
    "sites": export_sites,
    "postings": export_postings,
    "outcomes": export_outcomes,
    "indicators": export_indicators,
}

__all__ = ["EXPORTERS", "_jobs", "_register", "_roster"]
