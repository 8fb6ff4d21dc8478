"""Validation of one posting or one referral outcome, shared by the imports and the forms.

Input is a mapping from field name to what a cell or form field holds; output is the
parsed fields and a mapping from field name to a Chinese reason for each problem.
Rules that need the database (a new posting's deadline, unknown persons or postings,
over-filling, overlapping placements) live in the services.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from jobmatch import values
from jobmatch.jobs.channels import PROVINCES, normalize_province
from jobmatch.jobs.enums import Channel, Intensity, ReferralOutcome, WorkHours
from jobmatch.people.enums import Education, LabelEnum
from jobmatch.people.idnumber import IdNumberError, parse_id_number
from jobmatch.places.services import validate_coordinates
from jobmatch.vocab.normalize import split_list

CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_\-]{0,29}$")
#: the legal minimum working age
MIN_AGE = 16
MAX_AGE = 75
MAX_HEADCOUNT = 5000
MAX_WAGE = 100_000
NO_REQUIREMENT = "不限"


@dataclass
class PostingFields:
    """A validated postings row (or posting form)."""

    code: str = ""
    employer: str = ""
    channel: Channel | None = None
    title: str = ""
    headcount: int = 0
    workplace: str | None = None
    province: str = ""
    site: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    min_age: int | None = None
    max_age: int | None = None
    education: Education | None = None
    must_skills: list[str] = field(default_factory=list)
    nice_skills: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)
    intensity: Intensity | None = None
    hours: WorkHours | None = None
    wage_min: float | None = None
    wage_max: float | None = None
    board_lodging: bool = False
    deadline: dt.date | None = None
    #: catalogue ids and levels of ``certificates`` (filled when a vocabulary is given)
    certificate_ids: list[tuple[int, int | None]] = field(default_factory=list)


def _enum(cls: type[LabelEnum], value, required: bool):
    raw = values.text(value)
    if not raw:
        if required:
            raise ValueError("必填")
        return None
    member = cls.from_label(raw)
    if member is None:
        raise ValueError(f"“{raw}”不是有效值，应为：{'/'.join(cls.labels())}")
    return member


def _text(value, max_len: int, required: bool) -> str | None:
    raw = values.text(value)
    if not raw:
        if required:
            raise ValueError("必填")
        return None
    if len(raw) > max_len:
        raise ValueError(f"不能超过 {max_len} 个字")
    return raw


def _code(value) -> str:
    raw = values.text(value)
    if not raw:
        raise ValueError("必填")
    if not CODE_RE.match(raw):
        raise ValueError("岗位编号只能由字母、数字、下划线或横线组成，最长 30 位（如 GW00001）")
    return raw


def _province(value) -> str:
    raw = normalize_province(values.text(value))
    if not raw:
        raise ValueError("必填")
    if raw not in PROVINCES:
        found = next((p for p in PROVINCES if raw.startswith(p)), None)
        hint = f"，是不是“{found}”？" if found else "，如 陕西、江苏、广东"
        raise ValueError(f"“{raw}”不是省份名称{hint}")
    return raw


def _education(value) -> Education | None:
    raw = values.text(value)
    if raw in ("", NO_REQUIREMENT):
        return None
    member = Education.from_label(raw)
    if member is None:
        raise ValueError(f"“{raw}”不是有效值，应为：{NO_REQUIREMENT}/{'/'.join(Education.labels())}")
    return member


def _headcount(value) -> int:
    number = values.parse_number(value, minimum=None, integer=True)
    if number is None:
        raise ValueError("必填")
    if number < 1:
        raise ValueError("招聘人数至少为 1 人")
    if number > MAX_HEADCOUNT:
        raise ValueError(f"招聘人数不能超过 {MAX_HEADCOUNT} 人")
    return number


def _age(value) -> int | None:
    number = values.parse_number(value, minimum=None, integer=True)
    if number is None:
        return None
    if number < MIN_AGE:
        raise ValueError(f"不能小于 {MIN_AGE} 岁（法定最低就业年龄）")
    if number > MAX_AGE:
        raise ValueError(f"不能大于 {MAX_AGE} 岁")
    return number


def _wage(value) -> float | None:
    number = values.parse_number(value)
    if number is not None and number > MAX_WAGE:
        raise ValueError(f"不能超过 {MAX_WAGE} 元")
    return number


def _items(value, max_len: int) -> list[str]:
    items = split_list(values.text(value))
    for item in items:
        if len(item) > max_len:
            raise ValueError(f"“{item[:10]}…”太长（每项不超过 {max_len} 个字）")
    return items


def parse_posting_fields(raw: dict, today: dt.date, vocab=None, *, require_code: bool = True
                         ) -> tuple[PostingFields, dict[str, str]]:
    """Validate one posting's raw values; with a ``vocab``, certificates must be in the catalogue."""
    out = PostingFields()
    errors: dict[str, str] = {}

    def take(name: str, parse):
        try:
            setattr(out, name, parse(raw.get(name)))
        except ValueError as exc:
            errors[name] = str(exc)

    if require_code:
        take("code", _code)
    take("employer", lambda v: _text(v, 80, True))
    take("channel", lambda v: _enum(Channel, v, True))
    take("title", lambda v: _text(v, 80, True))
    take("headcount", _headcount)
    take("workplace", lambda v: _text(v, 120, False))
    take("province", _province)
    take("site", lambda v: _text(v, 80, False))
    for name in ("longitude", "latitude"):
        take(name, lambda v: values.parse_number(v, minimum=None))
    take("min_age", _age)
    take("max_age", _age)
    take("education", _education)
    take("must_skills", lambda v: _items(v, 60))
    take("nice_skills", lambda v: _items(v, 60))
    take("certificates", lambda v: _items(v, 80))
    take("intensity", lambda v: _enum(Intensity, v, False))
    take("hours", lambda v: _enum(WorkHours, v, False))
    take("wage_min", _wage)
    take("wage_max", _wage)
    take("board_lodging", values.parse_bool)
    take("deadline", values.parse_date)

    if "longitude" not in errors and "latitude" not in errors:
        errors.update(validate_coordinates(out.longitude, out.latitude))
    if "min_age" not in errors and "max_age" not in errors and out.min_age and out.max_age \
            and out.min_age > out.max_age:
        errors["min_age"] = f"最低年龄（{out.min_age} 岁）不能高于最高年龄（{out.max_age} 岁）"
    if "wage_min" not in errors and "wage_max" not in errors and out.wage_min is not None \
            and out.wage_max is not None and out.wage_min > out.wage_max:
        errors["wage_min"] = f"月薪下限（{out.wage_min:g} 元）不能高于上限（{out.wage_max:g} 元）"
    if vocab is not None and "certificates" not in errors:
        problems = []
        for item in out.certificates:
            parsed, cert_id = vocab.certificate(item)
            if cert_id is None:
                suggestions = vocab.certificates.suggest(parsed.name or item)
                hint = f"，最接近的是：{'、'.join(suggestions)}" if suggestions else ""
                problems.append(f"证书目录中没有“{item}”{hint}")
            else:
                out.certificate_ids.append((cert_id, parsed.level))
        if problems:
            errors["certificates"] = "；".join(problems)
    return out, errors


@dataclass
class OutcomeFields:
    """A validated outcomes row: one referral and its result."""

    id_number: str = ""
    posting_code: str = ""
    referred_on: dt.date | None = None
    outcome: ReferralOutcome | None = None
    started_on: dt.date | None = None
    ended_on: dt.date | None = None


def _not_future(today: dt.date):
    def parse(value):
        day = values.parse_date(value)
        if day is not None and day > today:
            raise ValueError(f"日期 {day:%Y-%m-%d} 晚于今天")
        return day

    return parse


def _id_number(value, today: dt.date) -> str:
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
        raise ValueError("身份证号被 Excel 存成了数字，末几位可能已丢失；请把该列设为“文本”后重新填写")
    try:
        return parse_id_number(value, today).number
    except IdNumberError as exc:
        raise ValueError(str(exc)) from None


def parse_outcome_fields(raw: dict, today: dt.date) -> tuple[OutcomeFields, dict[str, str]]:
    """Validate one outcome row; dates must agree with the result and with each other."""
    out = OutcomeFields()
    errors: dict[str, str] = {}

    def take(name: str, parse):
        try:
            setattr(out, name, parse(raw.get(name)))
        except ValueError as exc:
            errors[name] = str(exc)

    take("id_number", lambda v: _id_number(v, today))
    take("posting_code", _code)
    take("referred_on", _not_future(today))
    if "referred_on" not in errors and out.referred_on is None:
        errors["referred_on"] = "必填"
    take("outcome", lambda v: _enum(ReferralOutcome, v, True))
    take("started_on", _not_future(today))
    take("ended_on", _not_future(today))
    errors.update(outcome_date_errors(out.outcome, out.referred_on, out.started_on, out.ended_on, skip=errors))
    return out, errors


def outcome_date_errors(outcome: ReferralOutcome | None, referred_on, started_on, ended_on, *, skip=()) -> dict:
    """Problems with a result's dates: hires need a start, exits an end, and the order must hold."""
    errors: dict[str, str] = {}
    if outcome is None or "outcome" in skip:
        return errors
    if outcome.is_hire and started_on is None and "started_on" not in skip:
        errors["started_on"] = f"结果为“{outcome.label}”时必须填写入职日期"
    if not outcome.is_hire and started_on is not None:
        errors["started_on"] = f"结果为“{outcome.label}”时不应填写入职日期"
    if outcome is ReferralOutcome.LEFT and ended_on is None and "ended_on" not in skip:
        errors["ended_on"] = "结果为“离职”时必须填写离职日期"
    if outcome is not ReferralOutcome.LEFT and ended_on is not None:
        errors["ended_on"] = "填写了离职日期，结果应为“离职”"
    if started_on and referred_on and started_on < referred_on and "started_on" not in errors:
        errors["started_on"] = f"入职日期不能早于推荐日期（{referred_on:%Y-%m-%d}）"
    if started_on and ended_on and ended_on < started_on and "ended_on" not in errors:
        errors["ended_on"] = f"离职日期不能早于入职日期（{started_on:%Y-%m-%d}）"
    return errors
