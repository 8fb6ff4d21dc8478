"""Importers and exporters for the shared exchange formats (台账 files)."""
