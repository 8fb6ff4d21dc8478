"""The kiosk's back office: terminal pairing, the request queues (site clerk and broker) and the
review of self-registrations. Routes are added to the staff and broker blueprints."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from jobmatch.accounts.permissions import current_scope
from jobmatch.accounts.services import end_session
from jobmatch.broker.views import bp as broker_bp
from jobmatch.errors import JobmatchError, NotFound
from jobmatch.extensions import db
from jobmatch.kiosk import services as kiosk
from jobmatch.kiosk.views import set_terminal_cookie
from jobmatch.people.enums import Education, EmploymentStatus, LaborCapacity, Relation, WorkPreference
from jobmatch.places.models import Site
from jobmatch.protect import mask_id, mask_phone
from jobmatch.staff.views import bp as staff_bp


def _me():
    return current_user._get_current_object()


# --- terminals ------------------------------------------------------------------------------------

@staff_bp.route("/kiosk")
def kiosk_terminals():
    """Terminals of the user's sites, and pairing this computer as a terminal."""
    sites = list(db.session.scalars(sa.select(Site).where(current_scope().filter(Site.id)).order_by(Site.name)))
    counts = {
        "requests": len(kiosk.queue(current_scope())),
        "registrations": len(kiosk.registrations(current_scope())),
    }
    return render_template("staff/kiosk_terminals.html", terminals=kiosk.terminals_in(current_scope()), sites=sites,
                           counts=counts)


@staff_bp.route("/kiosk/pair", methods=["POST"])
def kiosk_pair():
    """Make the browser in front of the clerk a terminal of a site: sign the clerk out, set the cookie."""
    site_id = request.form.get("site_id", type=int)
    if site_id is None or not current_scope().allows(site_id):
        flash("请选择您管辖范围内的安置点", "error")
        return redirect(url_for("staff.kiosk_terminals"))
    try:
        _terminal, token = kiosk.pair_terminal(db.session.get(Site, site_id), request.form.get("name", ""),
                                               actor=_me())
    except JobmatchError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("staff.kiosk_terminals"))
    end_session(current_user.get_id())  # the terminal must not stay signed in as the clerk
    logout_user()
    session.clear()
    db.session.commit()
    return set_terminal_cookie(redirect(url_for("kiosk.start")), token)


@staff_bp.route("/kiosk/terminals/<int:terminal_id>/revoke", methods=["POST"])
def kiosk_revoke(terminal_id: int):
    try:
        t = kiosk.revoke_terminal(terminal_id, current_scope(), actor=_me())
        db.session.commit()
        flash(f"已停用终端“{t.name}”", "success")
    except JobmatchError as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(url_for("staff.kiosk_terminals"))


# --- request queues -------------------------------------------------------------------------------

def _queue_page(template: str, broker=None):
    show_all = request.args.get("all") == "1"
    rows = kiosk.queue(current_scope(), broker=broker, pending_only=not show_all)
    masks = {r.id: kiosk.masked_id_of(r.person) for r in rows}
    return render_template(template, rows=rows, masks=masks, show_all=show_all, state=kiosk.request_state)


def _decide(request_id: int, broker, back: str):
    r = kiosk.get_request(request_id, current_scope(), broker=broker)
    action = request.form.get("action")
    try:
        if action == "accept":
            kiosk.accept_request(r, actor=_me(), override_reason=request.form.get("override_reason"))
            flash(f"已推荐 {r.person.name} 到“{r.posting.title}”", "success")
        elif action == "decline":
            kiosk.decline_request(r, request.form.get("reason", ""), actor=_me())
            flash(f"已回复 {r.person.name}：不通过", "success")
        else:
            raise NotFound("未知操作")
        db.session.commit()
    except JobmatchError as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(back)


@staff_bp.route("/kiosk/requests")
def kiosk_requests():
    """Site clerk's queue: 我想去 requests of people in the user's region."""
    return _queue_page("staff/kiosk_requests.html")


@staff_bp.route("/kiosk/requests/<int:request_id>", methods=["POST"])
def kiosk_decide(request_id: int):
    return _decide(request_id, None, url_for("staff.kiosk_requests"))


@broker_bp.route("/kiosk-requests", endpoint="kiosk_requests")
def broker_kiosk_requests():
    """Broker's queue: 我想去 requests for the broker's own postings."""
    return _queue_page("broker/kiosk_requests.html", broker=_me())


@broker_bp.route("/kiosk-requests/<int:request_id>", methods=["POST"], endpoint="kiosk_decide")
def broker_kiosk_decide(request_id: int):
    return _decide(request_id, _me(), url_for("broker.kiosk_requests"))


# --- self-registrations ---------------------------------------------------------------------------

@staff_bp.route("/kiosk/registrations")
def kiosk_registrations():
    """Self-registrations waiting for a clerk (numbers masked)."""
    rows = []
    for reg in kiosk.registrations(current_scope(), pending_only=request.args.get("all") != "1"):
        id_number, phone = kiosk.registration_numbers(reg)
        rows.append((reg, mask_id(id_number), mask_phone(phone)))
    return render_template("staff/kiosk_registrations.html", rows=rows)


CHOICES = {
    "relation": Relation.labels(), "education": Education.labels(), "labor_capacity": LaborCapacity.labels(),
    "employment_status": EmploymentStatus.labels(), "work_preference": WorkPreference.labels(),
}


@staff_bp.route("/kiosk/registrations/<int:reg_id>", methods=["GET", "POST"])
def kiosk_registration(reg_id: int):
    """Review one self-registration: complete it and enter the person, or reject it with a reason."""
    reg = kiosk.get_registration(reg_id, current_scope())
    id_number, phone = kiosk.registration_numbers(reg)
    form = dict(request.form) if request.method == "POST" else {
        "work_preference": reg.work_preference.label if reg.work_preference else "",
        "employment_status": EmploymentStatus.UNEMPLOYED.label, "labor_capacity": LaborCapacity.FULL.label,
        "relation": Relation.HEAD.label,
    }
    errors, message, status = {}, None, 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "reject":
                kiosk.reject_registration(reg, request.form.get("reason", ""), actor=_me())
                db.session.commit()
                flash("已退回该登记申请", "success")
                return redirect(url_for("staff.kiosk_registrations"))
            person = kiosk.approve_registration(reg, request.form, actor=_me(), scope=current_scope())
            db.session.commit()
            flash(f"已登记 {person.name}，现在可以在自助终端使用", "success")
            return redirect(url_for("staff.person", person_id=person.id))
        except JobmatchError as err:
            db.session.rollback()
            message, errors, status = err.message, getattr(err, "fields", None) or {}, 422
    return render_template("staff/kiosk_registration.html", reg=reg, masked_id=mask_id(id_number),
                           masked_phone=mask_phone(phone), form=form, errors=errors, message=message,
                           choices=CHOICES), status
