"""Handle lookup against the live simulator: on save, "Resolve again", not found, no account, roles, audit."""
from __future__ import annotations

import httpx
import pytest
from flask import g
from sqlalchemy import select

from app.crypto import encrypt_json
from app.extensions import db
from app.influencers.lookup import lookup_account
from app.models import AccountStatus, AuditEvent, HandleLookup, Influencer, InfluencerHandle, SocialAccount
from tests.app.influencers.builders import influencer
from tests.factories import sign_in
from tests.simulator.server import sim_server  # noqa: F401


@pytest.fixture
def app_config(app_config: dict, sim_server: str) -> dict:  # noqa: F811
    """Every platform at the live simulator (like `make run`), set before the app is built."""
    app_config["WARTA_SIMULATOR_URL"] = sim_server
    return app_config


@pytest.fixture
def tree(factory):
    """A Pemda with the X, YouTube and Instagram demo accounts; an OPD below it; a foreign Pemda."""
    home = factory.org("Pemkot A")
    opd = factory.org("Dinas A", parent=home)
    foreign = factory.org("Pemkot B")
    _account(home, "x", "1001", "pemkot_demo", {"access_token": "sim-x-token-pemkot"})
    _account(home, "youtube", "UCdemo0001", "@pemkotdemo", {"access_token": "sim-youtube-token-pemkot"})
    _account(home, "instagram", "178400000000001", "diskominfobpp",
             {"access_token": "sim-page-token-diskominfo", "extra": {"page_id": "300000000000001"}})
    return home, opd, foreign


def _account(org, platform, external_id, handle, credentials, status=AccountStatus.ACTIVE) -> SocialAccount:
    row = SocialAccount(organisation=org, platform=platform, handle=handle, external_id=external_id,
                        credentials_encrypted=encrypt_json(credentials), status=status)
    db.session.add(row)
    db.session.commit()
    return row


def _signed(client, factory, org, role):
    user = factory.user(org, role, locale="en")
    for name in [n for n in vars(g) if n == "_login_user" or n.startswith("_warta_memberships")]:
        delattr(g, name)
    sign_in(client, user)
    return user


def _save(client, person, platform, handle, user_id=""):
    return client.post(f"/influencers/{person.id}/handles",
                       data={"platform": platform, "handle": handle, "platform_user_id": user_id})


def _handle(person: Influencer, platform: str) -> InfluencerHandle:
    db.session.expire_all()
    return db.session.scalars(select(InfluencerHandle).where(InfluencerHandle.influencer_id == person.id,
                                                             InfluencerHandle.platform == platform)).one()


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_saving_handles_resolves_them_with_an_account_above_the_opd(client, factory, tree):
    _home, opd, _foreign = tree
    _signed(client, factory, opd, "coordinator")
    person = influencer(opd, "Rina")
    for platform, handle, expected in [("x", "@Rina_JalanJalan", "2000000000000001"),
                                       ("youtube", "rinajalanjalan", "UCsimRinaJalanJalan0001"),
                                       ("instagram", "rina.jalanjalan", "178400000009001")]:
        assert _save(client, person, platform, handle).status_code == 302
        row = _handle(person, platform)
        assert row.lookup_detail == "", row.lookup_detail
        assert (row.platform_user_id, row.lookup_status) == (expected, HandleLookup.RESOLVED), platform
        assert row.resolved_at is not None and row.lookup_at is not None
    page = client.get(f"/influencers/{person.id}").get_data(as_text=True)
    assert "2000000000000001" in page and "UCsimRinaJalanJalan0001" in page and "Resolve again" in page
    events = _events("influencer.handle_looked_up")
    assert [e.after["lookup_status"] for e in events] == ["resolved"] * 3
    assert events[0].after["platform_user_id"] == "2000000000000001" and events[0].organisation_id == opd.id


def test_missing_handle_is_kept_unresolved_with_a_clear_message(client, factory, tree):
    home, _opd, _foreign = tree
    _signed(client, factory, home, "coordinator")
    person = influencer(home, "Budi")
    response = _save(client, person, "x", "nobody_here")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No X account is called @nobody_here" in page and "not found on the platform" in page
    row = _handle(person, "x")
    assert (row.handle, row.platform_user_id, row.lookup_status) == ("nobody_here", None, HandleLookup.NOT_FOUND)
    response = _save(client, person, "instagram", "budi.pribadi")  # a personal account: Business Discovery is blind
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No Instagram business or creator account is called @budi.pribadi" in page
    assert _handle(person, "instagram").lookup_status == HandleLookup.NOT_FOUND


def test_resolve_again_after_a_failure_and_a_vanished_handle(client, factory, tree, sim_server):  # noqa: F811
    home, _opd, _foreign = tree
    _signed(client, factory, home, "coordinator")
    person = influencer(home, "Rina")
    httpx.post(f"{sim_server}/_sim/faults", json={"endpoint": "x.users_by_username", "preset": "server_error"})
    response = _save(client, person, "x", "rina_jalanjalan")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "could not be asked just now" in page and "lookup failed" in page
    row = _handle(person, "x")
    assert (row.platform_user_id, row.lookup_status) == (None, HandleLookup.FAILED) and row.lookup_detail
    assert client.post(f"/influencers/{person.id}/handles/resolve", data={"platform": "x"}).status_code == 302
    row = _handle(person, "x")
    assert (row.platform_user_id, row.lookup_status, row.lookup_detail) == ("2000000000000001", "resolved", "")
    # The stored handle comes to name nobody (renamed account): the old id is no longer trusted.
    row.handle = "rina_lama"
    db.session.commit()
    client.post(f"/influencers/{person.id}/handles/resolve", data={"platform": "x"})
    row = _handle(person, "x")
    assert (row.platform_user_id, row.resolved_at, row.lookup_status) == (None, None, HandleLookup.NOT_FOUND)
    assert [e.after["lookup_status"] for e in _events("influencer.handle_looked_up")] == [
        "failed", "resolved", "not_found"]
    assert _events("influencer.handle_looked_up")[-1].before["platform_user_id"] == "2000000000000001"


def test_manual_platforms_manual_ids_and_no_account(client, factory, tree):
    home, _opd, foreign = tree
    _signed(client, factory, home, "coordinator")
    person = influencer(home, "Ayu")
    _save(client, person, "tiktok", "ayu.bpp", "7000001")
    row = _handle(person, "tiktok")
    assert (row.platform_user_id, row.lookup_status) == ("7000001", None)
    page = client.get(f"/influencers/{person.id}").get_data(as_text=True)
    assert "TikTok has no API to look up other people" in page and "Page Public Metadata Access" in page
    response = client.post(f"/influencers/{person.id}/handles/resolve", data={"platform": "tiktok"})
    assert response.status_code == 400 and "TikTok has no API" in response.get_data(as_text=True)
    _save(client, person, "x", "Ayu_Bpp", "99")  # typed by hand: trusted, not looked up
    assert (_handle(person, "x").platform_user_id, _handle(person, "x").lookup_status) == ("99", None)
    assert _events("influencer.handle_looked_up") == []
    # A foreign tree's accounts are never used; a needs-reconnect account neither.
    _account(foreign, "youtube", "UCsimBpbdBalikpapan0001", "@bpbd", {"access_token": "sim-youtube-token-bpbd"})
    other = influencer(factory.org("Pemkot C"), "Citra")
    _account(db.session.get(type(home), other.organisation_id), "youtube", "UCx", "@x",
             {"access_token": "sim-youtube-token-bpbd"}, status=AccountStatus.NEEDS_RECONNECT)
    assert lookup_account(db.session.get(type(home), other.organisation_id), "youtube") is None
    assert lookup_account(home, "youtube").external_id == "UCdemo0001"
    _signed(client, factory, db.session.get(type(home), other.organisation_id), "coordinator")
    response = _save(client, other, "youtube", "rinajalanjalan")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No connected YouTube account in this organisation or above it" in page
    assert _handle(other, "youtube").lookup_status == HandleLookup.NO_ACCOUNT


def test_resolve_again_roles_and_tenancy(client, factory, tree):
    home, _opd, foreign = tree
    person = influencer(home, "Rina", x=("rina_jalanjalan", None))
    _signed(client, factory, home, "reviewer")
    assert client.post(f"/influencers/{person.id}/handles/resolve", data={"platform": "x"}).status_code == 403
    _signed(client, factory, foreign, "coordinator")
    assert client.post(f"/influencers/{person.id}/handles/resolve", data={"platform": "x"}).status_code == 404
    _signed(client, factory, home, "coordinator")
    assert client.post(f"/influencers/{person.id}/handles/resolve", data={"platform": "youtube"}).status_code == 400
    assert _handle(person, "x").platform_user_id is None and _events("influencer.handle_looked_up") == []
