"""The console's forms (Flask-WTF): each carries the session's CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from bot.console.present import OUTCOMES


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=40)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class ActionForm(FlaskForm):
    """A button that changes something (claim, sign out): only the CSRF token."""


class ReplyForm(FlaskForm):
    text = TextAreaField("Your reply", validators=[DataRequired(), Length(max=2000)])


class HandbackForm(FlaskForm):
    step = SelectField("Carry on from", choices=[("", "Where the customer is now")], validate_choice=False)
    note = TextAreaField("Note for the assistant", validators=[Optional(), Length(max=500)])


class ResolveForm(FlaskForm):
    outcome = SelectField("Outcome", choices=list(OUTCOMES.items()))
    note = TextAreaField("Note", validators=[Optional(), Length(max=500)])


class ReassignForm(FlaskForm):
    to = SelectField("Give to", choices=[("queue", "Back to the queue")], validate_choice=False)


class AvailabilityForm(FlaskForm):
    available = HiddenField()


class CallbackDoneForm(FlaskForm):
    note = TextAreaField("What happened", validators=[Optional(), Length(max=500)])
