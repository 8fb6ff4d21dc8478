"""Monitoring endpoints on the API blueprint: indicators and the zero-employment list."""

from __future__ import annotations
