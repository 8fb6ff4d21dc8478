"""The kiosk blueprint at /kiosk: the job seeker's own pages on a paired terminal.

No staff login exists here: the kiosk reads only its own cookies (the terminal token and the
visit token), signs out any staff session found on a paired terminal, and the login page
refuses a browser that holds a valid terminal cookie.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from jobmatch.errors import JobmatchError
from jobmatch.extensions import csrf, db
from jobmatch.kiosk import services as kiosk
from jobmatch.kiosk.icons import kiosk_icon
from jobmatch.kiosk.services import FILTERS, KioskRefusal

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
bp.add_app_template_global(kiosk_icon, "kiosk_icon")

TERMINAL_COOKIE = "jobmatch_kiosk_terminal"
VISIT_COOKIE = "jobmatch_kiosk_visit"
TERMINAL_MAX_AGE = 5 * 365 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="jobmatch-kiosk-terminal")


def terminal_cookie_value(token: str) -> str:
    """The signed value stored in the terminal's cookie."""
    return _serializer().dumps({"t": token})


def set_terminal_cookie(response, token: str):
    response.set_cookie(TERMINAL_COOKIE, terminal_cookie_value(token), max_age=TERMINAL_MAX_AGE, httponly=True,
                        samesite="Strict", secure=current_app.config["SESSION_COOKIE_SECURE"], path="/")
    return response


def current_terminal():
    """The paired terminal this browser is, or None."""
    if "kiosk_terminal" not in g:
        raw = request.cookies.get(TERMINAL_COOKIE)
        token = None
        if raw:
            try:
                token = _serializer().loads(raw).get("t")
            except (BadSignature, AttributeError):
                token = None
        g.kiosk_terminal = kiosk.terminal_for_token(token)
    return g.kiosk_terminal


@bp.before_app_request
def _no_staff_login_on_a_terminal():
    """A paired terminal never shows the staff login form."""
    if request.endpoint == "auth.login" and request.cookies.get(TERMINAL_COOKIE) and current_terminal() is not None:
        return render_template("kiosk/no_login.html"), 403
    return None


@bp.before_request
def _terminal_only():
    terminal = current_terminal()
    if terminal is None:
        return render_template("kiosk/unpaired.html"), 403
    if current_user.is_authenticated:
        # a staff session on a shared terminal would be open to the next person: end it
        from jobmatch.accounts.services import end_session

        end_session(current_user.get_id())
        logout_user()
        session.clear()
        db.session.commit()
    g.visit = kiosk.load_visit(request.cookies.get(VISIT_COOKIE), terminal)
    if db.session.dirty:
        db.session.commit()  # the touch (last_seen_at), or the end of an idle-expired visit
    return None


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _visit_or_start():
    if g.get("visit") is None:
        return redirect(url_for("kiosk.start"))
    return None


def _render(template: str, status: int = 200, **context):
    return render_template(f"kiosk/{template}", visit=g.get("visit"), terminal=current_terminal(),
                           idle=current_app.config["KIOSK_IDLE_SECONDS"],
                           countdown=current_app.config["KIOSK_COUNTDOWN_SECONDS"], **context), status


def _person_context():
    person = g.visit.person
    return {"who": kiosk.greeting_name(person), "masked_id": kiosk.masked_id_of(person)}


# --- start, identify, end -------------------------------------------------------------------------

@bp.route("/")
def start():
    """The start screen: 我要找工作 / 我是新来的."""
    if g.visit is not None:
        return redirect(url_for("kiosk.jobs"))
    return _render("start.html")


@bp.route("/identify", methods=["GET", "POST"])
def identify():
    """ID number on the keypad, then the last four digits of the phone on record."""
    if request.method == "GET":
        if g.visit is not None:
            return redirect(url_for("kiosk.jobs"))
        locked = kiosk.lookups_locked(current_terminal())
        return _render("identify.html", error=kiosk.LOCKED_MESSAGE if locked else None, locked=locked)
    try:
        person = kiosk.identify(current_terminal(), request.form.get("id_number", ""),
                                request.form.get("phone_tail", ""))
    except KioskRefusal as refusal:
        db.session.commit()  # the failed attempt counts toward the terminal's limit
        if refusal.kind == "desk":
            return _render("desk.html", reason=refusal.message)
        status = 429 if refusal.kind == "locked" else 422
        return _render("identify.html", status, error=refusal.message, locked=refusal.kind == "locked")
    session.clear()
    token = kiosk.start_visit(current_terminal(), person)
    db.session.commit()
    response = redirect(url_for("kiosk.jobs"))
    response.set_cookie(VISIT_COOKIE, token, httponly=True, samesite="Strict",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], path="/kiosk")
    return response


@bp.route("/ping", methods=["POST"])
@csrf.exempt  # only keeps the visit alive while the person is touching the screen; cross-site it has no cookie
def ping():
    """Activity on the screen without a page request (reading, scrolling): the visit stays open."""
    return ("", 204) if g.visit is not None else ("", 410)


@bp.route("/desk")
def desk():
    """Go to the service desk (no phone on record, or a question)."""
    return _render("desk.html", reason="请到服务台，工作人员会帮您。")


@bp.route("/end", methods=["POST"])
@csrf.exempt  # ending a visit must always work (the idle timeout); cross-site it carries no cookie anyway
def end():
    """退出 or the idle countdown: the visit ends on the server and the cookie is dropped."""
    kiosk.end_visit(request.cookies.get(VISIT_COOKIE))
    g.visit = None
    db.session.commit()
    session.clear()
    response = redirect(url_for("kiosk.start"))
    response.delete_cookie(VISIT_COOKIE, path="/kiosk")
    return response


# --- jobs -----------------------------------------------------------------------------------------

@bp.route("/jobs")
def jobs():
    """Job cards from the matching engine, with the simple filters."""
    if (back := _visit_or_start()) is not None:
        return back
    key = request.args.get("f", "all")
    key = key if key in FILTERS else "all"
    if kiosk.prepare_ranking(g.visit, key):
        db.session.commit()  # keep the visit's ranking; later lists read it
    cards = kiosk.job_cards(g.visit, key)
    return _render("jobs.html", cards=cards, key=key, filters=FILTERS, **_person_context())


@bp.route("/jobs/<int:posting_id>/want", methods=["POST"])
def want(posting_id: int):
    """我想去: a referral request for the posting's broker and the site clerk."""
    if (back := _visit_or_start()) is not None:
        return back
    try:
        card = kiosk.offered_posting(g.visit, posting_id)
        kiosk.want(g.visit, posting_id)
        db.session.commit()
    except JobmatchError as err:
        db.session.rollback()
        return _render("message.html", 409, title="没有报上", message=err.message, **_person_context())
    return _render("wanted.html", card=card, **_person_context())


@bp.route("/jobs/<int:posting_id>/slip")
def slip(posting_id: int):
    """A printable slip: the job, the address, the phone to call, and a QR code of the same."""
    if (back := _visit_or_start()) is not None:
        return back
    try:
        card = kiosk.offered_posting(g.visit, posting_id)
    except JobmatchError as err:
        return _render("message.html", 404, title="找不到岗位", message=err.message, **_person_context())
    text = kiosk.slip_text(card)
    return _render("slip.html", card=card, phone=kiosk.broker_phone(card.posting), qr=kiosk.qr_svg(text),
                   text=text, **_person_context())


@bp.route("/mine")
def mine():
    """我的求职: the person's requests with their state, and their courses."""
    if (back := _visit_or_start()) is not None:
        return back
    person = g.visit.person
    rows = [(r, kiosk.request_state(r)) for r in kiosk.requests_of(person.id)]
    return _render("mine.html", rows=rows, enrollments=kiosk.enrollments_of(person), **_person_context())


# --- training -------------------------------------------------------------------------------------

@bp.route("/courses")
def courses():
    """Open courses that fit, gaps first."""
    if (back := _visit_or_start()) is not None:
        return back
    return _render("courses.html", cards=kiosk.courses_for(g.visit.person), **_person_context())


@bp.route("/courses/<int:course_id>/signup", methods=["POST"])
def signup(course_id: int):
    if (back := _visit_or_start()) is not None:
        return back
    try:
        enrollment = kiosk.sign_up(g.visit.person, course_id)
        db.session.commit()
    except JobmatchError as err:
        db.session.rollback()
        return _render("message.html", 409, title="没有报上", message=err.message, **_person_context())
    return _render("signed_up.html", course=enrollment.course, **_person_context())


# --- self-registration ----------------------------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
def register():
    """我是新来的: ID number, phone, wishes; a clerk reviews before anything enters the register."""
    if g.visit is not None:
        return redirect(url_for("kiosk.jobs"))
    if request.method == "GET":
        return _render("register.html", error=None)
    try:
        kiosk.submit_registration(current_terminal(), request.form.get("id_number", ""),
                                  request.form.get("phone", ""), request.form.get("preference"),
                                  request.form.get("training") == "1")
        db.session.commit()
    except KioskRefusal as refusal:
        db.session.commit()
        return _render("register.html", 429 if refusal.kind == "locked" else 422, error=refusal.message)
    return _render("registered.html")
