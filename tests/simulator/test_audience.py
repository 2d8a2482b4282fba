"""Audience figures end to end: each adapter's `audience` / `post_metrics` against the simulator
(simulator/audience.py), and the periodic collection storing snapshots for the demo accounts."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from adapters.base import AccountRef, AuthExpired, NotSupported, PlatformAdapter
from adapters.facebook import FacebookPageAdapter
from adapters.instagram import InstagramAdapter
from adapters.tiktok import TikTokAdapter
from adapters.x import XAdapter
from adapters.youtube import YouTubeAdapter
from simulator.audience import figures_for
from tests.simulator.server import sim_settings


def _ref(external_id: str, token: str) -> AccountRef:
    return AccountRef(account_id=1, external_id=external_id, handle="h", credentials={"access_token": token})


def test_x_followers_and_tweet_metrics(sim):
    adapter = XAdapter(sim.settings("x"))
    ref = _ref("1001", "sim-x-token-pemkot")
    assert adapter.audience(ref).followers == figures_for("1001")["followers"]
    httpx.post(f"{sim.url}/_sim/audience", json={"key": "1001", "followers": 4242}).raise_for_status()
    assert adapter.audience(ref).followers == 4242
    expected = figures_for("2000000000000000001")
    metrics = adapter.post_metrics(ref, "2000000000000000001")
    assert (metrics.views, metrics.likes, metrics.comments, metrics.shares, metrics.followers) == (
        expected["views"], expected["likes"], expected["comments"], expected["shares"], None)
    with pytest.raises(AuthExpired):
        adapter.audience(_ref("1001", "not-a-token"))


def test_youtube_subscribers_and_video_statistics(sim):
    adapter = YouTubeAdapter(sim.settings("youtube"))
    ref = _ref("UCdemo0001", "sim-youtube-token-pemkot")
    assert adapter.audience(ref).followers == figures_for("UCdemo0001")["followers"]
    metrics = adapter.post_metrics(ref, "vid123")
    assert (metrics.views, metrics.likes, metrics.comments, metrics.shares) == (
        figures_for("vid123")["views"], figures_for("vid123")["likes"], figures_for("vid123")["comments"], None)


def test_tiktok_followers_and_video_counts(sim):
    adapter = TikTokAdapter(sim.settings("tiktok"))
    ref = _ref("tt-open-1", "sim-tiktok-token-pemkot")
    assert adapter.audience(ref).followers == figures_for("tt-open-1")["followers"]
    assert adapter.post_metrics(ref, "7300000000000000001").views == figures_for("7300000000000000001")["views"]
    with pytest.raises(NotSupported):  # still processing: only a publish id, no public video id
        adapter.post_metrics(ref, "v_pub_file~v2.123")


def test_graph_followers_and_insights(sim):
    settings = sim_settings(sim.url)
    instagram, facebook = InstagramAdapter(settings), FacebookPageAdapter(settings)
    ig_ref = _ref("178400000000001", "sim-page-token-diskominfo")
    page_ref = _ref("300000000000001", "sim-page-token-diskominfo")
    assert instagram.audience(ig_ref).followers == figures_for("178400000000001")["followers"]
    assert facebook.audience(page_ref).followers == figures_for("300000000000001")["followers"]
    sim.state.objects["17900000000000077"] = {"kind": "media", "id": "17900000000000077"}
    expected = figures_for("17900000000000077")
    ig = instagram.post_metrics(ig_ref, "17900000000000077")
    assert (ig.views, ig.reach, ig.likes, ig.comments, ig.shares) == tuple(
        expected[k] for k in ("views", "reach", "likes", "comments", "shares"))
    fb = facebook.post_metrics(page_ref, "17900000000000077")
    assert (fb.views, fb.reach, fb.likes) == (expected["views"], expected["reach"], None)


def test_an_adapter_without_audience_says_not_supported():
    class Minimal(PlatformAdapter):
        slug = "minimal"

        def validate(self, variant):
            return []

        def publish(self, job):
            raise NotImplementedError

        def find_published(self, job):
            return None

        def refresh_credentials(self, tokens):
            return tokens

        def authorize_url(self, state, redirect_uri, code_challenge=None):
            return ""

        def exchange_code(self, code, redirect_uri, code_verifier=None):
            return []

        def account_facts(self, account):
            raise NotImplementedError

    with pytest.raises(NotSupported):
        Minimal().audience(_ref("1", "t"))
    with pytest.raises(NotSupported):
        Minimal().post_metrics(_ref("1", "t"), "9")


@pytest.fixture
def sim_app_config(app_config: dict, sim) -> dict:
    app_config["WARTA_SIMULATOR_URL"] = sim.url
    return app_config


def test_collection_stores_snapshots_for_every_demo_account(sim_app_config, app, sim):
    from app.activity.audience import collect, latest_followers, latest_post_metrics
    from app.demo import seed_demo
    from app.extensions import db
    from app.models import AudienceSnapshot, SocialAccount, utcnow
    from tests.app.activity.helpers import publish
    from tests.factories import Factory

    seed_demo()
    db.session.commit()
    accounts = db.session.scalars(select(SocialAccount).order_by(SocialAccount.id)).all()
    author = Factory().user()
    now = utcnow()
    targets = {}
    for account in accounts:
        post = publish(account.organisation, author, [account], now - timedelta(days=2), body=f"p{account.id}")
        target = post.targets[0]
        target.remote_id = f"1790000000000{account.id:04d}"
        sim.state.objects[target.remote_id] = {"kind": "media", "id": target.remote_id}  # Graph insights need it
        targets[account.id] = target
    old = publish(accounts[0].organisation, author, [accounts[0]], now - timedelta(days=60), body="old")
    db.session.commit()

    counts = collect(now=now)
    assert counts == {"accounts": len(accounts), "posts": len(accounts), "unsupported": 0, "errors": 0}
    for account in accounts:
        snapshot = db.session.scalar(select(AudienceSnapshot).where(AudienceSnapshot.account_id == account.id,
                                                                    AudienceSnapshot.target_id.is_(None)))
        assert snapshot.followers == figures_for(account.external_id)["followers"], account.platform
        metrics = latest_post_metrics([targets[account.id].id])[targets[account.id].id]
        assert metrics.views == figures_for(targets[account.id].remote_id)["views"], account.platform
    assert not latest_post_metrics([old.targets[0].id])  # older than 30 days: no longer read
    org_ids = {a.organisation_id for a in accounts}
    shown = latest_followers(list(org_ids))
    assert sum(len(v) for v in shown.values()) == len(accounts)

    httpx.post(f"{sim.url}/_sim/faults", json={"endpoint": "*", "status": 500, "times": -1}).raise_for_status()
    failing = collect(now=now + timedelta(hours=6))  # the platforms fail: logged and counted, nothing stored
    assert failing == {"accounts": 0, "posts": 0, "unsupported": 0, "errors": 2 * len(accounts)}
    assert db.session.scalar(select(db.func.count()).select_from(AudienceSnapshot)) == 2 * len(accounts)
