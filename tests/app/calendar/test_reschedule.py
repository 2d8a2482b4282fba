"""Moving a post on the calendar: drag (JSON) or form, through lifecycle.reschedule, audited, refused clearly."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Approval, Decision, OrgKind, Post, PostState, PostTarget, TargetState, utcnow
from app.publishing import lifecycle
from tests.app.conftest import audit_actions, last_audit

WHEN = datetime(2027, 3, 9, 1, 30, tzinfo=UTC)  # 10:30 WIT on 9 March


@pytest.fixture
def org(factory):
    top = factory.org("Diskominfo Kota Jayapura", kind=OrgKind.DISKOMINFO, timezone="Asia/Jayapura")
    return factory.org("Dinas Kesehatan", parent=top, timezone="Asia/Jayapura")


@pytest.fixture
def people(factory, org):
    return {"author": factory.user(org, "admin"), "reviewer": factory.user(org, "reviewer"),
            "viewer": factory.user(org, "viewer"), "outsider": factory.user(factory.org("Lain"), "admin")}


def approved_post(factory, org, author, reviewer, state=PostState.SCHEDULED, when=WHEN) -> Post:
    account = factory.account(org, "instagram")
    post = factory.post(org, author, title="Vaksinasi", state=state, scheduled_at=when)
    db.session.add(PostTarget(post_id=post.id, account_id=account.id, due_at=when,
                              deadline_at=when + timedelta(hours=2)))
    db.session.add(Approval(post_id=post.id, organisation_id=org.id, reviewer_id=reviewer.id, content_version=1,
                            decision=Decision.APPROVED))
    db.session.commit()
    return post


def test_drag_keeps_the_local_time_of_day_and_moves_targets(browser, factory, org, people):
    post = approved_post(factory, org, people["author"], people["reviewer"])
    response = browser(people["reviewer"]).post(f"/calendar/posts/{post.id}/reschedule", data={"date": "2027-03-12"},
                                                headers={"Accept": "application/json"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["ok"] is True and data["review"] is False
    assert "Jumat, 12 Maret 2027 10:30" in data["message"]
    db.session.refresh(post)
    assert post.scheduled_at == datetime(2027, 3, 12, 1, 30, tzinfo=UTC)
    assert post.state == PostState.SCHEDULED and post.content_version == 1
    assert post.targets[0].due_at == post.scheduled_at
    assert post.targets[0].deadline_at == post.scheduled_at + timedelta(hours=2)
    event = last_audit("post.time_set")
    assert event.actor_id == people["reviewer"].id and event.after["scheduled_at"].startswith("2027-03-12T01:30")


def test_form_without_javascript(browser, factory, org, people):
    post = approved_post(factory, org, people["author"], people["reviewer"])
    client = browser(people["author"])
    page = client.get(f"/calendar/posts/{post.id}/reschedule").get_data(as_text=True)
    assert 'value="2027-03-09T10:30"' in page and "WIT" in page
    response = client.post(f"/calendar/posts/{post.id}/reschedule", data={"scheduled_at": "2027-03-20T08:15"})
    assert response.status_code == 302 and "date=2027-03-20" in response.headers["Location"]
    db.session.refresh(post)
    assert post.scheduled_at == datetime(2027, 3, 19, 23, 15, tzinfo=UTC)


def test_return_to_review_when_the_organisation_requires_it(browser, factory, people):
    strict = factory.org("Dinas Ketat", timezone="Asia/Jayapura", reschedule_needs_review=True)
    author, reviewer = factory.user(strict, "admin"), factory.user(strict, "reviewer")
    post = approved_post(factory, strict, author, reviewer)
    assert lifecycle.is_approved_version(post)
    response = browser(reviewer).post(f"/calendar/posts/{post.id}/reschedule", data={"date": "2027-03-12"},
                                      headers={"Accept": "application/json"})
    data = response.get_json()
    assert response.status_code == 200 and data["review"] is True
    assert "kembali ke peninjauan" in data["message"]
    db.session.refresh(post)
    assert post.state == PostState.IN_REVIEW and post.content_version == 2
    assert not lifecycle.is_approved_version(post)  # the old approval no longer counts
    assert audit_actions()[-2:] == ["post.time_set", "post.edit"]


def test_a_draft_moves_without_review(browser, factory, people):
    strict = factory.org("Dinas Ketat", timezone="Asia/Jayapura", reschedule_needs_review=True)
    author = factory.user(strict, "admin")
    post = factory.post(strict, author, state=PostState.DRAFT, scheduled_at=WHEN)
    response = browser(author).post(f"/calendar/posts/{post.id}/reschedule", data={"date": "2027-03-11"},
                                    headers={"Accept": "application/json"})
    assert response.get_json()["review"] is False
    db.session.refresh(post)
    assert post.state == PostState.DRAFT and post.scheduled_at == WHEN + timedelta(days=2)


@pytest.mark.parametrize(("case", "status", "words"), [
    ("published", 409, "sudah diterbitkan"),
    ("publishing", 409, "sedang atau sudah diterbitkan"),
    ("past", 422, "sudah lewat"),
    ("not_after", 422, "Jangan terbitkan setelah"),
    ("invalid", 400, "tanggal dan waktu yang valid"),
])
def test_refused_moves_change_nothing(browser, factory, org, people, case, status, words):
    post = approved_post(factory, org, people["author"], people["reviewer"])
    date = "2027-03-12"
    if case in ("published", "publishing"):
        post.targets[0].state = TargetState.PUBLISHED if case == "published" else TargetState.PUBLISHING
    if case == "past":
        date = (utcnow() - timedelta(days=2)).date().isoformat()
    if case == "not_after":
        post.not_after = WHEN + timedelta(days=1)
    if case == "invalid":
        date = "2027-02-30"
    db.session.commit()
    before = (post.scheduled_at, post.state, post.content_version, len(audit_actions()))
    client = browser(people["reviewer"])
    response = client.post(f"/calendar/posts/{post.id}/reschedule", data={"date": date},
                           headers={"Accept": "application/json"})
    assert response.status_code == status
    assert response.get_json()["ok"] is False and words in response.get_json()["message"]
    form = client.post(f"/calendar/posts/{post.id}/reschedule", data={"scheduled_at": f"{date}T10:30"})
    assert form.status_code == status and words in form.get_data(as_text=True)
    assert 'aria-invalid="true"' in form.get_data(as_text=True)
    db.session.refresh(post)
    assert (post.scheduled_at, post.state, post.content_version, len(audit_actions())) == before


def test_same_time_is_not_a_change(browser, factory, org, people):
    post = approved_post(factory, org, people["author"], people["reviewer"])
    count = len(audit_actions())
    response = browser(people["reviewer"]).post(f"/calendar/posts/{post.id}/reschedule", data={"date": "2027-03-09"},
                                                headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.get_json()["message"] == "Tidak ada yang diubah."
    assert len(audit_actions()) == count


def test_who_may_move(browser, factory, org, people):
    post = approved_post(factory, org, people["author"], people["reviewer"])
    assert browser(people["viewer"]).post(f"/calendar/posts/{post.id}/reschedule",
                                          data={"date": "2027-03-12"}).status_code == 403
    assert browser(people["viewer"]).get(f"/calendar/posts/{post.id}/reschedule").status_code == 403
    assert browser(people["outsider"]).post(f"/calendar/posts/{post.id}/reschedule",
                                            data={"date": "2027-03-12"}).status_code == 404
    db.session.refresh(post)
    assert post.scheduled_at == WHEN


def test_lifecycle_reschedule_refuses_naive_times_and_held_targets_move(factory, org, people):
    post = approved_post(factory, org, people["author"], people["reviewer"])
    with pytest.raises(ValueError):
        lifecycle.reschedule(post, datetime(2027, 3, 12, 1, 30), people["reviewer"])
    post.targets[0].state = TargetState.HELD
    assert lifecycle.reschedule(post, WHEN + timedelta(days=1), people["reviewer"]) is False
    assert post.targets[0].due_at == WHEN + timedelta(days=1)
    db.session.rollback()
