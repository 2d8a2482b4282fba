"""Organisation forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from app.forms_common import KIND_LABELS, ChoiceField, max_length, required, validate_zone


class OrganisationForm(FlaskForm):
    """Name, kind, IANA time zone and the 2FA requirement of an organisation."""

    name = StringField(_l("Name"), validators=[required(), max_length(200)])
    kind = ChoiceField(_l("Kind"), choices=[])
    timezone = StringField(
        _l("Time zone"),
        validators=[required(), max_length(64), validate_zone],
        description=_l("Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT) or any IANA time zone."),
    )
    require_2fa = BooleanField(_l("Require two-step verification for members"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.value, str(label)) for kind, label in KIND_LABELS.items()]

    def clean_name(self) -> str:
        return " ".join((self.name.data or "").split())
