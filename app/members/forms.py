"""Member forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField

from app.forms_common import ROLE_LABELS, ChoiceField, max_length, required, valid_email


def _normalise_email(value: str | None) -> str | None:
    return value.strip().lower() if value else value


def _role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(label)) for role, label in ROLE_LABELS.items()]


class AddMemberForm(FlaskForm):
    """Add an existing user by e-mail, or create a new one (then the name is needed)."""

    email = EmailField(_l("Email"), validators=[required(), valid_email(), max_length(254)], filters=[_normalise_email])
    name = StringField(_l("Full name (only for a new user)"), validators=[max_length(200)])
    role = ChoiceField(_l("Role"), choices=[])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class RoleForm(FlaskForm):
    """Change the role of one membership."""

    role = ChoiceField(_l("Role"), choices=[])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
