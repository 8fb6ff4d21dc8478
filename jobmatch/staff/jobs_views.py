"""Staff job pages: postings of the region, referral queue, departure batches, subsidy ledger, performance.

Routes join the ``staff`` blueprint (its sign-in and role guard apply). Postings, employers and
batches are visible when their county holds a site of the user's scope; referrals through the
referred person's site.
"""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from jobmatch import values
from jobmatch.accounts import audit
from jobmatch.accounts.permissions import current_scope, roles_required
from jobmatch.broker import forms as job_forms
from jobmatch.database import today
from jobmatch.errors import JobmatchError, NotFound, ValidationError
from jobmatch.extensions import db
from jobmatch.jobs import batches, occupation_codes, performance, subsidies
from jobmatch.jobs import services as jobs
from jobmatch.jobs import shortlist as ranking
from jobmatch.jobs.enums import Channel, EmployerKind, PostingStatus, ReferralOutcome, SubsidyKind
from jobmatch.matching import pages as matching_pages
from jobmatch.people import services as people
from jobmatch.spreadsheets.jobs import export_ledger
from jobmatch.staff import forms
from jobmatch.staff.views import ADMIN_ROLES, bp


def _me():
    return current_user._get_current_object()


def _single_county():
    counties = jobs.counties_of(current_scope())
    if len(counties) != 1:
        raise ValidationError("您的管辖范围包含多个县，请以县级账号操作，或通过导入岗位文件维护")
    return counties[0]


def _check(form) -> None:
    if not form.validate_on_submit():
        raise ValidationError("表单已过期，请刷新页面后重试")


# --- postings -------------------------------------------------------------------------------------------

@bp.route("/jobs/postings")
def postings():
    """Every posting of the region's counties, filterable by status, channel and text."""
    status = PostingStatus.from_label(request.args.get("status", ""))
    channel = Channel.from_label(request.args.get("channel", ""))
    q = request.args.get("q", "").strip()
    page = max(1, request.args.get("page", 1, type=int))
    result = jobs.list_postings(current_scope(), status=status, channel=channel, q=q or None, limit=100,
                                offset=(page - 1) * 100)
    db.session.commit()  # postings past their deadline were marked expired
    return render_template("staff/jobs_postings.html", page_data=result, status=status, channel=channel, q=q,
                           page=page, pages=max(1, -(-result.total // 100)), statuses=list(PostingStatus),
                           channels=list(Channel))


@bp.route("/jobs/postings/new", methods=["GET", "POST"])
@bp.route("/jobs/postings/<int:posting_id>/edit", methods=["GET", "POST"])
def edit_posting(posting_id: int | None = None):
    """Create or edit a posting of the user's county (staff postings have no broker)."""
    from jobmatch.broker.views import _posting_data

    posting = jobs.get_posting(posting_id, current_scope()) if posting_id else None
    form = job_forms.PostingForm()
    if request.method == "GET" and posting is not None:
        form.process(data=_posting_data(posting))
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            saved = jobs.save_posting(form.values(), county=posting.county if posting else _single_county(),
                                      actor=_me(), posting=posting, publish="publish" in request.form)
            db.session.commit()
            flash(f"岗位 {saved.code} 已保存", "success")
            return redirect(url_for("staff.posting", posting_id=saved.id))
        except ValidationError as err:
            db.session.rollback()
            errors = err.fields or {"": err.message}
    elif request.method == "POST":
        errors = {name: "；".join(msgs) for name, msgs in form.errors.items()}
    suggestions = occupation_codes.candidates(form.title.data or "")
    return render_template("broker/posting_edit.html", form=form, posting=posting, errors=errors,
                           suggestions=suggestions), (422 if errors else 200)


@bp.route("/jobs/postings/<int:posting_id>")
def posting(posting_id: int):
    """A posting, its referrals of people in the region, and the ranked shortlist of the region."""
    p = jobs.get_posting(posting_id, current_scope())
    result = matching_pages.posting_shortlist(p, current_scope())
    rows, _total = jobs.list_referrals(current_scope(), posting=p, limit=500)
    audit.record("view_shortlist", "posting", p.id, shown=len(result.candidates))
    db.session.commit()
    return render_template("staff/jobs_posting.html", p=p, shortlist=result, referrals=rows, hires=jobs.hires_count(p.id),
                           action_form=job_forms.ActionForm(), outcome_form=job_forms.OutcomeForm())


@bp.route("/jobs/postings/<int:posting_id>/publish", methods=["POST"])
def publish_posting(posting_id: int):
    p = jobs.get_posting(posting_id, current_scope())
    _check(job_forms.ActionForm())
    jobs.publish_posting(p, actor=_me())
    db.session.commit()
    flash("岗位已发布", "success")
    return redirect(url_for("staff.posting", posting_id=p.id))


@bp.route("/jobs/postings/<int:posting_id>/close", methods=["POST"])
def close_posting(posting_id: int):
    p = jobs.get_posting(posting_id, current_scope())
    _check(job_forms.ActionForm())
    jobs.close_posting(p, actor=_me())
    db.session.commit()
    flash("岗位已停止招聘", "success")
    return redirect(url_for("staff.posting", posting_id=p.id))


@bp.route("/jobs/postings/<int:posting_id>/refer/<int:person_id>", methods=["GET", "POST"])
def refer(posting_id: int, person_id: int):
    """Refer a person of the region; outside the posting's hard limits only with a reason."""
    p = jobs.get_posting(posting_id, current_scope())
    person = jobs.get_candidate(person_id, current_scope(), consenting_only=False)
    form = job_forms.ReferForm()
    error = None
    if form.validate_on_submit():
        try:
            jobs.refer(person, p, actor=_me(), override_reason=form.override_reason.data, note=form.note.data)
            db.session.commit()
            flash(f"已推荐 {person.name} 到“{p.title}”", "success")
            return redirect(url_for("staff.posting", posting_id=p.id))
        except JobmatchError as err:
            db.session.rollback()
            error = err.message
    violations, warnings = ranking.check_pair(person, p)
    return render_template("broker/refer.html", p=p, person=person, masked_id=people.masked_id(person),
                           masked_phone=people.masked_phone(person), violations=violations, warnings=warnings,
                           form=form, error=error), (422 if error else 200)


@bp.route("/jobs/people/<int:person_id>/postings")
def person_postings(person_id: int):
    """Open postings ranked for a person by the matching engine, with explanations; excluded ones with why."""
    person = people.get_person(person_id, current_scope())
    ask = request.args.get("ask") == "1"
    why = request.args.get("why", "").strip()[:30] or None
    result = matching_pages.person_postings(person, ask_out_of_area=ask, limit=30, why=why)
    mine, _total = jobs.list_referrals(current_scope(), person=person, limit=100)
    return render_template("staff/jobs_person.html", person=person, masked_id=people.masked_id(person),
                           result=result, ask=ask, why=why or "", referrals=mine,
                           outcome_form=job_forms.OutcomeForm())


# --- referral queue -------------------------------------------------------------------------------------

@bp.route("/jobs/referrals")
def referrals():
    """Referrals awaiting a result, people in placements, and public-welfare posts nearing the 3-year cap."""
    view = request.args.get("view", "pending")
    page = max(1, request.args.get("page", 1, type=int))
    if view == "placed":
        rows, total = jobs.list_referrals(current_scope(), active_placements=True, limit=100, offset=(page - 1) * 100)
    elif view == "all":
        rows, total = jobs.list_referrals(current_scope(), limit=100, offset=(page - 1) * 100)
    else:
        view = "pending"
        rows, total = jobs.list_referrals(current_scope(), outcomes=(ReferralOutcome.REFERRED, ReferralOutcome.INTERVIEW),
                                          limit=100, offset=(page - 1) * 100)
    return render_template("staff/jobs_referrals.html", rows=rows, total=total, view=view, page=page,
                           pages=max(1, -(-total // 100)), cap=jobs.public_welfare_cap_warnings(current_scope()),
                           outcome_form=job_forms.OutcomeForm())


@bp.route("/jobs/referrals/<int:referral_id>/outcome", methods=["POST"])
def referral_outcome(referral_id: int):
    """Record the next step of a referral (面试 / 录用 / 未录用 / 本人放弃 / 离职)."""
    referral = jobs.get_referral(referral_id, current_scope())
    form = job_forms.OutcomeForm()
    _check(form)
    try:
        jobs.record_outcome_form(referral, form.outcome.data, form.on.data, actor=_me(), note=form.note.data)
        db.session.commit()
        flash(f"已登记：{referral.person.name} {referral.outcome.label}", "success")
    except JobmatchError as err:
        db.session.rollback()
        flash(err.message, "error")
    target = request.form.get("next") or ""
    return redirect(target if target.startswith("/staff/") else url_for("staff.referrals"))


# --- employers ------------------------------------------------------------------------------------------

@bp.route("/jobs/employers")
def employers():
    """Employers of the region; park employers with their share of relocated workers (policy: ≥ 50%)."""
    return render_template("staff/jobs_employers.html", employers=jobs.list_employers(current_scope()),
                           shares=performance.park_shares(current_scope()), can_edit=current_user.role in ADMIN_ROLES)


@bp.route("/jobs/employers/new", methods=["GET", "POST"])
@bp.route("/jobs/employers/<int:employer_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def edit_employer(employer_id: int | None = None):
    employer = jobs.get_employer(employer_id, current_scope()) if employer_id else None
    form = forms.EmployerForm()
    if request.method == "GET" and employer is not None:
        form.process(data={
            "name": employer.name, "kind": employer.kind.value, "site": employer.site.name if employer.site else "",
            "is_park": employer.is_park, "province": employer.province or "", "address": employer.address or "",
            "contact_name": employer.contact_name or "", "contact_phone": employer.contact_phone or "",
            "workforce": "" if employer.workforce is None else str(employer.workforce),
        })
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            county = employer.county if employer else _single_county()
            jobs.save_employer(employer, county, {n: f.data for n, f in form._fields.items()}, actor=_me())
            db.session.commit()
            flash("用工单位已保存", "success")
            return redirect(url_for("staff.employers"))
        except ValidationError as err:
            db.session.rollback()
            errors = err.fields or {"": err.message}
    return render_template("staff/jobs_employer_edit.html", form=form, employer=employer, errors=errors), (
        422 if errors else 200)


# --- departure batches ----------------------------------------------------------------------------------

@bp.route("/jobs/batches", methods=["GET", "POST"])
def departure_batches():
    """Labor-export departure batches; a new batch is created here."""
    form = forms.BatchForm()
    form.posting_id.choices = {"": "（不关联岗位）"} | {
        str(p.id): f"{p.code} {p.title}（{p.province}）" for p in batches.labor_export_postings(current_scope())}
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            batch = batches.save_batch(None, _single_county(), {n: f.data for n, f in form._fields.items()},
                                       current_scope(), actor=_me())
            db.session.commit()
            flash("已新建输出批次", "success")
            return redirect(url_for("staff.departure_batch", batch_id=batch.id))
        except ValidationError as err:
            db.session.rollback()
            errors = err.fields or {"": err.message}
    return render_template("staff/jobs_batches.html", rows=batches.list_batches(current_scope()), form=form,
                           errors=errors), (422 if errors else 200)


@bp.route("/jobs/batches/<int:batch_id>", methods=["GET", "POST"])
def departure_batch(batch_id: int):
    """A batch: who goes, and the people hired to its posting who could join."""
    batch = batches.get_batch(batch_id, current_scope())
    form = job_forms.ActionForm()
    if request.method == "POST":
        _check(form)
        try:
            if request.form.get("remove"):
                batches.remove_member(batch, int(request.form["remove"]), current_scope(), actor=_me())
                flash("已移出批次", "success")
            else:
                added = batches.add_members(batch, [int(v) for v in request.form.getlist("referral_id")],
                                            current_scope(), actor=_me())
                flash(f"已加入 {added} 人", "success")
            db.session.commit()
        except JobmatchError as err:
            db.session.rollback()
            flash(err.message, "error")
        return redirect(url_for("staff.departure_batch", batch_id=batch.id))
    return render_template("staff/jobs_batch.html", batch=batch, members=batches.members_in_scope(batch, current_scope()),
                           candidates=batches.candidates(batch, current_scope()), form=form)


# --- subsidies ------------------------------------------------------------------------------------------

def _ledger_county():
    counties = jobs.counties_of(current_scope())
    if not counties:
        raise NotFound("您的管辖范围内没有县")
    wanted = request.values.get("county", type=int)
    return next((c for c in counties if c.id == wanted), counties[0]), counties


@bp.route("/jobs/subsidies")
def subsidy_ledger():
    """The subsidy ledger by person and month, the county's rules, and the recomputation history."""
    county, counties = _ledger_county()
    kind = SubsidyKind.from_label(request.args.get("kind", ""))
    try:
        month_from = values.parse_date((request.args.get("from") or "") + ("-01" if request.args.get("from") else ""))
        month_to = values.parse_date((request.args.get("to") or "") + ("-01" if request.args.get("to") else ""))
    except ValueError:
        flash("月份格式应为 YYYY-MM", "error")
        month_from = month_to = None
    page = max(1, request.args.get("page", 1, type=int))
    view = subsidies.ledger(county.id, month_from=month_from, month_to=month_to, kind=kind, limit=100,
                            offset=(page - 1) * 100)
    settings = subsidies.settings_for(county.id)
    form = forms.SubsidyRulesForm(data={**subsidies.rules_of(settings),
                                        "hiring_channels": settings.hiring_channels.split(",")})
    db.session.commit()  # the default rules row, the first time
    return render_template("staff/jobs_subsidies.html", county=county, counties=counties, view=view, kind=kind,
                           kinds=list(SubsidyKind), month_from=request.args.get("from", ""),
                           month_to=request.args.get("to", ""), page=page, pages=max(1, -(-view.total // 100)),
                           runs=subsidies.runs(county.id), form=form, action_form=job_forms.ActionForm(),
                           can_edit=current_user.role in ADMIN_ROLES, labels=subsidies.LABELS,
                           through=subsidies.default_through())


@bp.route("/jobs/subsidies/recompute", methods=["POST"])
@roles_required(*ADMIN_ROLES)
def subsidy_recompute():
    """Recompute the county's ledger from its placements (idempotent, recorded and audited)."""
    county, _ = _ledger_county()
    _check(job_forms.ActionForm())
    try:
        through = values.parse_date(request.form.get("through")) or subsidies.default_through()
        run = subsidies.recompute(county.id, through=through, actor=_me())
        db.session.commit()
        flash(f"补贴台账已更新（截至 {run.through:%Y-%m-%d}）：新增 {run.added} 条，作废 {run.voided} 条，"
              f"未变 {run.unchanged} 条，合计 {run.total_amount:,.0f} 元", "success")
    except (ValueError, JobmatchError) as err:
        db.session.rollback()
        flash(getattr(err, "message", str(err)), "error")
    return redirect(url_for("staff.subsidy_ledger", county=county.id))


@bp.route("/jobs/subsidies/rules", methods=["POST"])
@roles_required(*ADMIN_ROLES)
def subsidy_rules():
    """Change the county's subsidy amounts and rules (audited with before and after)."""
    county, _ = _ledger_county()
    form = forms.SubsidyRulesForm()
    _check(form)
    try:
        subsidies.update_settings(county.id, {n: f.data for n, f in form._fields.items()}, actor=_me())
        db.session.commit()
        flash("补贴标准已保存；请重新计算台账使其生效", "success")
    except ValidationError as err:
        db.session.rollback()
        flash("；".join(f"{subsidies.LABELS.get(k, k)}：{v}" for k, v in err.fields.items()) or err.message, "error")
    return redirect(url_for("staff.subsidy_ledger", county=county.id))


@bp.route("/jobs/subsidies/export")
@roles_required(*ADMIN_ROLES)
def subsidy_export():
    """Download the ledger in force as xlsx for payment (full ID numbers; audited)."""
    county, _ = _ledger_county()
    try:
        month_from = values.parse_date((request.args.get("from") or "") + ("-01" if request.args.get("from") else ""))
        month_to = values.parse_date((request.args.get("to") or "") + ("-01" if request.args.get("to") else ""))
    except ValueError:
        raise ValidationError("月份格式应为 YYYY-MM") from None
    buffer = io.BytesIO()
    count = export_ledger(buffer, county.id, month_from=month_from, month_to=month_to)
    audit.record("subsidy_export", "region", county.id, rows=count, month_from=month_from, month_to=month_to)
    db.session.commit()
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"补贴台账_{county.name}_{today():%Y%m%d}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- performance ----------------------------------------------------------------------------------------

@bp.route("/jobs/performance")
def job_performance():
    """Referrals, hires and 3/6-month retention per broker and per employer."""
    since = None
    try:
        since = values.parse_date(request.args.get("since"))
    except ValueError:
        flash("日期格式应为 2026-01-01", "error")
    return render_template("staff/jobs_performance.html",
                           brokers=performance.broker_performance(current_scope(), since=since),
                           employers=performance.employer_performance(current_scope(), since=since)[:200],
                           since=request.args.get("since", ""), kinds=list(EmployerKind))
