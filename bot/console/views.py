"""The console's pages under `/console`: sign-in, queue, conversation view, callbacks (JSON in api.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError

from bot.console import csrf, desk, sessions
from bot.console.accounts import verify_password
from bot.console.api import bp as api_bp
from bot.console.forms import (
    ActionForm,
    AvailabilityForm,
    CallbackDoneForm,
    HandbackForm,
    LoginForm,
    ReassignForm,
    ReplyForm,
    ResolveForm,
)
from bot.console.models import ADVISER_ROLES, Adviser, CallbackTicket
from bot.console.present import (
    REASONS,
    handback_steps,
    local_time,
    minutes_since,
    summary,
    ticket,
    transcript,
)
from bot.console.settings import console_settings
from bot.content import views as content_views
from bot.hub.store import db, utcnow

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
bp.register_blueprint(api_bp)
bp.register_blueprint(content_views.bp)  # /console/review, /console/insights (content editors, supervisors)

PUBLIC = {"console.login", "console.static"}
WRONG_LOGIN = "That username and password don't match an adviser account."
THROTTLED = "Too many sign-in attempts. Please wait {minutes} minute(s) and try again."
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; media-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'; object-src 'none'")


@bp.before_request
def require_adviser():
    """Every console route but the sign-in page needs a live session; then CSRF for anything that changes state."""
    if request.endpoint in PUBLIC:
        if request.method == "POST":
            csrf.protect()
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.is_content and request.endpoint == "console.queue":
        return redirect(url_for("console.content.review_list"))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if not content_views.role_allows(current_user, request.endpoint):
        abort(403)
    sessions.touch(active=True)
    return None


@bp.after_request
def security_headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "console.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(CSRFError)
def csrf_failed(exc):
    if request.path.startswith("/console/api/"):
        return jsonify({"error": {"code": "csrf", "message": "send the page's CSRF token as X-CSRFToken"}}), 400
    return render_template("console/error.html", title="Please try again",
                           message="This form had expired. Go back, reload the page and try again."), 400


@bp.errorhandler(desk.DeskError)
def desk_error(exc: desk.DeskError):
    if request.path.startswith("/console/api/"):
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), exc.status
    if request.method == "POST" and exc.status in (400, 409, 502):
        flash(exc.message, "error")
        return redirect(request.referrer if _same_site(request.referrer) else url_for("console.queue"))
    return render_template("console/error.html", title="Not available", message=exc.message), exc.status


@bp.app_template_filter("local_time")
def _local_time(moment):
    return local_time(moment)


@bp.context_processor
def console_context():
    adviser = current_user if current_user.is_authenticated else None
    return {"adviser": adviser, "availability_form": AvailabilityForm(), "logout_form": ActionForm(),
            "opening_hours": console_settings(current_app).opening_hours.describe()}


def _same_site(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return (not parts.netloc or parts.netloc == request.host) and parts.path.startswith("/console")


# -- sign in and out -------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("console.queue"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        address = request.remote_addr or "unknown"
        throttle = current_app.extensions["wayfinder.login_throttle"]
        wait = throttle.retry_after(username, address)
        settings = console_settings(current_app)
        if wait:
            flash(THROTTLED.format(minutes=max(1, round(wait / 60))), "error")
            status = 429
        else:
            adviser = Adviser.query.filter_by(username=username).first()
            if verify_password(adviser, form.password.data, settings.password_method) and adviser.active:
                throttle.succeeded(username)
                session.clear()  # a new session at sign-in: nothing from before carries over
                sessions.start(adviser)
                login_user(adviser)  # a browser-session cookie; the server ends idle and old sessions
                current_app.logger.info("adviser %s signed in", adviser.id)
                target = request.args.get("next")
                return redirect(target if target and _same_site(target) else url_for("console.queue"))
            throttle.failed(username, address)
            flash(WRONG_LOGIN, "error")
            status = 200  # the form again, with the message (no WWW-Authenticate scheme applies)
    elif request.method == "POST":
        flash("Enter your username and your password.", "error")
    return render_template("console/login.html", form=form), status


@bp.post("/logout")
def logout():
    if ActionForm().validate_on_submit():
        digest = sessions.end(getattr(current_user, "session_token", None))
        current_app.extensions["wayfinder.console_sockets"].drop_session(digest)
        logout_user()
        session.clear()
        flash("You have signed out.", "info")
    return redirect(url_for("console.login"))


@bp.post("/availability")
def availability():
    form = AvailabilityForm()
    if form.validate_on_submit():
        desk.set_available(current_user, form.available.data == "1")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("console.queue"))


# -- the queue and one conversation --------------------------------------------------------------


@bp.get("/")
def queue():
    items = desk.visible(current_user)
    waiting = [h for h in items if h.status == "waiting"]
    positions = {h.id: index for index, h in enumerate(waiting, start=1)}
    return render_template(
        "console/queue.html", waiting=waiting, positions=positions,
        claimed=[h for h in items if h.status == "claimed"], reasons=REASONS,
        minutes_since=minutes_since, claim_form=ActionForm(),
        open_callbacks=CallbackTicket.query.filter_by(status="open").count(),
    )


@bp.get("/handovers/<int:handover_id>")
def handover(handover_id: int):
    item = desk.get_for(current_user, handover_id)
    mine = desk.can_act(current_user, item)
    handback = HandbackForm()
    handback.step.choices = [("", "Where the customer is now")] + [
        (s["id"], s["title"]) for s in handback_steps(item)
    ]
    if item.step_id:
        handback.step.data = item.step_id
    reassign = ReassignForm()
    if current_user.is_supervisor:
        others = (Adviser.query.filter(Adviser.active.is_(True), Adviser.role.in_(ADVISER_ROLES))
                  .order_by(Adviser.display_name).all())
        reassign.to.choices = [("queue", "Back to the queue")] + [(str(a.id), a.display_name) for a in others]
    return render_template(
        "console/handover.html", handover=item, card=summary(item), transcript=transcript(item),
        mine=mine, claim_form=ActionForm(), reply_form=ReplyForm(), handback_form=handback,
        resolve_form=ResolveForm(), reassign_form=reassign,
    )


@bp.post("/handovers/<int:handover_id>/claim")
def claim(handover_id: int):
    if ActionForm().validate_on_submit():
        desk.claim(current_user, handover_id)
    return redirect(url_for("console.handover", handover_id=handover_id))


@bp.post("/handovers/<int:handover_id>/reply")
def reply(handover_id: int):
    form = ReplyForm()
    if form.validate_on_submit():
        desk.reply(current_user, handover_id, form.text.data)
    else:
        desk.get_for(current_user, handover_id)  # 403/404 before saying anything about the text
        flash("Write a reply of up to 2,000 characters.", "error")
    return redirect(url_for("console.handover", handover_id=handover_id))


@bp.post("/handovers/<int:handover_id>/handback")
def handback(handover_id: int):
    form = HandbackForm()
    if form.validate_on_submit():
        desk.hand_back(current_user, handover_id, form.step.data, form.note.data)
        flash("Handed back to the assistant.", "info")
        return redirect(url_for("console.queue"))
    desk.get_for(current_user, handover_id)
    flash("The note can be at most 500 characters.", "error")
    return redirect(url_for("console.handover", handover_id=handover_id))


@bp.post("/handovers/<int:handover_id>/resolve")
def resolve(handover_id: int):
    form = ResolveForm()
    if form.validate_on_submit():
        desk.resolve(current_user, handover_id, form.outcome.data, form.note.data)
        flash("Chat closed.", "info")
        return redirect(url_for("console.queue"))
    desk.get_for(current_user, handover_id)
    flash("Choose an outcome; the note can be at most 500 characters.", "error")
    return redirect(url_for("console.handover", handover_id=handover_id))


@bp.post("/handovers/<int:handover_id>/reassign")
def reassign(handover_id: int):
    form = ReassignForm()
    if not current_user.is_supervisor:
        abort(403)
    if form.validate_on_submit():
        desk.reassign(current_user, handover_id, form.to.data)
        flash("Reassigned.", "info")
    return redirect(url_for("console.handover", handover_id=handover_id))


# -- callbacks ---------------------------------------------------------------------------------


@bp.get("/callbacks")
def callbacks():
    tickets = CallbackTicket.query.order_by(CallbackTicket.status.desc(), CallbackTicket.created_at).limit(500).all()
    return render_template("console/callbacks.html", tickets=[ticket(t) for t in tickets],
                           done_form=CallbackDoneForm())


@bp.post("/callbacks/<int:ticket_id>/done")
def callback_done(ticket_id: int):
    item = db.session.get(CallbackTicket, ticket_id)
    if item is None:
        abort(404)
    form = CallbackDoneForm()
    if form.validate_on_submit() and item.status == "open":
        item.status, item.done_by_id, item.done_at = "done", current_user.id, utcnow()
        item.note = form.note.data or None
        db.session.commit()
        flash(f"{item.reference} marked done.", "info")
    return redirect(url_for("console.callbacks"))


@bp.errorhandler(403)
def forbidden(_):
    if request.path.startswith("/console/api/"):
        return jsonify({"error": {"code": "forbidden", "message": "not allowed for your role"}}), 403
    return render_template("console/error.html", title="Not allowed", message="Your role does not allow that."), 403
