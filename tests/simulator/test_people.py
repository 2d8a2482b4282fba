"""The simulator's lookups of other people's accounts and its Instagram collaborator invite control."""
from __future__ import annotations

import httpx
import pytest

from adapters.base import AccountRef, AuthExpired, ResolvedUser, Transient
from adapters.instagram import InstagramAdapter
from adapters.x import XAdapter
from adapters.youtube import YouTubeAdapter
from simulator.graph import DEMO_PAGES
from tests.adapters.graph_fixtures import collab, image
from tests.simulator.server import sim_settings
from tests.simulator.test_simulator import _ig_job

PAGE_ID, _PAGE_NAME, PAGE_TOKEN, IG_ID, IG_NAME = DEMO_PAGES[0]


def _ig_ref() -> AccountRef:
    return AccountRef(1, IG_ID, IG_NAME, credentials={"access_token": PAGE_TOKEN, "extra": {"page_id": PAGE_ID}})


def test_x_user_by_username_found_missing_and_invalid(sim):
    adapter = XAdapter(sim.settings("x"))
    ref = AccountRef(1, "1001", "pemkot_demo", {"access_token": "sim-x-token-pemkot"})
    assert adapter.resolve_user(ref, "@Rina_JalanJalan") == ResolvedUser("2000000000000001", "rina_jalanjalan",
                                                                         "Rina Jalan-Jalan")
    assert adapter.resolve_user(ref, "dishubbpp").user_id == "1500000000000002"  # a demo account is a user too
    assert adapter.resolve_user(ref, "nobody_here") is None
    raw = httpx.get(f"{sim.url}/x/2/users/by/username/nobody_here",
                    headers={"Authorization": "Bearer sim-x-token-pemkot"})
    assert raw.status_code == 200 and raw.json()["errors"][0]["type"].endswith("/resource-not-found")
    invalid = httpx.get(f"{sim.url}/x/2/users/by/username/not.valid",
                        headers={"Authorization": "Bearer sim-x-token-pemkot"})
    assert invalid.status_code == 400 and invalid.json()["title"] == "Invalid Request"
    with pytest.raises(AuthExpired):
        adapter.resolve_user(AccountRef(1, "1001", "p", {"access_token": "wrong"}), "rina_jalanjalan")


def test_x_lookup_fault(sim):
    sim.state.add_named_fault("x.users_by_username", "server_error")
    ref = AccountRef(1, "1001", "pemkot_demo", {"access_token": "sim-x-token-pemkot"})
    with pytest.raises(Transient):
        XAdapter(sim.settings("x")).resolve_user(ref, "rina_jalanjalan")


def test_youtube_channels_for_handle(sim):
    adapter = YouTubeAdapter(sim.settings("youtube"))
    ref = AccountRef(1, "UCdemo0001", "@pemkotdemo", {"access_token": "sim-youtube-token-pemkot"})
    assert adapter.resolve_user(ref, "rinajalanjalan") == ResolvedUser("UCsimRinaJalanJalan0001", "@rinajalanjalan",
                                                                       "Rina Jalan-Jalan")
    assert adapter.resolve_user(ref, "@BPBDBalikpapan").user_id == "UCsimBpbdBalikpapan0001"
    assert adapter.resolve_user(ref, "nobody") is None
    # the own-channel answer (mine=true) is unchanged
    assert adapter.account_facts(ref).profile["handle"] == "@pemkotdemo"


def test_instagram_business_discovery(sim_server):
    adapter = InstagramAdapter(sim_settings(sim_server))
    assert adapter.resolve_user(_ig_ref(), "@Rina.JalanJalan") == ResolvedUser("178400000009001", "rina.jalanjalan",
                                                                               "Rina Jalan-Jalan")
    assert adapter.resolve_user(_ig_ref(), "dinkesbpp").user_id == DEMO_PAGES[1][3]
    assert adapter.resolve_user(_ig_ref(), "budi.pribadi") is None  # a personal account cannot be discovered
    assert adapter.resolve_user(_ig_ref(), "nobody.here") is None
    raw = httpx.get(f"{sim_server}/graph.facebook.com/v25.0/{IG_ID}", headers={"Authorization": f"Bearer {PAGE_TOKEN}"},
                    params={"fields": "business_discovery.username(budi.pribadi){id,username}"})
    error = raw.json()["error"]
    assert raw.status_code == 400 and (error["code"], error["error_subcode"]) == (110, 2207013)
    assert error["error_user_title"] == "Cannot find User"


def test_instagram_collaborator_invites_accept_and_decline(sim_server):
    adapter = InstagramAdapter(sim_settings(sim_server, poll_interval=0.01))
    result = adapter.publish(_ig_job(media=[image()], collaborations=[collab("rina.jalanjalan"),
                                                                       collab("kuliner.bpp")]))
    assert adapter.collaborator_statuses(_ig_ref(), result.remote_id) == {"rina.jalanjalan": "pending",
                                                                          "kuliner.bpp": "pending"}
    accepted = httpx.post(f"{sim_server}/_sim/collaborators", json={
        "media_id": result.remote_id, "username": "@Rina.JalanJalan", "invite_status": "Accepted"})
    assert accepted.status_code == 200
    httpx.post(f"{sim_server}/_sim/collaborators", json={
        "media_id": result.remote_id, "username": "kuliner.bpp", "invite_status": "Declined"}).raise_for_status()
    assert adapter.collaborator_statuses(_ig_ref(), result.remote_id) == {"rina.jalanjalan": "accepted",
                                                                          "kuliner.bpp": "declined"}
    raw = httpx.get(f"{sim_server}/graph.facebook.com/v25.0/{result.remote_id}/collaborators",
                    headers={"Authorization": f"Bearer {PAGE_TOKEN}"}).json()
    assert raw["data"][0] == {"id": "178400000009001", "username": "rina.jalanjalan", "invite_status": "Accepted"}
    bad = [{"media_id": result.remote_id, "username": "stranger", "invite_status": "Accepted"},
           {"media_id": "404", "username": "kuliner.bpp", "invite_status": "Accepted"},
           {"media_id": result.remote_id, "username": "kuliner.bpp", "invite_status": "Maybe"}]
    assert [httpx.post(f"{sim_server}/_sim/collaborators", json=spec).status_code for spec in bad] == [404, 404, 400]
