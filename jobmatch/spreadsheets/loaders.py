"""Every importer and exporter, registered in one place for the CLI and the pages."""

from jobmatch.spreadsheets import register as _register
from jobmatch.spreadsheets import roster as _roster
from jobmatch.spreadsheets.register import export_register, export_sites

EXPORTERS = {
    "register": export_register,
    "sites": export_sites,
}

__all__ = ["EXPORTERS", "_register", "_roster"]
