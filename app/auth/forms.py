"""Sign-in and account forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.passwords import MAX_LENGTH, MIN_LENGTH
from app.forms_common import MultiCheckboxField


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])


class TotpForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(min=6, max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Length(min=6, max=8)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class LanguageForm(FlaskForm):
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
        validators=[DataRequired()],
    )


class PasswordChangeForm(FlaskForm):
    """ASVS 5 V6.2: 8 to 128 characters, any characters, no composition rules."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH,
                                           message=_l("Use between %(min)d and %(max)d characters."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class RecoveryCodesForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Length(min=6, max=8)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ApiTokenForm(FlaskForm):
    """A new personal API token; a current authenticator code confirms it is really you."""

    name = StringField(_l("Name (what the token is for)"), validators=[DataRequired(), Length(max=100)])
    scopes = MultiCheckboxField(_l("Allowed"), choices=[
        SelectChoice("read", _l("Read (everything you can see)")),
        SelectChoice("write", _l("Write (create and change posts, schedule, holds, retry)")),
        SelectChoice("approve", _l("Approve and reject posts (reviewers only)")),
    ], validators=[DataRequired(_l("Choose at least one permission."))], default=["read"])
    expires_in_days = SelectField(_l("Expires"), choices=[
        SelectChoice("30", _l("in 30 days")), SelectChoice("90", _l("in 90 days")),
        SelectChoice("365", _l("in a year")), SelectChoice("0", _l("never")),
    ], default="90")
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Length(min=6, max=8)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
