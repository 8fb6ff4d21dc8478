"""Training pages under /staff/training: progress, courses, enrolment to certificate, worklists,
targets, providers, the certificate catalogue, outcomes and rosters. Every query goes through
the signed-in user's region scope."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from jobmatch.accounts import audit
from jobmatch.accounts.models import Role
from jobmatch.accounts.permissions import STAFF_ROLES, current_scope, require_roles, roles_required
from jobmatch.database import today
from jobmatch.errors import ImportRejected, JobmatchError, NotFound, ValidationError
from jobmatch.extensions import db
from jobmatch.people import services as people
from jobmatch.people.search import search_people
from jobmatch.places.models import Region, Site
from jobmatch.places.services import scope_for
from jobmatch.spreadsheets import roster as roster_sheets
from jobmatch.spreadsheets.importing import run_import
from jobmatch.staff import training_forms as forms
from jobmatch.training import catalogue, figures_cache, gap_whatif, gaps, indicators, outcomes, worklists
from jobmatch.training import services as training
from jobmatch.training.enums import CourseKind, EnrollmentStatus, ExamResult
from jobmatch.training.models import CertificateAward, Enrollment
from jobmatch.vocab.models import Certificate, CertificateKind, Skill

bp = Blueprint("training", __name__, url_prefix="/staff/training")
bp.before_request(require_roles(*STAFF_ROLES))

ADMIN_ROLES = (Role.CITY_ADMIN, Role.COUNTY_REVIEWER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _errors(form) -> dict[str, str]:
    return {name: "；".join(msgs) for name, msgs in form.errors.items()}


def _fail(err: JobmatchError) -> None:
    db.session.rollback()
    flash(err.message, "error")


def _pct(value) -> float | None:
    return float(value) / 100 if value is not None else None


# --- progress -----------------------------------------------------------------------------------

def _area_scope(area: str | None):
    """The user's scope narrowed to ``county-ID`` / ``township-ID`` / ``site-ID`` (never widened)."""
    scope = current_scope()
    if not area:
        return scope, None
    try:
        level, raw_id = area.split("-", 1)
        area_id = int(raw_id)
    except ValueError:
        raise NotFound("找不到该区域") from None
    if level == "site":
        site = db.session.get(Site, area_id)
        narrowed = scope_for(site=site) if site else None
        name = site.name if site else None
    elif level in ("county", "township"):
        region = db.session.get(Region, area_id)
        narrowed = scope_for(region=region) if region else None
        name = region.name if region else None
    else:
        narrowed = name = None
    if narrowed is None or not (narrowed.site_ids & scope.site_ids):
        raise NotFound("找不到该区域，或不在您的管辖范围内")
    return type(scope)(narrowed.site_ids & scope.site_ids, name), (level, area_id, name)


@bp.route("/")
def progress():
    """培训率 / 持证率 with targets, month-by-month charts, and a breakdown by county, township or site."""
    scope, area = _area_scope(request.args.get("area"))
    on = today()
    site_counts, series = figures_cache.cached("progress", scope, indicators.progress_figures, 24, on)
    total = indicators.Counts()
    for counts in site_counts.values():
        total.add(counts)
    level = "site" if area and area[0] == "site" else indicators.scope_level(scope)
    rows = indicators.rates_by_area(scope, level, on, site_counts=site_counts)
    target_region = area[1] if area and area[0] != "site" else getattr(current_user.region, "id", None)
    target = training.targets_for([target_region], on.year).get(target_region) if target_region else None
    chart = {
        "months": [m["month"] for m in series],
        "training_rate": [round(m["training_rate"] * 100, 1) if m["training_rate"] is not None else None for m in series],
        "certificate_rate": [round(m["certificate_rate"] * 100, 1) if m["certificate_rate"] is not None else None
                             for m in series],
        "completions": [m["completions"] for m in series],
        "awards": [m["awards"] for m in series],
        "areas": [r.name for r in rows],
        "area_training": [round((r.rates["training_rate"] or 0) * 100, 1) for r in rows],
        "area_certificate": [round((r.rates["certificate_rate"] or 0) * 100, 1) for r in rows],
        "target_training": round(target.training_rate * 100, 1) if target and target.training_rate is not None else None,
        "target_certificate": round(target.certificate_rate * 100, 1) if target and target.certificate_rate is not None else None,
    }
    return render_template("training/progress.html", rates=total.as_dict(), rows=rows, level=level, area=area,
                           series=series, chart=chart, target=target, year=on.year,
                           level_label=indicators.region_label(level))


# --- courses ------------------------------------------------------------------------------------

@bp.route("/courses")
def courses():
    """Courses of the user's counties, newest first, with enrolment and certificate counts."""
    year = request.args.get("year", type=int)
    kind = CourseKind.from_label(request.args.get("kind", ""))
    q = request.args.get("q", "").strip()
    rows = training.list_courses(current_scope(), year=year, kind=kind, q=q or None)
    return render_template("training/courses.html", rows=rows, year=year, kind=kind, q=q, kinds=list(CourseKind),
                           today=today(), can_edit=current_user.role in ADMIN_ROLES)


def _course_form_choices(form: forms.CourseForm) -> None:
    scope = current_scope()
    form.provider_id.choices = {"": "（请选择）"} | {p.id: p.name for p in training.list_providers(scope, active_only=True)}
    form.county_id.choices = {c.id: c.name for c in training.counties_in_scope(scope)}
    form.site_id.choices = {"": "（全县）"} | {
        s.id: f"{s.township.name}{s.name}" for s in db.session.scalars(
            sa.select(Site).where(scope.filter(Site.id)).order_by(Site.township_id, Site.name))}
    form.skill_id.choices = {"": "（无）"} | {s.id: s.name for s in db.session.scalars(sa.select(Skill).order_by(Skill.name))}
    form.certificate_id.choices = {"": "（无）"} | {
        c.id: f"{c.name}（{c.kind.label}）" for c in db.session.scalars(sa.select(Certificate).order_by(Certificate.kind, Certificate.name))}
    form.employer_id.choices = {"": "（不关联）"} | {e.id: e.name for e in training.employers_in_scope(scope)}


def _course_fields(form: forms.CourseForm) -> training.CourseFields:
    return training.CourseFields(
        name=form.name.data or "", kind=CourseKind.from_label(form.kind.data or ""), provider_id=form.provider_id.data,
        county_id=form.county_id.data, site_id=form.site_id.data, skill_id=form.skill_id.data,
        certificate_id=form.certificate_id.data, certificate_level=form.certificate_level.data,
        employer_name=form.employer_name.data, place=form.place.data, starts_on=form.starts_on.data,
        ends_on=form.ends_on.data, capacity=form.capacity.data,
        subsidy_per_trainee=float(form.subsidy_per_trainee.data) if form.subsidy_per_trainee.data is not None else None,
        hours=form.hours.data, description=form.description.data, is_open_for_signup=form.is_open_for_signup.data,
        employer_id=form.employer_id.data, posting_ids=form.posting_id_list(),
    )


@bp.route("/courses/new", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def new_course():
    """Create a course; a skill gap pre-fills kind, skill, certificate and employer."""
    form = forms.CourseForm()
    _course_form_choices(form)
    errors: dict[str, str] = {}
    if request.method == "GET":
        prefill = {key: request.args.get(key) for key in ("name", "employer_name", "place", "posting_ids")
                   if request.args.get(key)}
        for key in ("skill_id", "certificate_id", "certificate_level", "capacity", "employer_id"):
            if request.args.get(key, type=int):
                prefill[key] = request.args.get(key, type=int)
        if request.args.get("kind"):
            prefill["kind"] = request.args["kind"]
        if len(form.county_id.choices) == 1:
            prefill["county_id"] = next(iter(form.county_id.choices))
        form.process(data={"is_open_for_signup": True} | prefill)
        _course_form_choices(form)
    elif form.validate_on_submit():
        try:
            course = training.create_course(_course_fields(form), scope=current_scope(), actor=current_user)
            db.session.commit()
            flash(f"已创建课程 {course.code}", "success")
            return redirect(url_for("training.course", course_id=course.id))
        except ValidationError as err:
            db.session.rollback()
            errors = err.fields or {"": err.message}
    else:
        errors = _errors(form)
    return render_template("training/course_edit.html", form=form, errors=errors, course=None,
                           linked=training.postings_by_ids(form.posting_id_list(), current_scope())), (422 if errors else 200)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def edit_course(course_id: int):
    course = training.get_course(course_id, current_scope())
    form = forms.CourseForm(obj=course if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = course.kind.value
        form.posting_ids.data = ",".join(str(p.id) for p in course.postings)
    _course_form_choices(form)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            training.update_course(course, _course_fields(form), scope=current_scope(), actor=current_user)
            db.session.commit()
            flash("已保存", "success")
            return redirect(url_for("training.course", course_id=course.id))
        except ValidationError as err:
            db.session.rollback()
            errors = err.fields or {"": err.message}
    elif request.method == "POST":
        errors = _errors(form)
    linked = training.postings_by_ids(form.posting_id_list(), current_scope())
    return render_template("training/course_edit.html", form=form, errors=errors, course=course,
                           linked=linked), (422 if errors else 200)


@bp.route("/courses/<int:course_id>")
def course(course_id: int):
    """A course: details, sessions, the trainees of the user's region, and enrolment by search."""
    scope = current_scope()
    c = training.get_course(course_id, scope)
    enrollments = training.scoped_enrollments(c, scope)
    held, attended = training.attendance_counts(c.id)
    awards = {}
    if enrollments:
        for award in db.session.scalars(sa.select(CertificateAward).where(
                CertificateAward.enrollment_id.in_([e.id for e in enrollments]))):
            awards[award.enrollment_id] = award
    q = request.args.get("q", "").strip()
    joined = {e.person_id for e in enrollments if e.status is not EnrollmentStatus.DROPPED}
    candidates = [(p, people.masked_id(p)) for p in search_people(scope, q)] if q else []
    rows = [(e, people.masked_id(e.person), attended.get(e.id, 0), awards.get(e.id)) for e in enrollments]
    active = db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment).where(
        Enrollment.course_id == c.id, Enrollment.status.in_(training.ACTIVE))) or 0
    lacking = []
    if (c.skill_id or c.certificate_id) and c.ends_on >= today():
        lacking = [(p, people.masked_id(p)) for p in gaps.seekers_lacking(
            scope, c.county_id, skill_id=None if c.certificate_id else c.skill_id, certificate_id=c.certificate_id,
            exclude_course_id=c.id, limit=200)]
    return render_template(
        "training/course.html", c=c, rows=rows, held=held, q=q, candidates=candidates, joined=joined, active=active,
        enroll_form=forms.EnrollForm(), session_form=forms.SessionForm(), today=today(),
        can_edit=current_user.role in ADMIN_ROLES, lacking=lacking, many_form=forms.EnrollManyForm(),
    )


@bp.route("/courses/<int:course_id>/enroll-many", methods=["POST"])
def enroll_many(course_id: int):
    """Enrol the ticked job seekers at once — all or nothing."""
    scope = current_scope()
    c = training.get_course(course_id, scope)
    form = forms.EnrollManyForm()
    if not form.validate_on_submit():
        raise ValidationError("页面已过期，请刷新后重试")
    try:
        ids = sorted({int(v) for v in request.form.getlist("person_id")})
    except ValueError:
        ids = []
    if not ids:
        flash("请先勾选要报名的人员", "error")
        return redirect(url_for("training.course", course_id=c.id))
    try:
        done = training.enroll_many(c, [people.get_person(i, scope) for i in ids], scope=scope, actor=current_user)
        db.session.commit()
        flash(f"已为 {len(done)} 人报名", "success")
    except JobmatchError as err:
        _fail(err)
    return redirect(url_for("training.course", course_id=c.id))


@bp.route("/courses/<int:course_id>/enroll", methods=["POST"])
def enroll(course_id: int):
    """Enrol a person of the user's region (chosen from the search on the course page)."""
    scope = current_scope()
    c = training.get_course(course_id, scope)
    form = forms.EnrollForm()
    if not form.validate_on_submit() or not form.person_id.data:
        raise ValidationError("请先查找并选择要报名的人员")
    person = people.get_person(form.person_id.data, scope)
    try:
        training.enroll(c, person, scope=scope, actor=current_user)
        db.session.commit()
        flash(f"{person.name} 已报名", "success")
    except JobmatchError as err:
        _fail(err)
    return redirect(url_for("training.course", course_id=c.id, q=request.form.get("q") or None))


@bp.route("/courses/<int:course_id>/sessions", methods=["POST"])
def add_session(course_id: int):
    c = training.get_course(course_id, current_scope())
    form = forms.SessionForm()
    if not form.validate_on_submit():
        raise ValidationError("表单有误：" + "；".join(_errors(form).values()))
    try:
        training.add_session(c, form.held_on.data, topic=form.topic.data,
                             hours=float(form.hours.data) if form.hours.data is not None else None, actor=current_user)
        db.session.commit()
        flash("已添加课次", "success")
    except JobmatchError as err:
        _fail(err)
    return redirect(url_for("training.course", course_id=c.id))


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
def attendance(session_id: int):
    """Tick who attended one session (the trainees of the user's region)."""
    scope = current_scope()
    session = training.get_session(session_id, scope)
    form = forms.EnrollForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            raise ValidationError("页面已过期，请刷新后重试")
        try:
            present = {int(v) for v in request.form.getlist("present")}
            count = training.record_attendance(session, present, scope=scope, actor=current_user)
            db.session.commit()
            flash(f"已记录出勤 {count} 人", "success")
            return redirect(url_for("training.course", course_id=session.course_id))
        except (JobmatchError, ValueError) as err:
            _fail(err if isinstance(err, JobmatchError) else ValidationError("出勤名单有误"))
    enrollments = training.scoped_enrollments(session.course, scope)
    present = set(db.session.scalars(sa.select(training.Attendance.enrollment_id).where(
        training.Attendance.session_id == session.id)))
    return render_template("training/attendance.html", session=session, enrollments=enrollments, present=present,
                           form=form)


@bp.route("/courses/<int:course_id>/roster.xlsx")
def roster_export(course_id: int):
    """The course's roster (people of the user's region) as xlsx, re-importable; audited."""
    scope = current_scope()
    c = training.get_course(course_id, scope)
    buffer = io.BytesIO()
    count = roster_sheets.export_roster(buffer, c, scope)
    audit.record("export", "course", c.id, kind="roster", rows=count, region=scope.label)
    db.session.commit()
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"培训花名册_{c.code}.xlsx", mimetype=XLSX)


@bp.route("/roster", methods=["GET", "POST"])
def roster_import():
    """Upload a roster: enrolments, attendance, completion, exams and certificates, all or nothing."""
    form = forms.RosterForm()
    outcome = rejected = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            outcome = run_import("roster", upload.read(), upload.filename or "花名册", actor=current_user,
                                 dry_run=form.dry_run.data, scope=current_scope())
            db.session.commit()
        except ImportRejected as err:
            db.session.commit()  # the audit record of the rejected attempt
            rejected, status = err, 422
    elif request.method == "POST":
        status = 400
    return render_template("training/roster.html", form=form, outcome=outcome, rejected=rejected,
                           columns=roster_sheets.ROSTER.columns), status


# --- one trainee ----------------------------------------------------------------------------------

def _certificate_choices(field) -> None:
    field.choices = {"": "（请选择）"} | {
        c.id: f"{c.name}（{c.kind.label}）" for c in db.session.scalars(sa.select(Certificate).order_by(Certificate.kind, Certificate.name))}


@bp.route("/enrollments/<int:enrollment_id>")
def enrollment(enrollment_id: int):
    """One trainee on one course: attendance, completion, exam, certificate."""
    e = training.get_enrollment(enrollment_id, current_scope())
    held, attended = training.attendance_counts(e.course_id)
    award_form = forms.AwardForm(certificate_id=e.course.certificate_id, level=e.course.certificate_level)
    _certificate_choices(award_form.certificate_id)
    awards = db.session.scalars(sa.select(CertificateAward).where(CertificateAward.enrollment_id == e.id)).all()
    return render_template(
        "training/enrollment.html", e=e, masked=people.masked_id(e.person), held=held, attended=attended.get(e.id, 0),
        awards=awards, complete_form=forms.CompleteForm(completed_on=min(today(), e.course.ends_on)),
        exam_form=forms.ExamForm(exam_on=min(today(), e.course.ends_on)), award_form=award_form,
        drop_form=forms.DropForm(),
    )


@bp.route("/enrollments/<int:enrollment_id>/<action>", methods=["POST"])
def enrollment_action(enrollment_id: int, action: str):
    """Complete, record an exam, award a certificate, or record a drop-out."""
    e = training.get_enrollment(enrollment_id, current_scope())
    form_cls = {"complete": forms.CompleteForm, "exam": forms.ExamForm, "award": forms.AwardForm,
                "drop": forms.DropForm}.get(action)
    if form_cls is None:
        raise NotFound("不支持该操作")
    form = form_cls()
    if not form.validate_on_submit():
        raise ValidationError("表单有误：" + "；".join(_errors(form).values()))
    try:
        if action == "complete":
            training.complete(e, completed_on=form.completed_on.data, actor=current_user)
            message = "已结业；培训技能已记入本人技能"
        elif action == "exam":
            training.record_exam(e, ExamResult(form.exam_result.data), form.exam_on.data, actor=current_user)
            message = "已登记考试结果"
        elif action == "award":
            training.award_certificate(
                e.person, db.session.get(Certificate, form.certificate_id.data) if form.certificate_id.data else None,
                level=form.level.data, awarded_on=form.awarded_on.data, expires_on=form.expires_on.data,
                number=form.number.data, enrollment=e, actor=current_user)
            message = "已颁发证书；证书已记入本人证书"
        else:
            training.drop(e, note=form.note.data, actor=current_user)
            message = "已记录中途退出"
        db.session.commit()
        flash(message, "success")
    except JobmatchError as err:
        _fail(err)
    return redirect(url_for("training.enrollment", enrollment_id=e.id))


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
def person(person_id: int):
    """A person's courses and certificates; register a certificate earned elsewhere (with evidence)."""
    scope = current_scope()
    p = people.get_person(person_id, scope)
    form = forms.AwardForm()
    _certificate_choices(form.certificate_id)
    if request.method == "POST":
        if not form.validate_on_submit():
            raise ValidationError("表单有误：" + "；".join(_errors(form).values()))
        try:
            training.award_certificate(
                p, db.session.get(Certificate, form.certificate_id.data) if form.certificate_id.data else None,
                level=form.level.data, awarded_on=form.awarded_on.data, expires_on=form.expires_on.data,
                number=form.number.data, evidence=form.evidence.data, actor=current_user)
            db.session.commit()
            flash("证书已登记", "success")
            return redirect(url_for("training.person", person_id=p.id))
        except JobmatchError as err:
            _fail(err)
    enrollments = db.session.scalars(sa.select(Enrollment).where(Enrollment.person_id == p.id)
                                     .order_by(Enrollment.enrolled_on.desc())).all()
    return render_template("training/person.html", p=p, masked=people.masked_id(p), enrollments=enrollments,
                           form=form, renew_form=forms.RenewForm(), today=today())


@bp.route("/certificates/<int:pc_id>/renew", methods=["POST"])
def renew(pc_id: int):
    """Record the review (复审) or renewal of a certificate a person holds."""
    held = training.get_person_certificate(pc_id, current_scope())
    form = forms.RenewForm()
    if not form.validate_on_submit():
        raise ValidationError("表单有误：" + "；".join(_errors(form).values()))
    try:
        training.renew_certificate(held, renewed_on=form.renewed_on.data, expires_on=form.expires_on.data,
                                   evidence=form.evidence.data, actor=current_user)
        db.session.commit()
        flash("已登记复审，有效期已更新", "success")
    except JobmatchError as err:
        _fail(err)
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("training.person", person_id=held.person_id)
    return redirect(target)


# --- worklists ------------------------------------------------------------------------------------

@bp.route("/worklist")
def worklist():
    """Who wants training (培训意愿=是) but has none yet, by site; one site's list when chosen."""
    scope = current_scope()
    site_id = request.args.get("site", type=int)
    page = max(1, request.args.get("page", 1, type=int))
    people_rows, total = (worklists.wanting_people(scope, site_id, page=page) if site_id else ([], 0))
    site = db.session.get(Site, site_id) if site_id and scope.allows(site_id) else None
    if site_id and site is None:
        raise NotFound("找不到该安置点，或不在您的管辖范围内")
    rows = [(p, people.masked_id(p), busy) for p, busy in people_rows]
    return render_template("training/worklist.html", sites=worklists.wanting_by_site(scope), site=site, rows=rows,
                           total=total, page=page, pages=max(1, -(-total // 50)))


@bp.route("/expiring")
def expiring():
    """Certificates expiring in the next 90 days (and those lapsed in the last 90), to review or renew."""
    held = worklists.expiring_certificates(current_scope())
    rows = [(c, people.masked_id(c.person)) for c in held]
    return render_template("training/expiring.html", rows=rows, today=today(), renew_form=forms.RenewForm(),
                           days=worklists.EXPIRY_WINDOW_DAYS)


# --- targets, providers, catalogue -------------------------------------------------------------------

@bp.route("/targets", methods=["GET", "POST"])
def targets():
    """Yearly goals per region; reviewers and administrators set them."""
    scope = current_scope()
    year = request.args.get("year", type=int) or today().year
    regions = training.regions_in_scope(scope)
    form = forms.TargetForm(year=year)
    form.region_id.choices = {r.id: f"{r.name}（{r.level.label}）" for r in regions}
    if request.method == "POST":
        if current_user.role not in ADMIN_ROLES:
            raise ValidationError("只有县级审核员和市级管理员可以设定目标")
        if form.validate_on_submit():
            region = db.session.get(Region, form.region_id.data) if form.region_id.data else None
            try:
                if region is None:
                    raise ValidationError("请选择区域")
                training.set_target(region, form.year.data, training_rate=_pct(form.training_rate.data),
                                    certificate_rate=_pct(form.certificate_rate.data),
                                    skills_per_worker=float(form.skills_per_worker.data)
                                    if form.skills_per_worker.data is not None else None,
                                    scope=scope, actor=current_user)
                db.session.commit()
                flash("目标已保存", "success")
                return redirect(url_for("training.targets", year=form.year.data))
            except JobmatchError as err:
                _fail(err)
    goals = training.targets_for([r.id for r in regions], year)
    site_counts = indicators.counts_by_site(scope) if goals else {}
    rows = []
    for r in regions:
        rates = None
        if r.id in goals:
            total = indicators.Counts()
            for site_id in scope_for(region=r).site_ids:
                if site_id in site_counts:
                    total.add(site_counts[site_id])
            rates = total.as_dict()
        rows.append((r, goals.get(r.id), rates))
    return render_template("training/targets.html", rows=rows, form=form, year=year,
                           can_edit=current_user.role in ADMIN_ROLES)


@bp.route("/providers", methods=["GET", "POST"])
def providers():
    """Training providers; reviewers and administrators add them."""
    scope = current_scope()
    form = forms.ProviderForm()
    form.county_id.choices = {"": "（不限）"} | {c.id: c.name for c in training.counties_in_scope(scope)}
    if request.method == "POST":
        if current_user.role not in ADMIN_ROLES:
            raise ValidationError("只有县级审核员和市级管理员可以添加培训机构")
        if form.validate_on_submit():
            try:
                training.add_provider(form.name.data, county_id=form.county_id.data, contact=form.contact.data,
                                      phone=form.phone.data, scope=scope, actor=current_user)
                db.session.commit()
                flash("已添加培训机构", "success")
                return redirect(url_for("training.providers"))
            except JobmatchError as err:
                _fail(err)
    return render_template("training/providers.html", providers=training.list_providers(scope), form=form,
                           can_edit=current_user.role in ADMIN_ROLES)


@bp.route("/certificates", methods=["GET", "POST"])
def certificates():
    """The certificate catalogue: kinds, issuers, validity and review periods, levels; texts not yet recognised."""
    scope = current_scope()
    form = forms.CertificateForm()
    form.skill_id.choices = {"": "（无）"} | {s.id: s.name for s in db.session.scalars(sa.select(Skill).order_by(Skill.name))}
    if request.method == "POST":
        if current_user.role not in ADMIN_ROLES:
            raise ValidationError("只有县级审核员和市级管理员可以修改证书目录")
        if form.validate_on_submit():
            try:
                kind = CertificateKind[form.kind.data] if form.kind.data in CertificateKind.__members__ else None
                catalogue.add_certificate(form.name.data, kind, issuer=form.issuer.data,
                                          validity_years=form.validity_years.data, review_years=form.review_years.data,
                                          has_levels=form.has_levels.data, skill_id=form.skill_id.data,
                                          synonyms=form.synonyms.data, actor=current_user)
                db.session.commit()
                flash("已加入证书目录；台账中能对应上的证书已自动关联", "success")
                return redirect(url_for("training.certificates"))
            except JobmatchError as err:
                _fail(err)
    from jobmatch.vocab.services import list_certificates

    return render_template("training/certificates.html", certificates=list_certificates(), form=form,
                           unmatched=catalogue.unmatched_texts(scope), can_edit=current_user.role in ADMIN_ROLES)


# --- outcomes --------------------------------------------------------------------------------------

@bp.route("/outcomes")
def outcome_report():
    """Employment within 3 and 6 months after completion, and income change, per course and provider."""
    year = request.args.get("year", type=int)
    by_course, by_provider = outcomes.training_outcomes(current_scope(), year=year)
    return render_template("training/outcomes.html", by_course=by_course, by_provider=by_provider, year=year)


@bp.route("/outcomes.xlsx")
def outcome_export():
    year = request.args.get("year", type=int)
    by_course, by_provider = outcomes.training_outcomes(current_scope(), year=year)
    buffer = io.BytesIO()
    count = roster_sheets.export_outcomes(buffer, by_course, by_provider)
    audit.record("export", None, None, kind="training_outcomes", rows=count, region=current_scope().label)
    db.session.commit()
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"培训成效_{today():%Y%m%d}.xlsx", mimetype=XLSX)


@bp.app_template_filter("pct1")
def pct1(value) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"


@bp.app_template_filter("num1")
def num1(value) -> str:
    if value is None:
        return "—"
    return f"{float(value):.2f}"



# --- skill gaps (demand-driven training) --------------------------------------------------------

@bp.route("/gaps")
def gaps_report():
    """技能缺口: skills and certificates open postings require, against the job seekers who hold them."""
    report = figures_cache.cached("gaps", current_scope(), gaps.skill_gap_report)
    return render_template("training/gaps.html", report=report, prefill=gaps.course_prefill,
                           can_edit=current_user.role in ADMIN_ROLES, max_n=gap_whatif.MAX_N)


@bp.route("/gaps/certificate/<int:certificate_id>")
def gap_whatif_page(certificate_id: int):
    """若 N 人取得证书 X: postings that open up, computed with the matching engine's hard limits."""
    cert = db.session.get(Certificate, certificate_id)
    if cert is None:
        raise NotFound("证书目录中没有该证书")
    n = request.args.get("n", type=int)
    if n is None or not 1 <= n <= gap_whatif.MAX_N:
        raise ValidationError(f"人数应为 1 到 {gap_whatif.MAX_N} 之间的整数")
    scope = current_scope()
    result = gap_whatif.postings_opened_if_certified(scope, certificate_id, n)
    chosen = []
    if result.chosen_person_ids:
        from jobmatch.people.models import Person

        found = {p.id: p for p in db.session.scalars(sa.select(Person).where(
            Person.id.in_(result.chosen_person_ids), scope.filter(Person.site_id)))}
        chosen = [(found[i], people.masked_id(found[i])) for i in result.chosen_person_ids if i in found]
    opened = training.postings_by_ids(tuple(result.opened_posting_ids), scope) or []
    return render_template("training/gap_whatif.html", cert=cert, n=n, result=result, chosen=chosen, opened=opened,
                           can_edit=current_user.role in ADMIN_ROLES,
                           prefill=gaps.course_prefill("certificate", cert.id, None, cert.name))
