"""Forms of the security pages (CSRF through Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

SEVERITY_CHOICES = [SelectChoice("critical", _l("Critical")), SelectChoice("high", _l("High")),
                    SelectChoice("medium", _l("Medium")), SelectChoice("low", _l("Low"))]


class AttestForm(FlaskForm):
    item_id = SelectField(_l("Checklist item"), validators=[DataRequired()])
    checked_on = DateField(_l("Date the evidence was taken"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    evidence = FileField(_l("Evidence (PNG, JPEG or PDF screenshot or document)"), validators=[FileRequired()])


class ReviewForm(FlaskForm):
    decision = RadioField(_l("Decision"),
                          choices=[SelectChoice("accept", _l("Accept")), SelectChoice("reject", _l("Reject"))],
                          validators=[InputRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class ApplicabilityForm(FlaskForm):
    item_id = StringField(validators=[DataRequired(), Length(max=32)])
    reason = TextAreaField(_l("Reason it does not apply (empty: applies again)"),
                           validators=[Optional(), Length(max=1000)])


class IncidentForm(FlaskForm):
    kind = SelectField(_l("What happened"), choices=[
        SelectChoice("incident", _l("Incident")),
        SelectChoice("platform_alert", _l("Platform security alert")),
        SelectChoice("recovery_change", _l("Recovery phone or SIM changed")),
        SelectChoice("support_2fa_disabled", _l("Platform support disabled 2FA")),
    ], validators=[DataRequired()])
    account_id = SelectField(_l("Account"), coerce=int, validators=[InputRequired()])
    occurred_on = DateField(_l("Date"), validators=[InputRequired()])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=4000)])


class CustomItemForm(FlaskForm):
    title_id = StringField(_l("Title (Indonesian)"), validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=300)])
    explanation_id = TextAreaField(_l("Explanation (Indonesian)"), validators=[Optional(), Length(max=4000)])
    explanation_en = TextAreaField(_l("Explanation (English)"), validators=[Optional(), Length(max=4000)])
    evidence_id = StringField(_l("Evidence required (Indonesian)"), validators=[Optional(), Length(max=300)])
    evidence_en = StringField(_l("Evidence required (English)"), validators=[Optional(), Length(max=300)])
    platform = SelectField(_l("Platform"), validators=[DataRequired()])
    severity = SelectField(_l("Severity"), choices=SEVERITY_CHOICES, validators=[DataRequired()])
    interval_days = IntegerField(_l("Review interval (days)"), validators=[InputRequired(), NumberRange(1, 3650)])
    regulation_reference = StringField(_l("Regulation reference (e.g. Perbup 73/2018 Pasal 5)"),
                                       validators=[Optional(), Length(max=300)])


class PolicyForm(FlaskForm):
    policy = SelectField(_l("When a critical item is failing or overdue"), choices=[
        SelectChoice("warn", _l("Warn, but publish")), SelectChoice("block", _l("Hold the post until the item passes")),
    ], validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A bare CSRF-protected form for one-button actions."""
