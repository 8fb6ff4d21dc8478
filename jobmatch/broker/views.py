"""Broker (劳务经纪人) pages: own postings, shortlists of consenting people, referrals and outcomes.

A broker is scoped to a county. They see only the postings they own and the referrals they
made, and only people in their county who consented to broker sharing, with ID and phone
numbers masked.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from jobmatch.accounts import audit
from jobmatch.accounts.models import Role
from jobmatch.accounts.permissions import current_scope, require_roles
from jobmatch.broker import forms
from jobmatch.errors import JobmatchError, ValidationError
from jobmatch.extensions import db
from jobmatch.jobs import occupation_codes, performance
from jobmatch.jobs import services as jobs
from jobmatch.jobs import shortlist as ranking
from jobmatch.jobs.enums import PostingStatus, ReferralOutcome
from jobmatch.matching import pages as matching_pages
from jobmatch.people.services import masked_id, masked_phone

bp = Blueprint("broker", __name__, url_prefix="/broker")
bp.before_request(require_roles(Role.BROKER))


def _me():
    return current_user._get_current_object()


def _county():
    counties = jobs.counties_of(current_scope())
    if not counties:
        raise ValidationError("您的账号没有所属县，请联系管理员")
    return counties[0]


@bp.route("/")
def home():
    """The broker's postings with hires, and their latest referrals."""
    page = jobs.list_postings(current_scope(), broker=_me())
    referrals, total = jobs.list_referrals(current_scope(), broker=_me(), limit=10)
    db.session.commit()  # postings whose deadline passed were marked expired
    return render_template("broker/home.html", page=page, referrals=referrals, total=total)


@bp.route("/postings/new", methods=["GET", "POST"])
@bp.route("/postings/<int:posting_id>/edit", methods=["GET", "POST"])
def edit_posting(posting_id: int | None = None):
    """Create or edit one of the broker's postings; save as a draft or publish."""
    posting = jobs.get_posting(posting_id, current_scope(), broker=_me()) if posting_id else None
    form = forms.PostingForm()
    if request.method == "GET" and posting is not None:
        form.process(data=_posting_data(posting))
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            saved = jobs.save_posting(form.values(), county=posting.county if posting else _county(), actor=_me(),
                                      broker=_me(), posting=posting, publish="publish" in request.form)
            db.session.commit()
            flash(f"岗位 {saved.code} 已{'发布' if saved.status is PostingStatus.OPEN else '保存'}", "success")
            return redirect(url_for("broker.posting", posting_id=saved.id))
        except ValidationError as err:
            db.session.rollback()
            errors = err.fields or {"": err.message}
    elif request.method == "POST":
        errors = {name: "；".join(msgs) for name, msgs in form.errors.items()}
    suggestions = occupation_codes.candidates(form.title.data or "")
    return render_template("broker/posting_edit.html", form=form, posting=posting, errors=errors,
                           suggestions=suggestions), (422 if errors else 200)


def _posting_data(posting) -> dict:
    def num(v):
        return "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))

    return {
        "title": posting.title, "employer": posting.employer.name, "channel": posting.channel.value,
        "headcount": str(posting.headcount), "province": posting.province, "workplace": posting.workplace or "",
        "site": posting.site.name if posting.site else "", "min_age": num(posting.min_age), "max_age": num(posting.max_age),
        "education": posting.education.value if posting.education else "不限",
        "must_skills": "、".join(s.raw for s in posting.must_skills),
        "nice_skills": "、".join(s.raw for s in posting.nice_skills),
        "certificates": "、".join(c.raw for c in posting.certificates),
        "intensity": posting.intensity.value if posting.intensity else "",
        "hours": posting.hours.value if posting.hours else "", "wage_min": num(posting.wage_min),
        "wage_max": num(posting.wage_max), "board_lodging": posting.board_lodging,
        "deadline": posting.deadline.isoformat() if posting.deadline else "",
        "longitude": num(posting.longitude), "latitude": num(posting.latitude),
        "csco_code": posting.csco_code if posting.csco_confirmed else "",
    }


@bp.route("/postings/<int:posting_id>")
def posting(posting_id: int):
    """A posting with its ranked shortlist of consenting people and the broker's referrals to it."""
    p = jobs.get_posting(posting_id, current_scope(), broker=_me())
    result = matching_pages.posting_shortlist(p, current_scope(), consenting_only=True)
    referrals, _total = jobs.list_referrals(current_scope(), broker=_me(), posting=p)
    q = request.args.get("q", "").strip()
    found = [(person, masked_id(person)) for person in jobs.find_candidates(current_scope(), q, consenting_only=True)]
    audit.record("view_shortlist", "posting", p.id, shown=len(result.candidates))
    db.session.commit()
    return render_template("broker/posting.html", p=p, shortlist=result, referrals=referrals, q=q, found=found,
                           hires=jobs.hires_count(p.id), refer_form=forms.ReferForm(), action_form=forms.ActionForm(),
                           outcome_form=forms.OutcomeForm())


@bp.route("/postings/<int:posting_id>/publish", methods=["POST"])
def publish(posting_id: int):
    p = jobs.get_posting(posting_id, current_scope(), broker=_me())
    _check(forms.ActionForm())
    jobs.publish_posting(p, actor=_me())
    db.session.commit()
    flash("岗位已发布", "success")
    return redirect(url_for("broker.posting", posting_id=p.id))


@bp.route("/postings/<int:posting_id>/close", methods=["POST"])
def close(posting_id: int):
    p = jobs.get_posting(posting_id, current_scope(), broker=_me())
    _check(forms.ActionForm())
    jobs.close_posting(p, actor=_me())
    db.session.commit()
    flash("岗位已停止招聘", "success")
    return redirect(url_for("broker.posting", posting_id=p.id))


def _check(form) -> None:
    if not form.validate_on_submit():
        raise ValidationError("表单已过期，请刷新页面后重试")


@bp.route("/postings/<int:posting_id>/refer/<int:person_id>", methods=["GET", "POST"])
def refer(posting_id: int, person_id: int):
    """Refer a consenting person; outside the posting's hard limits only with a reason."""
    p = jobs.get_posting(posting_id, current_scope(), broker=_me())
    person = jobs.get_candidate(person_id, current_scope(), consenting_only=True)
    form = forms.ReferForm()
    error = None
    if form.validate_on_submit():
        try:
            jobs.refer(person, p, actor=_me(), override_reason=form.override_reason.data, note=form.note.data)
            db.session.commit()
            flash(f"已推荐 {person.name} 到“{p.title}”", "success")
            return redirect(url_for("broker.posting", posting_id=p.id))
        except JobmatchError as err:
            db.session.rollback()
            error = err.message
    violations, warnings = ranking.check_pair(person, p)
    return render_template("broker/refer.html", p=p, person=person, masked_id=masked_id(person),
                           masked_phone=masked_phone(person), violations=violations, warnings=warnings, form=form,
                           error=error), (422 if error else 200)


@bp.route("/referrals")
def referrals():
    """Every referral the broker made, newest first, with forms to record results."""
    page = max(1, request.args.get("page", 1, type=int))
    pending = request.args.get("pending") == "1"
    outcomes = (ReferralOutcome.REFERRED, ReferralOutcome.INTERVIEW) if pending else None
    rows, total = jobs.list_referrals(current_scope(), broker=_me(), outcomes=outcomes, limit=50, offset=(page - 1) * 50)
    return render_template("broker/referrals.html", rows=rows, total=total, page=page, pending=pending,
                           pages=max(1, -(-total // 50)), outcome_form=forms.OutcomeForm())


@bp.route("/referrals/<int:referral_id>/outcome", methods=["POST"])
def outcome(referral_id: int):
    """Record the next step of one of the broker's referrals."""
    referral = jobs.get_referral(referral_id, current_scope(), broker=_me())
    form = forms.OutcomeForm()
    _check(form)
    try:
        jobs.record_outcome_form(referral, form.outcome.data, form.on.data, actor=_me(), note=form.note.data)
        db.session.commit()
        flash(f"已登记：{referral.person.name} {referral.outcome.label}", "success")
    except JobmatchError as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(_back(url_for("broker.referrals")))


def _back(default: str) -> str:
    target = request.form.get("next") or ""
    return target if target.startswith("/broker/") else default


@bp.route("/performance")
def my_performance():
    """The broker's own referrals, hires and retention, overall and per employer."""
    mine = performance.broker_performance(current_scope(), broker=_me())
    return render_template("broker/performance.html", rows=mine)
