"""The content editors' pages in the console: conversation review, exports, insights (CS20).

Content editors (role `content`) see these pages only; supervisors see them too; advisers do not
(the review lists every customer's conversation). Everything is a plain page or a download: no
inline scripts, so the console's Content-Security-Policy holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired

from bot.console.present import catalogue
from bot.content import insights as figures
from bot.content import review
from bot.content.models import Journey, NluSuggestion
from bot.hub.rasa_client import RasaUnavailable
from bot.hub.store import Message, db, utcnow

bp = Blueprint("content", __name__)

# What a content editor may open besides these pages: signing out and "who am I".
CONTENT_ALSO = {"console.logout", "console.api.me", "console.static"}


def role_allows(user, endpoint: str | None) -> bool:
    """Content editors: their pages only. Advisers: not these pages. Supervisors: everything."""
    mine = bool(endpoint) and endpoint.startswith("console.content.")
    if user.is_content:
        return mine or endpoint in CONTENT_ALSO
    return user.is_supervisor or not mine


class ExampleForm(FlaskForm):
    intent = SelectField("Intent", validators=[DataRequired()], validate_choice=False)


def _intents() -> list[str]:
    """The domain's intents (Rasa's loaded model), or the ones seen in reviewed messages."""
    assistant = current_app.extensions["wayfinder.assistant"]
    try:
        intents = assistant.domain().get("intents") or []
        names = [i if isinstance(i, str) else next(iter(i)) for i in intents]
    except (RasaUnavailable, AttributeError):
        from bot.content.models import MessageNlu

        names = [row[0] for row in db.session.query(MessageNlu.intent).distinct() if row[0]]
    return sorted(n for n in names if not n.startswith("EXTERNAL_"))


@bp.errorhandler(review.ReviewError)
def review_error(exc: review.ReviewError):
    return render_template("console/error.html", title="Not available", message=exc.message), exc.status


@bp.get("/review")
def review_list():
    filters = review.Filters.from_args(request.args)
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        raise review.ReviewError(400, "page must be a whole number") from None
    rows, total = review.conversations(filters, page)
    return render_template("console/review.html", rows=rows, total=total, page=page, filters=filters,
                           names=review.FILTERS, page_size=review.PAGE_SIZE, catalogue=catalogue(),
                           args={k: v for k, v in request.args.items() if k != "page"})


@bp.get("/review/<conversation_id>")
def review_conversation(conversation_id: str):
    journey = review.journey_or_404(conversation_id)
    form = ExampleForm()
    form.intent.choices = [(name, name) for name in _intents()]
    suggestions = (NluSuggestion.query.join(Message, Message.id == NluSuggestion.message_id)
                   .filter(Message.conversation_id == conversation_id).all())
    return render_template("console/review_conversation.html", journey=journey,
                           transcript=review.transcript(conversation_id), form=form,
                           escalated=db.session.query(review.escalated_clause()
                                                      .where(Journey.conversation_id == conversation_id)
                                                      ).scalar(),
                           suggestions={s.message_id: s for s in suggestions}, catalogue=catalogue())


@bp.get("/review/<conversation_id>/story.yml")
def export_story(conversation_id: str):
    """`?kind=test` (default) a Rasa test story with the customer's words; `?kind=training` a story."""
    review.journey_or_404(conversation_id)
    kind = request.args.get("kind", "test")
    if kind not in ("test", "training"):
        raise review.ReviewError(400, "kind must be test or training")
    assistant = current_app.extensions["wayfinder.assistant"]
    try:
        tracker = assistant.tracker(conversation_id, include_events="ALL")
        slots = review.exportable_slots(assistant.domain())
    except (RasaUnavailable, AttributeError):
        raise review.ReviewError(502, "The assistant (Rasa) is not answering, so its story of this "
                                      "conversation cannot be read now. Try again in a minute.") from None
    name = f"reviewed conversation {conversation_id[:8]}"
    text = review.story_yaml(tracker.get("events") or [], slots, name, test=kind == "test")
    filename = f"{'test_' if kind == 'test' else ''}review_{conversation_id[:8]}.yml"
    return Response(text, mimetype="text/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/review/messages/<int:message_id>/example")
def mark_example(message_id: int):
    """Keep a customer message as a new NLU example for the chosen intent (redacted, annotated)."""
    message, nlu = review.customer_message(message_id)
    form = ExampleForm()
    form.intent.choices = [(name, name) for name in _intents()]
    intent = form.intent.data or ""
    back = url_for("console.content.review_conversation", conversation_id=message.conversation_id)
    if not form.validate_on_submit() or not review.NAME.match(intent) or intent not in dict(form.intent.choices):
        flash("Choose one of the assistant's intents.", "error")
        return redirect(back)
    example = review.annotate(message.text, nlu.entities if nlu else [])
    existing = NluSuggestion.query.filter_by(message_id=message_id, intent=intent).first()
    if existing is None:
        db.session.add(NluSuggestion(message_id=message_id, intent=intent, example=example,
                                     created_by_id=current_user.id))
        db.session.commit()
    flash(f"Kept as an example of {intent}: download the examples to add them to data/nlu/.", "info")
    return redirect(back)


@bp.get("/review/examples.yml")
def examples_yaml():
    """Every marked example as NLU YAML (`?conversation=<id>` for one conversation's only)."""
    query = NluSuggestion.query.order_by(NluSuggestion.intent, NluSuggestion.id)
    conversation_id = request.args.get("conversation")
    if conversation_id:
        query = query.join(Message, Message.id == NluSuggestion.message_id).filter(
            Message.conversation_id == conversation_id)
    text = review.nlu_yaml((s.intent, s.example) for s in query.limit(5000))
    return Response(text, mimetype="text/yaml",
                    headers={"Content-Disposition": 'attachment; filename="reviewed_examples.yml"'})


def _window() -> tuple[datetime | None, datetime | None, int | None]:
    days = request.args.get("days") or "30"
    if days == "all":
        return None, None, None
    try:
        number = int(days)
    except ValueError:
        raise review.ReviewError(400, "days must be a whole number of days, or all") from None
    if not 1 <= number <= 3660:
        raise review.ReviewError(400, "days must be between 1 and 3660, or all")
    return utcnow() - timedelta(days=number), None, number


@bp.get("/insights")
def insights_page():
    since, until, days = _window()
    items = figures.compute(catalogue(), since, until)
    return render_template("console/insights.html", items=items, days=days, chart=figures.bar_chart,
                           reason_label=figures.reason_label)


@bp.get("/insights.csv")
def insights_csv():
    since, until, days = _window()
    text = figures.as_csv(figures.compute(catalogue(), since, until))
    name = f"wayfinder-insights-{days or 'all'}d.csv"
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
