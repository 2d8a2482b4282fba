"""Built-in plugin: the content policy of an organisation, checked through `check_post`.

Stored in `Organisation.settings["content_policy"]`, one key per rule; a rule an
organisation leaves unset is inherited from its nearest ancestor that sets it,
so a Diskominfo sets the defaults and an OPD overrides single rules. Rules:
banned phrases (with the reason shown), required hashtags and sign-off per
platform ("*" for every platform), link allow-/block-list (domains and their
subdomains), alt text on images, maximum hashtags, disclosure wording for paid
collaborations, and sensitive-topic words that require a second approval
(`requires_extra_approval(post)`, for the review step; not a blocking problem).
Messages are in the author's language.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField, ValidationError

from app import audit
from app.extensions import db
from app.forms_common import ChoiceField, form_page, max_length
from app.models import Organisation, Post, Role
from app.tenancy import get_scoped_or_404
from plugins import PostProblem, hookimpl

SETTINGS_KEY = "content_policy"
RULES = ("banned", "required_hashtags", "sign_off", "link_allow", "link_block", "alt_text_required",
         "max_hashtags", "disclosure_text", "sensitive_words")

HASHTAG = re.compile(r"(?<!\w)#\w+", re.UNICODE)
LINK = re.compile(r"\bhttps?://[^\s<>\"')]+|\bwww\.[^\s<>\"')]+", re.IGNORECASE)

bp = Blueprint("policy", __name__, url_prefix="/policy", template_folder="templates")


@dataclass
class Policy:
    """The effective rules of one organisation; `origin` maps each rule to the organisation that set it."""

    banned: list[dict[str, str]] = field(default_factory=list)  # [{"phrase": ..., "reason": ...}]
    required_hashtags: dict[str, list[str]] = field(default_factory=dict)  # platform or "*" → hashtags
    sign_off: dict[str, str] = field(default_factory=dict)  # platform or "*" → closing line
    link_allow: list[str] = field(default_factory=list)  # domains; when set, only these
    link_block: list[str] = field(default_factory=list)
    alt_text_required: bool = False
    max_hashtags: int | None = None
    disclosure_text: str = ""
    sensitive_words: list[str] = field(default_factory=list)
    origin: dict[str, int] = field(default_factory=dict)


def effective_policy(organisation: Organisation) -> Policy:
    """Rules set on the organisation or inherited (nearest ancestor wins, rule by rule)."""
    from app.publishing.settings import ancestor_organisations

    ids = organisation.ancestor_ids
    rows = ancestor_organisations(organisation)
    policy = Policy()
    for org_id in ids:
        own = ((rows[org_id].settings or {}).get(SETTINGS_KEY) or {}) if org_id in rows else {}
        for rule in RULES:
            if rule in own:
                setattr(policy, rule, copy.deepcopy(own[rule]))
                policy.origin[rule] = org_id
    return policy


def _contains(text: str, phrase: str) -> bool:
    """Whole-word, case-insensitive match (so "bom" does not match "bombardir")."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE | re.UNICODE) is not None


def _host(link: str) -> str:
    if not re.match(r"https?://", link, re.IGNORECASE):
        link = "http://" + link
    return (urlsplit(link).hostname or "").lower().rstrip(".")


def _domain_matches(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in (d.lower().lstrip(".") for d in domains))


def _for_platform(mapping: dict[str, Any], platform: str | None) -> Any:
    return mapping.get(platform or "", mapping.get("*")) if platform else mapping.get("*")


def _has_paid_collaboration(post: Post) -> bool:
    from app.influencers.services import post_collaborations
    from app.models import CollaborationKind

    return any(c.kind == CollaborationKind.PAID_PARTNERSHIP for c in post_collaborations(post))


def policy_problems(policy: Policy, post: Post, platform: str | None, variant: Any) -> Iterator[PostProblem]:
    """Problems of one platform's text and media under `policy` (messages in the current locale)."""
    text = variant.text
    for entry in policy.banned:
        if entry.get("phrase") and _contains(text, entry["phrase"]):
            yield PostProblem(_("“%(phrase)s” may not be used: %(reason)s", phrase=entry["phrase"],
                                reason=entry.get("reason") or _("no reason given")), code="banned")
    tags = {t.lower() for t in HASHTAG.findall(text)}
    missing = [t for t in _for_platform(policy.required_hashtags, platform) or [] if t.lower() not in tags]
    if missing:
        yield PostProblem(_("Add the required hashtags: %(tags)s", tags=" ".join(missing)), code="hashtags")
    sign_off = (_for_platform(policy.sign_off, platform) or "").strip()
    if sign_off and not text.rstrip().endswith(sign_off):
        yield PostProblem(_("End the text with “%(sign_off)s”.", sign_off=sign_off), code="sign_off")
    for link in LINK.findall(text):
        host = _host(link)
        if policy.link_block and _domain_matches(host, policy.link_block):
            yield PostProblem(_("Links to %(host)s are not allowed.", host=host), code="link_blocked")
        elif policy.link_allow and not _domain_matches(host, policy.link_allow):
            yield PostProblem(_("Links to %(host)s are not on the list of allowed sites.", host=host),
                              code="link_not_allowed")
    if policy.alt_text_required:
        lacking = sum(1 for m in variant.media if m.kind == "image" and not m.alt_text.strip())
        if lacking:
            yield PostProblem(_("%(n)s image(s) have no alt text (a description for blind readers).", n=lacking),
                              code="alt_text")
    if policy.max_hashtags is not None and len(HASHTAG.findall(text)) > policy.max_hashtags:
        yield PostProblem(_("Use at most %(n)s hashtags.", n=policy.max_hashtags), code="max_hashtags")
    wording = policy.disclosure_text.strip()
    if wording and wording.lower() not in text.lower() and _has_paid_collaboration(post):
        yield PostProblem(_("This is a paid collaboration: the text must contain “%(text)s”.", text=wording),
                          code="disclosure")
    words = sensitive_words_in(policy, text)
    if words:
        yield PostProblem(_("Sensitive topic (%(words)s): a second reviewer must approve this post.",
                            words=", ".join(words)), blocking=False, code="sensitive")


def sensitive_words_in(policy: Policy, text: str) -> list[str]:
    return [w for w in policy.sensitive_words if w and _contains(text, w)]


def requires_extra_approval(post: Post) -> bool:
    """Whether the post touches a sensitive topic of its organisation's policy (the review step asks twice)."""
    policy = effective_policy(post.organisation)
    if not policy.sensitive_words:
        return False
    platforms = {t.account.platform for t in post.targets}
    texts = [post.body, post.title or "", *(post.body_for(p) for p in platforms)]
    return any(sensitive_words_in(policy, text) for text in texts)


@hookimpl
def check_post(post: Post, platform: str | None, variant: Any) -> list[PostProblem]:
    policy = effective_policy(post.organisation)
    locale = getattr(post.author, "locale", None) or "id"
    with force_locale(locale):
        return list(policy_problems(policy, post, platform, variant))


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [bp]


# -- settings page ----------------------------------------------------------------------------

INHERIT = ""


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _pairs(value: str, separator: str) -> list[tuple[str, str]]:
    pairs = []
    for line in _lines(value):
        left, sep, right = line.partition(separator)
        if not sep or not left.strip():
            raise ValidationError(_("Write each line as “%(example)s”.",
                                    example=f"…{separator} …"))
        pairs.append((left.strip(), right.strip()))
    return pairs


class PolicyForm(FlaskForm):
    """Every rule as text; an empty field (or "inherit") keeps the rule of the organisation above."""

    banned = TextAreaField(_l("Banned words and phrases"), validators=[max_length(20000)],
                           description=_l("One per line: phrase | reason shown to the author."))
    required_hashtags = TextAreaField(_l("Required hashtags"), validators=[max_length(5000)],
                                      description=_l("One platform per line: instagram: #Tag1 #Tag2 (* for every "
                                                     "platform)."))
    sign_off = TextAreaField(_l("Required sign-off"), validators=[max_length(5000)],
                             description=_l("One platform per line: x: — Humas Pemkot (* for every platform)."))
    link_allow = TextAreaField(_l("Allowed link domains"), validators=[max_length(5000)],
                               description=_l("One domain per line; when set, links to other sites are refused."))
    link_block = TextAreaField(_l("Blocked link domains"), validators=[max_length(5000)],
                               description=_l("One domain per line (subdomains included)."))
    alt_text_required = ChoiceField(_l("Alt text on images"), choices=[
        (INHERIT, _l("As the organisation above")), ("yes", _l("Required")), ("no", _l("Not required"))])
    max_hashtags = StringField(_l("Maximum hashtags"), validators=[max_length(4)],
                               description=_l("A whole number; empty: as the organisation above."))
    disclosure_text = StringField(_l("Disclosure wording for paid collaborations"), validators=[max_length(200)])
    sensitive_words = TextAreaField(_l("Sensitive topics (second approval)"), validators=[max_length(5000)],
                                    description=_l("One word or phrase per line."))

    def validate_banned(self, field: Any) -> None:
        _pairs(field.data, "|")

    def validate_required_hashtags(self, field: Any) -> None:
        for _platform, tags in _pairs(field.data, ":"):
            if not all(HASHTAG.fullmatch(t) for t in tags.split()):
                raise ValidationError(_("Hashtags start with # and contain no spaces."))

    def validate_sign_off(self, field: Any) -> None:
        _pairs(field.data, ":")

    def validate_max_hashtags(self, field: Any) -> None:
        value = (field.data or "").strip()
        if value and (not value.isdigit() or int(value) > 100):
            raise ValidationError(_("Enter a whole number from 0 to 100, or leave it empty."))

    def rules(self) -> dict[str, Any]:
        """The organisation's own rules (only those set)."""
        own: dict[str, Any] = {}
        if _lines(self.banned.data):
            own["banned"] = [{"phrase": p, "reason": r} for p, r in _pairs(self.banned.data, "|")]
        if _lines(self.required_hashtags.data):
            own["required_hashtags"] = {p: t.split() for p, t in _pairs(self.required_hashtags.data, ":")}
        if _lines(self.sign_off.data):
            own["sign_off"] = dict(_pairs(self.sign_off.data, ":"))
        for name in ("link_allow", "link_block", "sensitive_words"):
            if _lines(self[name].data):
                own[name] = [line.lower() if name != "sensitive_words" else line for line in _lines(self[name].data)]
        if self.alt_text_required.data != INHERIT:
            own["alt_text_required"] = self.alt_text_required.data == "yes"
        if (self.max_hashtags.data or "").strip():
            own["max_hashtags"] = int(self.max_hashtags.data)
        if (self.disclosure_text.data or "").strip():
            own["disclosure_text"] = self.disclosure_text.data.strip()
        return own

    def fill(self, own: dict[str, Any]) -> None:
        self.banned.data = "\n".join(f"{e['phrase']} | {e.get('reason', '')}" for e in own.get("banned", []))
        hashtags = own.get("required_hashtags", {})
        self.required_hashtags.data = "\n".join(f"{p}: {' '.join(t)}" for p, t in hashtags.items())
        self.sign_off.data = "\n".join(f"{p}: {t}" for p, t in own.get("sign_off", {}).items())
        for name in ("link_allow", "link_block", "sensitive_words"):
            self[name].data = "\n".join(own.get(name, []))
        self.alt_text_required.data = INHERIT if "alt_text_required" not in own else (
            "yes" if own["alt_text_required"] else "no")
        self.max_hashtags.data = "" if own.get("max_hashtags") is None else str(own["max_hashtags"])
        self.disclosure_text.data = own.get("disclosure_text", "")


@bp.route("/<int:org_id>", methods=["GET", "POST"])
@login_required
def edit(org_id: int) -> Response | tuple[str, int]:
    organisation = get_scoped_or_404(Organisation, org_id, current_user, roles=[Role.ADMIN])
    own = dict((organisation.settings or {}).get(SETTINGS_KEY) or {})
    form = PolicyForm()
    if not form.is_submitted():
        form.fill(own)
    elif form.validate():
        rules = form.rules()
        if rules != own:
            before = copy.deepcopy(organisation.settings or {})
            organisation.settings = {**before, SETTINGS_KEY: rules}
            audit.record("organisation.content_policy_changed", organisation, organisation_id=organisation.id,
                         before=own, after=rules)
            db.session.commit()
            flash(_("The content policy was saved."), "success")
        else:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for("policy.edit", org_id=org_id))
    inherited = effective_policy(organisation.parent) if organisation.parent is not None else None
    return form_page("policy/edit.html", form, organisation=organisation, inherited=inherited)
