"""The approval inbox: posts waiting for the signed-in reviewer, with the diff against the last approval.

Approve and reject reuse the pipeline's routes (app/publishing/views.py); bulk approval here runs
`lifecycle.approve` for each selected post on its own, so one refusal never blocks the others.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app import audit
from app.extensions import db
from app.models import Approval, Decision, Post, PostState, Role, User
from app.posts.diff import FieldDiff, content_snapshot, snapshot_diff
from app.publishing import lifecycle
from app.publishing.views import REVIEW_ERRORS
from app.tenancy import scoped, visible_organisation_ids

bp = Blueprint("review", __name__)

REVIEW_ROLES = (Role.REVIEWER, Role.ADMIN)
INBOX_LIMIT = 200
BULK_LIMIT = 100


@dataclass
class InboxItem:
    post: Post
    diff: list[FieldDiff]
    approved_before: bool  # False: the first review, the whole post is new
    own: bool  # the reviewer wrote it: no approval possible
    approvals: int
    required: int


def inbox_query(user: User) -> Select:
    """Posts in review in organisations where `user` reviews (or administers), oldest first."""
    return (scoped(Post, user, REVIEW_ROLES).where(Post.state == PostState.IN_REVIEW)
            .options(selectinload(Post.organisation), selectinload(Post.author), selectinload(Post.targets),
                     selectinload(Post.media_links))
            .order_by(Post.updated_at, Post.id))


def last_approved_snapshot(post: Post) -> dict | None:
    """The content of the most recent approved version of `post` (None: never approved)."""
    return db.session.scalar(
        select(Approval.content_snapshot).where(
            Approval.post_id == post.id, Approval.content_snapshot.is_not(None),
            Approval.decision.in_([Decision.APPROVED, Decision.TRUSTED_SKIP]),
            Approval.content_version < post.content_version)
        .order_by(Approval.content_version.desc(), Approval.id.desc()).limit(1))


def inbox_item(post: Post, user: User) -> InboxItem:
    previous = last_approved_snapshot(post)
    return InboxItem(post=post, diff=snapshot_diff(previous, content_snapshot(post)),
                     approved_before=previous is not None, own=post.author_id == user.id,
                     approvals=lifecycle.current_approvals(post), required=lifecycle.approvals_required(post))


@bp.route("/review")
@login_required
def inbox() -> str:
    if not visible_organisation_ids(current_user, REVIEW_ROLES):
        abort(403)
    posts = list(db.session.scalars(inbox_query(current_user).limit(INBOX_LIMIT)))
    return render_template("posts/inbox.html", items=[inbox_item(p, current_user) for p in posts])


@bp.route("/review/approve", methods=["POST"])
@login_required
def bulk_approve() -> Response | tuple[str, int]:
    """Approve each selected post on its own (own posts, foreign or moved posts are refused one by one)."""
    if not visible_organisation_ids(current_user, REVIEW_ROLES):
        abort(403)
    raw_ids = request.form.getlist("post_ids")
    if not raw_ids or len(raw_ids) > BULK_LIMIT or not all(i.isdigit() for i in raw_ids):
        return render_template("error.html", code=400,
                               message=_("Choose between 1 and %(n)d posts to approve.", n=BULK_LIMIT)), 400
    comment = request.form.get("comment", "").strip()[:2000]
    for post_id in dict.fromkeys(int(i) for i in raw_ids):
        post = db.session.scalar(scoped(Post, current_user, REVIEW_ROLES).where(Post.id == post_id))
        if post is None:
            flash(_("Post %(id)d: not found among the posts you review.", id=post_id), "error")
            continue
        label = post.title or post.body[:40]
        try:
            lifecycle.approve(post, current_user, comment)
            audit.record("post.bulk_approved", post, after={"content_version": post.content_version,
                                                            "state": post.state})
            db.session.commit()
        except lifecycle.InvalidTransition:
            db.session.rollback()
            flash(_("“%(post)s”: no longer waiting for review.", post=label), "error")
        except lifecycle.ReviewError as exc:
            db.session.rollback()
            reason = REVIEW_ERRORS.get(str(exc), _("The request could not be understood."))
            flash(_("“%(post)s”: %(reason)s", post=label, reason=reason), "error")
        else:
            flash(_("“%(post)s”: approved.", post=label) if post.state != PostState.IN_REVIEW
                  else _("“%(post)s”: your approval is recorded; it needs more approvals.", post=label), "success")
    return redirect(url_for("review.inbox"))
