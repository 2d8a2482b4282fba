"""Forms of the activity pages (CSRF through Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange


class TargetForm(FlaskForm):
    target = IntegerField(_l("Posts per week target"),
                          validators=[InputRequired(_l("Enter a number from 1 to 100.")),
                                      NumberRange(1, 100, _l("Enter a number from 1 to 100."))])
