"""Instagram collaborator invites read back from the live simulator until accepted or declined."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from adapters.instagram import InstagramAdapter
from app.crypto import encrypt_json
from app.extensions import db
from app.influencers import services
from app.influencers.invites import INVITE_WINDOW, poll_collaborator_invites
from app.models import AuditEvent, PostCollaborationStatus, SocialAccount, TargetState, utcnow
from simulator.graph import DEMO_PAGES
from tests.adapters.graph_fixtures import collab, image
from tests.app.influencers.builders import collaborate, influencer, target
from tests.simulator.server import sim_server, sim_settings  # noqa: F401
from tests.simulator.test_simulator import _ig_job

PAGE_ID, _PAGE_NAME, PAGE_TOKEN, IG_ID, IG_NAME = DEMO_PAGES[0]


@pytest.fixture
def app_config(app_config: dict, sim_server: str) -> dict:  # noqa: F811
    app_config["WARTA_SIMULATOR_URL"] = sim_server
    return app_config


@pytest.fixture
def published(factory, sim_server):  # noqa: F811
    """A post with two collaborator invites and a mention, published to Instagram through the simulator."""
    org = factory.org()
    post = factory.post(org, factory.user(org, "coordinator"))
    rina = influencer(org, "Rina", instagram=("rina.jalanjalan", None))
    kuliner = influencer(org, "Kuliner", instagram=("kuliner.bpp", None))
    [invite_rina] = collaborate(post, rina, "collaborator")
    [invite_kuliner, mention] = collaborate(post, kuliner, "collaborator", "mention")
    account = SocialAccount(organisation=org, platform="instagram", handle=IG_NAME, external_id=IG_ID,
                            credentials_encrypted=encrypt_json({"access_token": PAGE_TOKEN,
                                                                "extra": {"page_id": PAGE_ID}}))
    db.session.add(account)
    db.session.commit()
    result = InstagramAdapter(sim_settings(sim_server)).publish(_ig_job(
        media=[image()], collaborations=[collab("rina.jalanjalan"), collab("kuliner.bpp")]))
    row = target(post, account)
    row.state, row.remote_id, row.published_at = TargetState.PUBLISHED, result.remote_id, utcnow()
    services.record_target_published(row)
    db.session.commit()
    return row, invite_rina, invite_kuliner, mention


def _status(collaboration, target_row) -> str:
    db.session.expire_all()
    return db.session.scalars(select(PostCollaborationStatus.status).where(
        PostCollaborationStatus.collaboration_id == collaboration.id,
        PostCollaborationStatus.target_id == target_row.id)).one()


def _answer(url: str, media_id: str, username: str, status: str) -> None:
    httpx.post(f"{url}/_sim/collaborators", json={"media_id": media_id, "username": username,
                                                  "invite_status": status}).raise_for_status()


def test_invites_are_read_until_final_and_audited(published, sim_server):  # noqa: F811
    row, invite_rina, invite_kuliner, mention = published
    assert poll_collaborator_invites() == {"targets": 1, "changed": 0, "failed": 0}
    assert _status(invite_rina, row) == _status(invite_kuliner, row) == "pending"
    _answer(sim_server, row.remote_id, "rina.jalanjalan", "Accepted")
    assert poll_collaborator_invites() == {"targets": 1, "changed": 1, "failed": 0}
    assert (_status(invite_rina, row), _status(invite_kuliner, row), _status(mention, row)) == (
        "accepted", "pending", "sent")
    _answer(sim_server, row.remote_id, "kuliner.bpp", "Declined")
    assert poll_collaborator_invites()["changed"] == 1
    assert _status(invite_kuliner, row) == "declined"
    assert poll_collaborator_invites() == {"targets": 0, "changed": 0, "failed": 0}  # all final: nothing asked
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "collaboration.status_changed")
                                .order_by(AuditEvent.id)).all()
    assert [(e.before["status"], e.after["status"]) for e in events] == [("pending", "accepted"),
                                                                         ("pending", "declined")]


def test_polling_stops_after_the_window_and_survives_platform_errors(published, sim_server):  # noqa: F811
    row, invite_rina, _invite_kuliner, _mention = published
    httpx.post(f"{sim_server}/_sim/faults", json={"endpoint": "ig.collaborators", "status": 500, "body": {
        "error": {"message": "An unexpected error has occurred.", "type": "OAuthException", "code": 2}}})
    assert poll_collaborator_invites() == {"targets": 1, "changed": 0, "failed": 1}
    _answer(sim_server, row.remote_id, "rina.jalanjalan", "Accepted")
    later = utcnow() + INVITE_WINDOW + timedelta(minutes=1)
    assert poll_collaborator_invites(later) == {"targets": 0, "changed": 0, "failed": 0}
    assert _status(invite_rina, row) == "pending"  # never answered within the window, as far as Warta knows
    assert poll_collaborator_invites()["changed"] == 1


def test_post_page_shows_translated_invite_statuses(published, client, factory):
    from tests.factories import sign_in

    row, *_ = published
    user = factory.user(db.session.get(type(row.post.organisation), row.post.organisation_id), "coordinator",
                        locale="en")
    sign_in(client, user)
    page = client.get(f"/posts/{row.post_id}/collaborations").get_data(as_text=True)
    assert f"#{row.id}: invite pending" in page and f"#{row.id}: sent" in page
