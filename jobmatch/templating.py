"""Jinja filters and globals shared by every area."""

from __future__ import annotations

import datetime as dt

from flask import Flask


def fmt_date(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def money(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f} 元"


def label(value) -> str:
    """An enum's Chinese label; "—" for None."""
    if value is None:
        return "—"
    return getattr(value, "label", str(value))


def yes_no(flag) -> str:
    return "是" if flag else "否"


def audit_label(action: str) -> str:
    from jobmatch.accounts.audit import ACTION_LABELS

    return ACTION_LABELS.get(action, action)


def masked(person) -> str:
    """A person's masked ID number (``610926********0115``)."""
    from jobmatch.people.services import masked_id

    return masked_id(person)


def occupation_name(code) -> str:
    """The CSCO 2022 name of an occupation or group code ("" when unknown)."""
    from jobmatch.vocab.occupations import occupation_name as name_of

    return name_of(code)


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(audit_label, "audit_label")
    app.add_template_filter(fmt_date, "date")
    app.add_template_filter(money, "money")
    app.add_template_filter(label, "label")
    app.add_template_filter(yes_no, "yes_no")
    app.add_template_global(masked, "masked")
    app.add_template_global(occupation_name, "occupation_name")
