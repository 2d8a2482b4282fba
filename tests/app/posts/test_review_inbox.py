"""The approval inbox: oldest first, only where the user reviews, diff against the last approval, bulk approve."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Approval, AuditEvent, OrgKind, Post, PostState, PostTarget, utcnow
from app.publishing import lifecycle


def _in_review(factory, org, author, body, account, age_minutes=0):
    post = factory.post(org, author, body=body)
    db.session.add(PostTarget(post_id=post.id, account_id=account.id))
    db.session.commit()
    lifecycle.submit(post, author)
    post.updated_at = utcnow() - timedelta(minutes=age_minutes)
    db.session.commit()
    return post


def _setup(factory):
    top = factory.org("Diskominfo", kind=OrgKind.DISKOMINFO, timezone="Asia/Makassar")
    opd = factory.org("Dinas Kesehatan", parent=top, timezone="Asia/Makassar")
    author = factory.user(opd, "admin", name="Penulis")
    reviewer = factory.user(top, "reviewer", name="Peninjau")
    account = factory.account(opd, "facebook")
    return top, opd, author, reviewer, account


def test_inbox_lists_posts_in_review_oldest_first_only_where_the_user_reviews(browser, factory):
    _top, opd, author, reviewer, account = _setup(factory)
    newer = _in_review(factory, opd, author, "Kabar yang lebih baru", account, age_minutes=5)
    older = _in_review(factory, opd, author, "Kabar yang lebih lama", account, age_minutes=50)
    factory.post(opd, author, body="Masih draf")
    foreign_org = factory.org("Pemda Lain", kind=OrgKind.DISKOMINFO)
    foreign_author = factory.user(foreign_org, "admin")
    _in_review(factory, foreign_org, foreign_author, "Rahasia daerah lain", factory.account(foreign_org, "x"))
    page = browser(reviewer).get("/review").get_data(as_text=True)
    assert page.index("Kabar yang lebih lama") < page.index("Kabar yang lebih baru")
    assert "Masih draf" not in page and "Rahasia daerah lain" not in page
    assert "Unggahan baru (belum pernah disetujui)" in page
    assert f'value="{older.id}"' in page and f'value="{newer.id}"' in page
    # The author sees their own post without a way to approve it; a viewer has no inbox.
    own = browser(author).get("/review").get_data(as_text=True)
    assert "Unggahan Anda sendiri" in own and f'name="post_ids" value="{older.id}"' not in own
    assert browser(factory.user(opd, "viewer")).get("/review").status_code == 403


def test_diff_against_the_previously_approved_version(browser, factory):
    _top, opd, author, reviewer, account = _setup(factory)
    post = _in_review(factory, opd, author, "Posyandu buka Sabtu pagi", account)
    lifecycle.approve(post, reviewer)
    db.session.commit()
    snapshot = db.session.scalar(db.select(Approval.content_snapshot).where(Approval.post_id == post.id))
    assert snapshot["body"] == "Posyandu buka Sabtu pagi" and snapshot["content_version"] == 1
    # The author edits the approved post: back to review with a new version.
    post.body = "Posyandu buka Minggu pagi"
    lifecycle.content_edited(post, author)
    db.session.commit()
    assert post.state == PostState.IN_REVIEW
    page = browser(reviewer).get("/review").get_data(as_text=True)
    assert "Perubahan sejak versi terakhir yang disetujui" in page
    assert "<del>Sabtu</del><ins>Minggu</ins>" in page


def test_bulk_approve_checks_each_post_and_reports_each(browser, factory):
    top, opd, author, reviewer, account = _setup(factory)
    first = _in_review(factory, opd, author, "Satu", account)
    second = _in_review(factory, opd, author, "Dua", account)
    own = _in_review(factory, top, reviewer, "Milik peninjau", factory.account(top, "x"))
    foreign_org = factory.org("Pemda Lain", kind=OrgKind.DISKOMINFO)
    foreign = _in_review(factory, foreign_org, factory.user(foreign_org, "admin"), "Asing",
                         factory.account(foreign_org, "x"))
    client = browser(reviewer)
    response = client.post("/review/approve", data={"post_ids": [str(first.id), str(second.id), str(own.id),
                                                                 str(foreign.id)], "comment": "Oke"})
    assert response.status_code == 302
    states = {p.id: db.session.get(Post, p.id).state for p in (first, second, own, foreign)}
    assert states == {first.id: PostState.APPROVED, second.id: PostState.APPROVED, own.id: PostState.IN_REVIEW,
                      foreign.id: PostState.IN_REVIEW}
    page = client.get("/review").get_data(as_text=True)
    assert "“Satu”: disetujui." in page and "“Dua”: disetujui." in page
    assert "“Milik peninjau”: Anda tidak dapat meninjau postingan Anda sendiri." in page
    assert f"Unggahan {foreign.id}: tidak ditemukan" in page
    audited = set(db.session.scalars(db.select(AuditEvent.object_id).where(AuditEvent.action == "post.bulk_approved")))
    assert audited == {str(first.id), str(second.id)}
    # Approving again: no longer waiting.
    client.post("/review/approve", data={"post_ids": [str(first.id)]})
    assert "“Satu”: tidak lagi menunggu tinjauan." in client.get("/review").get_data(as_text=True)


def test_bulk_approve_refuses_bad_input(browser, factory):
    _top, _opd, _author, reviewer, _account = _setup(factory)
    client = browser(reviewer)
    assert client.post("/review/approve", data={}).status_code == 400
    assert client.post("/review/approve", data={"post_ids": ["abc"]}).status_code == 400
    assert client.post("/review/approve", data={"post_ids": [str(i) for i in range(101)]}).status_code == 400


def test_bulk_approval_counts_towards_two_required_approvals(browser, factory):
    _top, opd, author, reviewer, account = _setup(factory)
    opd.settings = {"approvals_required": 2}
    db.session.commit()
    post = _in_review(factory, opd, author, "Perlu dua", account)
    client = browser(reviewer)
    client.post("/review/approve", data={"post_ids": [str(post.id)]})
    assert db.session.get(Post, post.id).state == PostState.IN_REVIEW
    page = client.get("/review").get_data(as_text=True)
    assert "masih perlu persetujuan lain" in page and "1 dari 2 persetujuan" in page
