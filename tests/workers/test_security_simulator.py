"""The takeover alert end to end: the daily verification job reads each account's facts through the real
adapter from the simulator; a profile change made on the platform (`POST /_sim/profile`, as a hijacker
would) raises `security.takeover_suspected` on the next run."""
from __future__ import annotations

import httpx
import pytest

from app.crypto import encrypt_json
from app.demo import _simulator_graph_accounts, _simulator_xyt_accounts
from app.events import add_listener
from app.extensions import db
from app.models import AuditEvent, ItemState, ProfileSnapshot, SocialAccount
from app.security.items import items_for_account
from tests.app.security.helpers import build_world
from tests.simulator.server import sim_server  # noqa: F401
from workers.security import verify_accounts

# platform, account handle, what the hijacker changes (platform's own field names), facts that must change
CASES = [
    ("facebook", "Diskominfo Balikpapan", {"name": "Giveaway iPhone Gratis", "verified": False,
                                           "about": "Klik tautan di bawah"},
     {"display_name", "handle", "verified", "bio"}),
    ("facebook", "Diskominfo Balikpapan", {"tasks": ["MANAGE", "CREATE_CONTENT", "ADVERTISE"]}, {"page_tasks"}),
    ("instagram", "diskominfobpp", {"username": "promo.crypto.id", "biography": "DM untuk hadiah"},
     {"handle", "bio"}),
    ("x", "diskominfobpp", {"name": "Diskominfo Airdrop", "verified_type": "none"},
     {"display_name", "verified", "verified_type"}),
    ("youtube", "BPBD Balikpapan", {"title": "Tesla Live 24/7", "thumbnail_url": "https://cdn.example/elon.jpg"},
     {"display_name", "avatar_url"}),
    ("tiktok", "dishubbpp", {"display_name": "Hadiah Dishub", "bio_description": "Transfer dulu"},
     {"display_name", "bio"}),
]


@pytest.fixture
def app_config(app_config, sim_server):  # noqa: F811 - the fixture imported above
    app_config["WARTA_SIMULATOR_URL"] = sim_server
    return app_config


def _connected(world, platform: str, handle: str) -> SocialAccount:
    """The simulator's demo account, connected to the world's OPD with its real simulator credentials."""
    external_id, credentials = {**_simulator_graph_accounts(), **_simulator_xyt_accounts()}[(platform, handle)]
    if platform in ("facebook", "instagram"):
        credentials = {**credentials, "scopes": ["pages_manage_posts", "business_management"],
                       "extra": {**credentials["extra"], "user_access_token": None}}
    account = world.account
    account.platform, account.handle, account.external_id = platform, handle, external_id
    account.credentials_encrypted = encrypt_json(credentials)
    db.session.commit()
    return account


@pytest.mark.parametrize(("platform", "handle", "changes", "changed"), CASES,
                         ids=[f"{c[0]}-{'-'.join(sorted(c[2]))}" for c in CASES])
def test_profile_changed_on_the_platform_raises_a_takeover_alert(app, factory, platform, handle, changes, changed):
    simulator = app.config["WARTA_SIMULATOR_URL"]
    world = build_world(factory, platform=platform)
    account = _connected(world, platform, handle)
    events = []
    add_listener(app, lambda name, organisation_id=None, payload=None: events.append((name, payload)))

    assert verify_accounts() == {"verified": 1, "skipped": 0}
    first = db.session.scalars(db.select(ProfileSnapshot)).one()
    assert first.changes == {} and first.profile.get("display_name")  # read from the simulator
    verify_accounts()  # nothing changed on the platform: no alert
    assert not [e for e in events if e[0] == "security.takeover_suspected"]

    answer = httpx.post(f"{simulator}/_sim/profile", json={"platform": platform, "account": account.external_id,
                                                           "changes": changes})
    assert answer.status_code == 200, answer.text
    verify_accounts()

    alerts = [payload for name, payload in events if name == "security.takeover_suspected"]
    assert len(alerts) == 1 and alerts[0]["account_id"] == account.id
    assert set(alerts[0]["changes"]) == changed
    db.session.expire_all()
    snapshot = db.session.scalars(db.select(ProfileSnapshot)).one()  # today's snapshot carries the change
    assert set(snapshot.changes) == changed and snapshot.acknowledged_at is None
    audit = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "security.takeover_suspected")).one()
    assert audit.object_id == str(account.id)
    watched = [item.id for item in items_for_account(account) if item.api_check == "profile_watch"]
    assert watched == (["Y6"] if platform == "youtube" else [])  # the catalogue's API-checked watch item
    for item_id in watched:
        state = db.session.scalars(db.select(ItemState).where(ItemState.account_id == account.id,
                                                              ItemState.item_id == item_id)).one()
        assert state.check_passed is False and set(state.check_detail["changes"]) == changed


def test_profile_control_refuses_unknown_fields_platforms_and_accounts(sim_server):  # noqa: F811
    def post(spec):
        return httpx.post(f"{sim_server}/_sim/profile", json=spec)

    assert post({"platform": "myspace", "account": "x", "changes": {"name": "y"}}).status_code == 400
    refused = post({"platform": "instagram", "account": "diskominfobpp", "changes": {"password": "y"}})
    assert refused.status_code == 400 and "biography" in refused.json()["error"]
    assert post({"platform": "x", "account": "nobody", "changes": {"name": "y"}}).status_code == 404
    ok = post({"platform": "instagram", "account": "diskominfobpp", "changes": {"name": "Baru"}})
    assert ok.json() == {"platform": "instagram", "before": {"name": "Diskominfo Balikpapan"},
                         "after": {"name": "Baru"}}
