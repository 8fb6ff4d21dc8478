"""Monitoring pages under /staff/monitoring: the indicators dashboard with drill-down and export,
the zero-employment lists, a household's plan, visits and exit, each user's queue, and the
four-level status chain. Every query goes through the signed-in user's region scope."""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from jobmatch import values
from jobmatch.accounts import audit
from jobmatch.accounts.models import Role
from jobmatch.accounts.permissions import STAFF_ROLES, current_scope, require_roles
from jobmatch.database import today
from jobmatch.errors import JobmatchError, PermissionDenied, ValidationError
from jobmatch.extensions import db
from jobmatch.monitoring import chain, episodes, plans
from jobmatch.monitoring import indicators as ind
from jobmatch.monitoring.enums import ExitState, MeasureKind, ProposalState
from jobmatch.monitoring.report import write_report
from jobmatch.people import services as people
from jobmatch.people.enums import EmploymentStatus
from jobmatch.staff import monitoring_forms as forms
from jobmatch.staff.training_views import _area_scope
from jobmatch.training.indicators import scope_level

bp = Blueprint("monitoring", __name__, url_prefix="/staff/monitoring")
bp.before_request(require_roles(*STAFF_ROLES))

EXIT_ROLES = (Role.TOWNSHIP_CLERK, Role.COUNTY_REVIEWER, Role.CITY_ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _fail(err: JobmatchError) -> None:
    db.session.rollback()
    flash(err.message, "error")


def _errors(form) -> dict[str, str]:
    return {name: "；".join(msgs) for name, msgs in form.errors.items()}


def _pct(value) -> float | None:
    return round(value * 100, 1) if value is not None else None


# --- dashboard -----------------------------------------------------------------------------------

@bp.route("/")
def dashboard():
    """Indicators of the user's region (or an area inside it) with a breakdown one level down and trends."""
    scope, area = _area_scope(request.args.get("area"))
    on = today()
    site_figures = ind.figures_by_site(scope, on)
    current = ind.total(site_figures)
    summary = current.as_dict()
    level = "site" if area and area[0] == "site" else scope_level(scope)
    rows = ind.by_area(scope, level, site_figures)
    year = ind.monthly_trend(scope, 13, on, current=current)
    summary |= ind.income_change(year, summary["avg_income_employed"])
    trend = year[1:]
    db.session.commit()  # keeps the standings and month-end snapshots brought up to date
    chart = {
        "months": [m["month"] for m in trend],
        "coverage": [_pct(m["one_per_household_coverage"]) for m in trend],
        "employment_rate": [_pct(m["employment_rate"]) for m in trend],
        "zero": [m["zero_employment_households"] for m in trend],
        "out_of_province": [m["out_of_province"] for m in trend],
        "public_welfare": [m["public_welfare"] for m in trend],
        "areas": [r.name for r in rows],
        "area_coverage": [_pct(r.values["one_per_household_coverage"]) for r in rows],
    }
    return render_template("monitoring/dashboard.html", s=summary, rows=rows, level=level, area=area,
                           level_label=ind.LEVEL_LABELS[level], trend=trend, chart=chart,
                           overdue_measures=plans.overdue_measures(scope, on), on=on)


@bp.route("/export")
def export():
    """The monthly report of the user's region (or an area inside it) as xlsx (audited)."""
    scope, area = _area_scope(request.args.get("area"))
    label = area[2] if area else current_user.area_name
    buffer = io.BytesIO()
    rows = write_report(buffer, scope, today(), label=label)
    audit.record("export", None, None, kind="indicators", rows=rows, region=label)
    db.session.commit()
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"监测月报_{label}_{today():%Y%m}.xlsx", mimetype=XLSX)


@bp.route("/timeliness")
def timeliness():
    """Median days from discovery to entry to effect, and from detection to first help, per township."""
    rows = chain.timeliness_by_township(current_scope())
    return render_template("monitoring/timeliness.html", rows=rows)


# --- zero-employment lists -----------------------------------------------------------------------

@bp.route("/zero")
def zero_list():
    """Zero-employment households of the region: active, overdue, county supervision, exited, cleared."""
    which = request.args.get("list", "active")
    if which not in episodes.LISTS:
        which = "active"
    scope = current_scope()
    if episodes.escalate_overdue(scope):  # the promise is checked whenever someone looks
        db.session.commit()
    rows = episodes.list_episodes(scope, which)
    needed, days = episodes.promise()
    return render_template("monitoring/zero.html", rows=rows, which=which, lists=episodes.LISTS,
                           counts=episodes.list_counts(scope), needed=needed, days=days, today=today())


# --- one household ---------------------------------------------------------------------------------

def _household_page(household_id: int, errors: dict | None = None, forms_in: dict | None = None, status: int = 200):
    h = people.get_household(household_id, current_scope())
    view = people.household_view(h)
    plan = plans.plan_of(h.id)
    measure_form = (forms_in or {}).get("measure") or forms.MeasureForm(formdata=None)
    measure_form.responsible_id.choices = [("", "（请选择）")] + [
        (str(u.id), f"{u.display_name or u.username}（{u.role.label}）") for u in plans.responsible_choices(h.site_id)]
    return render_template(
        "monitoring/household.html", view=view, h=h, plan=plan,
        history=episodes_history(h.id), current=episodes.current_episode(h.id), visits=plans.visits_of(h.id),
        plan_form=forms.PlanForm(formdata=None, summary=plan.summary if plan else ""), measure_form=measure_form,
        done_form=forms.MeasureDoneForm(formdata=None),
        visit_form=(forms_in or {}).get("visit") or forms.VisitForm(formdata=None, visited_on=today()),
        exit_form=(forms_in or {}).get("exit") or forms.ExitForm(formdata=None),
        can_exit=current_user.role in EXIT_ROLES, errors=errors or {}, today=today(),
    ), status


def episodes_history(household_id: int):
    import sqlalchemy as sa

    from jobmatch.monitoring.models import ZeroEpisode

    return list(db.session.scalars(sa.select(ZeroEpisode).where(ZeroEpisode.household_id == household_id)
                                   .order_by(ZeroEpisode.detected_on.desc(), ZeroEpisode.id.desc())))


@bp.route("/households/<int:household_id>")
def household(household_id: int):
    """A household's standing, zero-employment history, assistance plan, measures and visits (audited)."""
    audit.record("view_household", "household", household_id)
    page = _household_page(household_id)
    db.session.commit()
    return page


@bp.route("/households/<int:household_id>/plan", methods=["POST"])
def save_plan(household_id: int):
    h = people.get_household(household_id, current_scope())
    form = forms.PlanForm()
    if not form.validate_on_submit():
        raise ValidationError("表单有误：" + "；".join(_errors(form).values()))
    plans.ensure_plan(h, actor=current_user, summary=form.summary.data or "")
    db.session.commit()
    flash("已保存一户一策", "success")
    return redirect(url_for("monitoring.household", household_id=h.id))


@bp.route("/households/<int:household_id>/measures", methods=["POST"])
def add_measure(household_id: int):
    h = people.get_household(household_id, current_scope())
    form = forms.MeasureForm()
    if form.validate_on_submit():
        try:
            plan = plans.ensure_plan(h, actor=current_user)
            raw = form.responsible_id.data
            plans.add_measure(plan, kind=MeasureKind.from_label(form.kind.data or ""), description=form.description.data,
                              responsible_id=int(raw) if raw and raw.isdigit() else None, due_on=form.due_on.data,
                              actor=current_user)
            db.session.commit()
            flash("已添加帮扶措施", "success")
            return redirect(url_for("monitoring.household", household_id=h.id) + "#plan")
        except ValidationError as err:
            db.session.rollback()
            errors = err.fields or {"description": err.message}
    else:
        errors = _errors(form)
    return _household_page(h.id, errors, {"measure": form}, 422)


@bp.route("/measures/<int:measure_id>/done", methods=["POST"])
def measure_done(measure_id: int):
    measure = plans.get_measure(measure_id, current_scope())
    form = forms.MeasureDoneForm()
    if not form.validate_on_submit():
        raise ValidationError("表单有误：" + "；".join(_errors(form).values()))
    try:
        plans.complete_measure(measure, done_on=form.done_on.data, note=form.done_note.data, actor=current_user)
        db.session.commit()
        flash("措施已办结", "success")
    except ValidationError as err:
        _fail(err)
    return redirect(request.form.get("next") or url_for("monitoring.household", household_id=measure.plan.household_id))


@bp.route("/households/<int:household_id>/visits", methods=["POST"])
def add_visit(household_id: int):
    h = people.get_household(household_id, current_scope())
    form = forms.VisitForm()
    if form.validate_on_submit():
        try:
            plans.add_visit(h, visited_on=form.visited_on.data, reached=form.reached.data != "0", note=form.note.data,
                            actor=current_user)
            db.session.commit()
            flash("已记录走访", "success")
            return redirect(url_for("monitoring.household", household_id=h.id) + "#visits")
        except ValidationError as err:
            db.session.rollback()
            errors = err.fields or {"note": err.message}
    else:
        errors = _errors(form)
    return _household_page(h.id, errors, {"visit": form}, 422)


@bp.route("/episodes/<int:episode_id>/exit", methods=["POST"])
def exit_episode(episode_id: int):
    if current_user.role not in EXIT_ROLES:
        raise PermissionDenied("政策退出须由镇级录入员或县级审核员办理")
    ep = episodes.get_episode(episode_id, current_scope())
    form = forms.ExitForm()
    if form.validate_on_submit():
        try:
            state = ExitState.from_label(form.state.data or "")
            if state is None:
                raise ValidationError("请选择退出情形", fields={"state": "请选择"})
            episodes.record_exit(ep, state, form.evidence.data, actor=current_user,
                                 county_level=current_user.role in (Role.COUNTY_REVIEWER, Role.CITY_ADMIN))
            db.session.commit()
            flash(f"已办理政策退出：{state.label}", "success")
            return redirect(url_for("monitoring.household", household_id=ep.household_id))
        except ValidationError as err:
            db.session.rollback()
            errors = err.fields or {"evidence": err.message}
            if "evidence" not in errors and "state" not in errors:
                errors["evidence"] = err.message
    else:
        errors = _errors(form)
    return _household_page(ep.household_id, errors, {"exit": form}, 422)


# --- my queue ----------------------------------------------------------------------------------------

@bp.route("/queue")
def queue():
    """Measures the signed-in user is responsible for; overdue ones first."""
    rows = plans.my_queue(current_user, current_scope())
    pending = chain.list_proposals(current_scope(), _my_steps())
    return render_template("monitoring/queue.html", rows=rows, done_form=forms.MeasureDoneForm(formdata=None),
                           today=today(), proposals=pending)


def _my_steps() -> list[ProposalState]:
    role = current_user.role
    steps = []
    if role in chain.CONFIRMERS:
        steps.append(ProposalState.PENDING_TOWNSHIP)
    if role in chain.REVIEWERS:
        steps.append(ProposalState.PENDING_COUNTY)
    return steps or [ProposalState.PENDING_TOWNSHIP, ProposalState.PENDING_COUNTY]


# --- the four-level chain ----------------------------------------------------------------------------

@bp.route("/proposals")
def proposals():
    """Status changes in the chain: waiting for my step first, then the rest."""
    which = request.args.get("state", "pending")
    states = {"pending": [ProposalState.PENDING_TOWNSHIP, ProposalState.PENDING_COUNTY],
              "applied": [ProposalState.APPLIED], "rejected": [ProposalState.REJECTED]}.get(which)
    rows = chain.list_proposals(current_scope(), states)
    return render_template("monitoring/proposals.html", rows=rows, which=which, form=forms.RejectForm(formdata=None),
                           my_steps=_my_steps(), role=current_user.role)


@bp.route("/people/<int:person_id>/propose", methods=["GET", "POST"])
def propose(person_id: int):
    """A site clerk reports a status change; it goes to the township for confirmation."""
    p = people.get_person(person_id, current_scope())
    form = forms.ProposalForm() if request.method == "POST" else forms.ProposalForm(
        formdata=None, status=p.employment_status.value, discovered_on=today(), effective_on=today())
    errors: dict[str, str] = {}
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                income = values.parse_number(form.monthly_income.data)
            except ValueError as exc:
                income = None
                errors["monthly_income"] = f"月收入{exc}"
            if not errors:
                try:
                    chain.propose(p, EmploymentStatus(form.status.data), form.effective_on.data,
                                  discovered_on=form.discovered_on.data, actor=current_user, workplace=form.workplace.data,
                                  monthly_income=income, note=form.note.data)
                    db.session.commit()
                    flash("已上报，等待镇级确认", "success")
                    return redirect(url_for("monitoring.proposals"))
                except ValidationError as err:
                    db.session.rollback()
                    errors = err.fields or {"status": err.message}
        else:
            errors = _errors(form)
    return render_template("monitoring/propose.html", p=p, form=form, errors=errors), (422 if errors else 200)


@bp.route("/proposals/<int:proposal_id>/<action>", methods=["POST"])
def proposal_action(proposal_id: int, action: str):
    proposal = chain.get_proposal(proposal_id, current_scope())
    form = forms.RejectForm()
    if not form.validate_on_submit():
        raise ValidationError("表单有误：" + "；".join(_errors(form).values()))
    try:
        if action == "confirm":
            chain.confirm(proposal, actor=current_user)
            message = "已确认" + ("，等待县级审核" if proposal.state is ProposalState.PENDING_COUNTY else "，变更已生效")
        elif action == "approve":
            chain.approve(proposal, actor=current_user)
            message = "审核通过，变更已生效"
        elif action == "reject":
            chain.reject(proposal, form.reason.data, actor=current_user)
            message = "已退回"
        else:
            raise ValidationError("不支持的操作")
        db.session.commit()
        flash(message, "success")
    except ValidationError as err:
        _fail(err)
    return redirect(url_for("monitoring.proposals"))
