"""Staff pages. Every query goes through the signed-in user's region scope."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from jobmatch import values
from jobmatch.accounts import audit
from jobmatch.accounts.models import AuditEvent, Role, User
from jobmatch.accounts.permissions import STAFF_ROLES, current_scope, require_roles, roles_required
from jobmatch.database import today
from jobmatch.errors import ImportRejected, JobmatchError, NotFound, PermissionDenied, ValidationError
from jobmatch.extensions import db
from jobmatch.jobs.occupation_codes import person_occupations
from jobmatch.people import services as people
from jobmatch.people.enums import EmploymentStatus, StatusSource
from jobmatch.people.models import Person
from jobmatch.people.search import search_people
from jobmatch.people.stats import register_counts
from jobmatch.people.validation import parse_person_fields
from jobmatch.places import services as places
from jobmatch.places.models import Site
from jobmatch.spreadsheets import loaders
from jobmatch.spreadsheets.importing import run_import
from jobmatch.spreadsheets.models import ImportRecord
from jobmatch.spreadsheets.register import export_file_name
from jobmatch.staff import forms

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.before_request(require_roles(*STAFF_ROLES))

ADMIN_ROLES = (Role.CITY_ADMIN, Role.COUNTY_REVIEWER)


@bp.route("/")
def home():
    """Overview of the user's region."""
    return render_template("staff/home.html", stats=register_counts(current_scope()),
                           imports=_recent_imports(5))


def _recent_imports(limit: int) -> list[ImportRecord]:
    stmt = sa.select(ImportRecord).order_by(ImportRecord.at.desc()).limit(limit)
    if current_user.role is not Role.CITY_ADMIN:
        stmt = stmt.where(ImportRecord.user_id == current_user.id)
    return list(db.session.scalars(stmt))


# --- people -------------------------------------------------------------------------------

@bp.route("/people")
def search():
    """Search by name, pinyin, ID number (full or last digits) or phone."""
    q = request.args.get("q", "").strip()
    results = search_people(current_scope(), q) if q else []
    rows = [(p, people.masked_id(p), people.masked_phone(p)) for p in results]
    return render_template("staff/search.html", q=q, rows=rows)


@bp.route("/people/<int:person_id>")
def person(person_id: int):
    """A person's record with masked numbers, skills, certificates and status history."""
    p = people.get_person(person_id, current_scope())
    audit.record("view_person", "person", p.id)
    db.session.commit()
    view = people.household_view(p.household)
    return render_template(
        "staff/person.html", p=p, member=next(m for m in view.members if m.person.id == p.id),
        household=view, status_form=forms.StatusForm(employment_status=p.employment_status.value),
        reveal_form=forms.ConfirmForm(), history=p.status_events[:50],
        audit_events=audit.events_for("person", p.id, 20) if current_user.role in ADMIN_ROLES else [],
        occupations=person_occupations(p.id),
    )


@bp.route("/people/<int:person_id>/reveal", methods=["POST"])
def reveal(person_id: int):
    """Show the full ID and phone number once; the reveal is audited."""
    p = people.get_person(person_id, current_scope())
    audit.record("reveal_id", "person", p.id)
    db.session.commit()
    return render_template("staff/reveal.html", p=p, id_number=people.reveal_id(p), phone=people.reveal_phone(p))


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
def edit_person(person_id: int):
    """Edit a person; every rule of the register format applies, with messages on the form."""
    p = people.get_person(person_id, current_scope())
    form = forms.PersonForm()
    errors: dict[str, str] = {}
    if request.method == "GET":
        f = people.fields_of(p)
        form.process(data={
            "name": f.name, "id_number": f.id_number, "relation": f.relation.value, "phone": f.phone or "",
            "education": f.education.value if f.education else "", "labor_capacity": f.labor_capacity.value,
            "employment_status": f.employment_status.value, "workplace": f.workplace or "",
            "monthly_income": _num(f.monthly_income), "work_preference": f.work_preference.value if f.work_preference else "",
            "expected_wage": _num(f.expected_wage), "wants_training": f.wants_training,
            "skills": "、".join(f.skills), "certificates": "、".join(f.certificates),
            "is_monitored": f.is_monitored, "has_care_duty": f.has_care_duty,
            "broker_consent": bool(f.broker_consent), "broker_consent_on": f.broker_consent_on,
        })
        audit.record("reveal_id", "person", p.id, purpose="edit")
        db.session.commit()
    elif form.validate_on_submit():
        raw = {name: field.data for name, field in form._fields.items()}
        raw["household_code"] = p.household.code
        fields, errors = parse_person_fields(raw, today(), require_location=False)
        if not errors:
            try:
                people.update_person(p, fields, actor=current_user, effective_on=form.status_effective_on.data)
                db.session.commit()
                flash("已保存", "success")
                return redirect(url_for("staff.person", person_id=p.id))
            except ValidationError as err:
                db.session.rollback()
                errors = err.fields or {"": err.message}
    else:
        errors = {name: "；".join(msgs) for name, msgs in form.errors.items()}
    status = 422 if errors else 200
    return render_template("staff/person_edit.html", p=p, form=form, errors=errors), status


def _num(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


@bp.route("/people/<int:person_id>/status", methods=["POST"])
def change_status(person_id: int):
    """Record a dated status change from the person page."""
    p = people.get_person(person_id, current_scope())
    form = forms.StatusForm()
    if not form.validate_on_submit():
        raise ValidationError("表单有误：" + "；".join(m for msgs in form.errors.values() for m in msgs))
    try:
        income = values.parse_number(form.monthly_income.data)
    except ValueError as exc:
        raise ValidationError(f"月收入{exc}") from None
    event = people.record_status(
        p, EmploymentStatus(form.employment_status.data), form.effective_on.data or today(),
        source=StatusSource.EDIT, actor=current_user, workplace=form.workplace.data or None,
        monthly_income=income, note=form.note.data or None,
    )
    db.session.commit()
    flash("已记录就业状态变化" if event else "状态没有变化，未记录", "success" if event else "info")
    return redirect(request.form.get("next") or url_for("staff.person", person_id=p.id))


@bp.route("/households/<int:household_id>")
def household(household_id: int):
    """A household: members, ages, capacity, status, skills, and zero-employment standing."""
    h = people.get_household(household_id, current_scope())
    audit.record("view_household", "household", h.id)
    db.session.commit()
    return render_template("staff/household.html", view=people.household_view(h))


# --- monthly update -------------------------------------------------------------------------

def _sites_in_scope() -> list[Site]:
    return list(db.session.scalars(
        sa.select(Site).where(current_scope().filter(Site.id)).order_by(Site.county_id, Site.township_id, Site.name)
    ))


@bp.route("/monthly")
def monthly_sites():
    """Sites of the region with how many people were checked this month."""
    first, _ = people.month_bounds()
    start = sa.func.coalesce(Person.status_checked_at, sa.literal(None))
    counts = dict(db.session.execute(
        sa.select(Person.site_id, sa.func.count()).where(current_scope().filter(Person.site_id)).group_by(Person.site_id)
    ).all())
    import datetime as dt

    checked = dict(db.session.execute(
        sa.select(Person.site_id, sa.func.count())
        .where(current_scope().filter(Person.site_id), start >= dt.datetime.combine(first, dt.time()))
        .group_by(Person.site_id)
    ).all())
    rows = [(s, counts.get(s.id, 0), checked.get(s.id, 0)) for s in _sites_in_scope()]
    return render_template("staff/monthly_sites.html", rows=rows, month=first)


@bp.route("/monthly/<int:site_id>")
def monthly(site_id: int):
    """Go through a site's people: confirm each status or change it; who is still pending."""
    site = db.session.get(Site, site_id)
    if site is None or not current_scope().allows(site.id):
        raise NotFound("找不到该安置点，或不在您的管辖范围内")
    progress = people.monthly_update(site, current_scope())
    page = max(1, request.args.get("page", 1, type=int))
    per_page = 50
    pending = progress.pending[(page - 1) * per_page: page * per_page]
    rows = [(p, people.masked_id(p)) for p in pending]
    return render_template(
        "staff/monthly.html", progress=progress, rows=rows, page=page,
        pages=max(1, -(-len(progress.pending) // per_page)), confirm_form=forms.ConfirmForm(),
        status_form=forms.StatusForm(), statuses=list(EmploymentStatus),
    )


@bp.route("/monthly/<int:site_id>/confirm/<int:person_id>", methods=["POST"])
def monthly_confirm(site_id: int, person_id: int):
    """Confirm that a person's status has not changed this month."""
    p = people.get_person(person_id, current_scope())
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    people.confirm_status(p, actor=current_user)
    audit.record("status_confirm", "person", p.id)
    db.session.commit()
    return redirect(url_for("staff.monthly", site_id=site_id, page=request.args.get("page", 1)))


@bp.route("/changes")
def changes():
    """Who changed status in a month (default: this month)."""
    month = request.args.get("month") or None
    try:
        first, last = people.month_bounds(month)
    except ValidationError as err:
        flash(err.message, "error")
        first, last = people.month_bounds()
    events = people.changes_in_month(current_scope(), first)
    return render_template("staff/changes.html", events=events, first=first, last=last)


# --- imports and exports -----------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
def upload():
    """Upload a register or sites file; show every bad row as a table, or what was applied."""
    form = forms.ImportForm()
    outcome = rejected = None
    status = 200
    if form.validate_on_submit():
        upload_file = form.file.data
        data = upload_file.read()
        try:
            admin = current_user.role is Role.CITY_ADMIN
            if form.kind.data == "sites" and not admin:
                raise PermissionDenied("安置点文件只能由市级管理员导入；县级审核员可在“区域与安置点”页面逐个维护")
            create = admin and (form.kind.data == "sites" or form.create_sites.data)
            outcome = run_import(form.kind.data, data, upload_file.filename or "上传文件",
                                 actor=current_user, dry_run=form.dry_run.data, create_sites=create,
                                 scope=current_scope())
            db.session.commit()
        except ImportRejected as err:
            db.session.commit()  # the audit record of the rejected attempt
            rejected, status = err, 422
    elif request.method == "POST":
        status = 400
    return render_template("staff/import.html", form=form, outcome=outcome, rejected=rejected), status


@bp.route("/imports")
def import_history():
    """Every applied import: who, when, file, sha256, rows added and updated."""
    stmt = sa.select(ImportRecord).order_by(ImportRecord.at.desc()).limit(200)
    if current_user.role not in ADMIN_ROLES:
        stmt = stmt.where(ImportRecord.user_id == current_user.id)
    return render_template("staff/imports.html", records=db.session.scalars(stmt).all())


@bp.route("/export/<kind>")
def export(kind: str):
    """Download the region's data as xlsx in the exchange format (audited)."""
    if kind not in loaders.EXPORTERS:
        raise NotFound("不支持导出该类型")
    buffer = io.BytesIO()
    count = loaders.EXPORTERS[kind](buffer, current_scope())
    audit.record("export", None, None, kind=kind, rows=count, region=current_scope().label)
    db.session.commit()
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=export_file_name(kind),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- regions and sites ------------------------------------------------------------------------

@bp.route("/sites")
def sites():
    """The city → county → township → site tree of the user's region."""
    visible = {s.id for s in _sites_in_scope()}
    return render_template("staff/sites.html", tree=places.region_tree(), visible=visible,
                           can_edit=current_user.role in ADMIN_ROLES, new_form=forms.NewSiteForm())


@bp.route("/sites/new", methods=["POST"])
@roles_required(*ADMIN_ROLES)
def new_site():
    form = forms.NewSiteForm()
    if not form.validate_on_submit():
        raise ValidationError("表单有误：" + "；".join(m for msgs in form.errors.values() for m in msgs))
    county = places.find_county(form.county.data)
    if current_user.role is not Role.CITY_ADMIN and (county is None or county.id != current_user.region_id):
        raise PermissionDenied("只能在本县内新建安置点")
    lon = float(form.longitude.data) if form.longitude.data is not None else None
    lat = float(form.latitude.data) if form.latitude.data is not None else None
    problems = places.validate_coordinates(lon, lat)
    if problems:
        raise ValidationError("；".join(problems.values()), fields=problems)
    site, created = places.ensure_site(form.county.data, form.township.data, form.name.data, longitude=lon,
                                       latitude=lat, planned_households=form.planned_households.data,
                                       planned_people=form.planned_people.data)
    audit.record("edit_site", "site", site.id, created=created)
    db.session.commit()
    flash("已新建安置点" if created else "安置点已存在，已更新", "success")
    return redirect(url_for("staff.sites"))


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def edit_site(site_id: int):
    site = db.session.get(Site, site_id)
    if site is None or not current_scope().allows(site.id):
        raise NotFound("找不到该安置点，或不在您的管辖范围内")
    form = forms.SiteForm(obj=site)
    errors = {}
    if form.validate_on_submit():
        try:
            places.update_site(
                site, name=form.name.data,
                longitude=float(form.longitude.data) if form.longitude.data is not None else None,
                latitude=float(form.latitude.data) if form.latitude.data is not None else None,
                planned_households=form.planned_households.data, planned_people=form.planned_people.data,
            )
            audit.record("edit_site", "site", site.id)
            db.session.commit()
            flash("已保存", "success")
            return redirect(url_for("staff.sites"))
        except ValidationError as err:
            db.session.rollback()
            errors = err.fields
    elif request.method == "POST":
        errors = {name: "；".join(msgs) for name, msgs in form.errors.items()}
    return render_template("staff/site_edit.html", site=site, form=form, errors=errors), (422 if errors else 200)


# --- users ------------------------------------------------------------------------------------

@bp.route("/users")
@roles_required(Role.CITY_ADMIN)
def users():
    from jobmatch.accounts.services import users_under

    return render_template("staff/users.html", users=users_under(current_user.region))


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.CITY_ADMIN)
def edit_user(user_id: int | None = None):
    from jobmatch.accounts.forms import UserForm
    from jobmatch.accounts.services import _area_region_ids, create_user, update_user

    user = db.session.get(User, user_id) if user_id else None
    if user_id and (user is None or current_user.region_id not in _area_region_ids(user)):
        raise NotFound("找不到该账号")
    form = UserForm(obj=None)
    if request.method == "GET" and user is not None:
        form.process(data={"username": user.username, "display_name": user.display_name, "role": user.role.value,
                           "region": user.area_name, "work_phone": user.work_phone, "is_active": user.is_active})
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            region_ok = _area_inside_admin(form.region.data, Role(form.role.data))
            if not region_ok:
                raise ValidationError("所属区域不在您的管辖范围内", fields={"region": "所属区域不在您的管辖范围内"})
            if user is None:
                create_user(form.username.data, form.password.data or "", Role(form.role.data), form.region.data,
                            display_name=form.display_name.data, work_phone=form.work_phone.data)
            else:
                update_user(user, role=Role(form.role.data), area_name=form.region.data,
                            display_name=form.display_name.data, work_phone=form.work_phone.data,
                            is_active=form.is_active.data, password=form.password.data or None)
            db.session.commit()
            flash("账号已保存", "success")
            return redirect(url_for("staff.users"))
        except JobmatchError as err:
            db.session.rollback()
            errors = (err.details if isinstance(err.details, dict) else None) or {"": err.message}
    elif request.method == "POST":
        errors = {name: "；".join(msgs) for name, msgs in form.errors.items()}
    return render_template("staff/user_edit.html", form=form, user=user, errors=errors), (422 if errors else 200)


def _area_inside_admin(area_name: str, role: Role) -> bool:
    from jobmatch.accounts.services import resolve_area

    region, site = resolve_area(role, area_name)
    if site is not None:
        return site.city_id == current_user.region_id
    ids = set()
    while region is not None:
        ids.add(region.id)
        region = region.parent
    return current_user.region_id in ids


# --- vocabulary ---------------------------------------------------------------------------------

@bp.route("/vocab", methods=["GET", "POST"])
def vocab():
    """Canonical skills and their synonyms; reviewers and admins may add synonyms and skills."""
    from jobmatch.vocab import services as vocab_services

    skills = vocab_services.list_skills()
    synonym_form = forms.SynonymForm()
    synonym_form.skill_id.choices = {s.id: s.name for s in skills}
    skill_form = forms.SkillForm(prefix="skill")
    can_edit = current_user.role in ADMIN_ROLES
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只有县级审核员和市级管理员可以修改词库")
        try:
            if "skill-name" in request.form and skill_form.validate_on_submit():
                created = vocab_services.add_skill(skill_form.name.data, skill_form.category.data)
                audit.record("edit_synonym", "skill", created.id, name=created.name)
            elif synonym_form.validate_on_submit():
                synonym = vocab_services.add_skill_synonym(synonym_form.text.data, synonym_form.skill_id.data)
                audit.record("edit_synonym", "skill", synonym.skill_id, synonym=synonym.text)
            else:
                raise ValidationError("表单有误，请检查后重试")
            db.session.commit()
            flash("词库已更新；之后导入或修改的技能会按新词库归类", "success")
            return redirect(url_for("staff.vocab"))
        except JobmatchError as err:
            db.session.rollback()
            flash(err.message, "error")
    return render_template("staff/vocab.html", skills=skills, certificates=vocab_services.list_certificates(),
                           synonym_form=synonym_form, skill_form=skill_form, can_edit=can_edit)


@bp.route("/audit")
@roles_required(*ADMIN_ROLES)
def audit_log():
    """Recent audit events (who viewed, exported or changed what)."""
    from jobmatch.accounts.audit import ACTION_LABELS
    from jobmatch.accounts.services import users_under

    stmt = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(300)
    user_ids = [u.id for u in users_under(current_user.region)]
    if current_user.role is Role.CITY_ADMIN:
        stmt = stmt.where(sa.or_(AuditEvent.user_id.in_(user_ids), AuditEvent.user_id.is_(None)))
    else:
        stmt = stmt.where(AuditEvent.user_id.in_(user_ids))
    events = db.session.scalars(stmt)
    return render_template("staff/audit.html", events=list(events), labels=ACTION_LABELS)
