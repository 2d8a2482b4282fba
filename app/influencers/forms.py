"""Forms of the influencer registry (all CSRF-protected through Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.models import CollaborationKind, CollaborationStatus, ConsentMethod

KIND_LABELS = {
    CollaborationKind.COLLABORATOR: _l("Collaborator invite"),
    CollaborationKind.MENTION: _l("Mention"),
    CollaborationKind.USER_TAG: _l("Tag on the media"),
    CollaborationKind.PAID_PARTNERSHIP: _l("Paid partnership"),
}
STATUS_LABELS = {
    CollaborationStatus.PENDING: _l("invite pending"),
    CollaborationStatus.ACCEPTED: _l("invite accepted"),
    CollaborationStatus.DECLINED: _l("invite declined"),
    CollaborationStatus.SENT: _l("sent"),
}
METHOD_LABELS = {
    ConsentMethod.SIGNED_FORM: _l("Signed form"),
    ConsentMethod.EMAIL: _l("Email"),
    ConsentMethod.MESSAGE: _l("Message (WhatsApp, direct message)"),
    ConsentMethod.IN_PERSON: _l("In person, witnessed"),
}


class InfluencerForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    contact = TextAreaField(_l("Contact (phone, email, manager)"), validators=[Optional(), Length(max=2000)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class HandleForm(FlaskForm):
    platform = SelectField(_l("Platform"), validators=[DataRequired()])
    handle = StringField(_l("Handle"), validators=[Optional(), Length(max=101)])
    platform_user_id = StringField(_l("Platform user id (once resolved)"), validators=[Optional(), Length(max=100)])
    remove = BooleanField(_l("Remove this platform's handle"))


class ResolveHandleForm(FlaskForm):
    """"Resolve again": look the platform's handle up now."""

    platform = HiddenField(validators=[DataRequired()])


class ConsentForm(FlaskForm):
    given_by = StringField(_l("Given by"), validators=[DataRequired(), Length(max=200)])
    given_on = DateField(_l("Given on"), validators=[DataRequired()])
    method = SelectField(_l("How"), choices=[SelectChoice(k.value, v) for k, v in METHOD_LABELS.items()],
                         validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    document = FileField(_l("Evidence (PDF, PNG or JPEG)"))


class WithdrawConsentForm(FlaskForm):
    consent_id = HiddenField(validators=[DataRequired()])


class AgreementForm(FlaskForm):
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    paid = BooleanField(_l("Paid"))
    third_party_brand = BooleanField(_l("Promotes a third party's brand (not our own programme)"))
    scope = TextAreaField(_l("Scope"), validators=[Optional(), Length(max=5000)])
    document = FileField(_l("Document (PDF, PNG or JPEG)"))


class DocumentForm(FlaskForm):
    document = FileField(_l("Document (PDF, PNG or JPEG)"))


class PolicyForm(FlaskForm):
    text = StringField(_l("Disclosure text"), validators=[DataRequired(), Length(max=100)])
    text_everywhere = BooleanField(_l("Also add the text where the platform has its own disclosure flag"))


class CollaborationForm(FlaskForm):
    influencer_id = SelectField(_l("Influencer"), coerce=int, validators=[DataRequired()])
    kind = SelectField(_l("Kind of collaboration"), choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()],
                       validators=[DataRequired()])


class RemoveCollaborationForm(FlaskForm):
    collaboration_id = HiddenField(validators=[DataRequired()])
