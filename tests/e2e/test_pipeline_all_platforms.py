"""One post to all five platforms through the real pipeline and the simulator (issue 5's proof).

The accounts are the simulator's seeded ones (as `make run` has them, app/demo.py); the media is a
small MP4 uploaded through the app's media route, which every platform accepts as a video.
"""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from app.crypto import encrypt_json
from app.demo import _simulator_graph_accounts, _simulator_xyt_accounts
from app.extensions import db
from app.models import Media, Notification, PostMedia, PostTarget, SocialAccount, TargetState, utcnow
from app.publishing import lifecycle
from tests.app.publishing.helpers import make_desk
from tests.factories import sign_in
from tests.simulator.server import fault, record

T = TargetState
HANDLES = {"instagram": "diskominfobpp", "facebook": "Diskominfo Balikpapan", "x": "diskominfobpp",
           "youtube": "BPBD Balikpapan", "tiktok": "dishubbpp"}


def _mp4(size: int = 6000) -> bytes:
    """An MP4 header (ftyp box) padded to `size`: enough for type sniffing and chunked uploads."""
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * (size - 24)


def _accounts(desk) -> dict[str, SocialAccount]:
    simulated = {**_simulator_graph_accounts(), **_simulator_xyt_accounts()}
    accounts = {}
    for platform, handle in HANDLES.items():
        external_id, credentials = simulated[(platform, handle)]
        accounts[platform] = SocialAccount(organisation_id=desk.org.id, platform=platform, handle=handle,
                                           display_name=handle, external_id=external_id,
                                           credentials_encrypted=encrypt_json(credentials))
        db.session.add(accounts[platform])
    db.session.commit()
    return accounts


def _fast_polls(app) -> None:
    platforms = app.config["WARTA_PLATFORMS"]
    platforms["tiktok"]["status_poll_seconds"] = 0.01
    platforms["x"]["processing_wait_max_seconds"] = 10


def _post_to_all(factory, desk, accounts, client) -> dict[str, PostTarget]:
    uploaded = client.post(f"/orgs/{desk.org.id}/media", data={"file": (BytesIO(_mp4()), "banjir.mp4")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.json
    video = db.session.get(Media, uploaded.json["id"])
    post = factory.post(desk.org, desk.author, title="Info banjir", body="Waspada banjir rob sore ini. #BPBDBPP",
                        variants={"x": {"body": "Waspada banjir rob sore ini di pesisir. #BPBDBPP"},
                                  "youtube": {"title": "Waspada banjir rob", "options": {"made_for_kids": False}},
                                  "tiktok": {"options": {"privacy_level": "SELF_ONLY"}}})
    db.session.add(PostMedia(post=post, media=video, position=0))
    targets = {platform: PostTarget(post=post, account_id=account.id) for platform, account in accounts.items()}
    db.session.add_all(targets.values())
    db.session.commit()
    lifecycle.set_publish_time(post, utcnow() + timedelta(seconds=1))
    lifecycle.submit(post, desk.author)
    lifecycle.approve(post, desk.reviewer)
    db.session.commit()
    return targets


def test_one_post_goes_to_all_five_platforms_with_each_variant(live_app, factory, sim_server, pipeline):
    with live_app.app_context():
        _fast_polls(live_app)
        desk = make_desk(factory, accounts=0)
        accounts = _accounts(desk)
        client = live_app.test_client()
        sign_in(client, desk.admin)
        targets = _post_to_all(factory, desk, accounts, client)
        states = pipeline([t.id for t in targets.values()], timeout=60)
        assert set(states.values()) == {T.PUBLISHED}, states
        for target in targets.values():
            db.session.refresh(target)
            assert target.remote_id

    published = {entry["platform"]: entry for entry in record(sim_server, action="publish")}
    assert set(published) == set(HANDLES)  # exactly one publish per platform
    assert len(record(sim_server, action="publish")) == 5
    assert published["x"]["text"].startswith("Waspada banjir rob sore ini di pesisir.")  # X's own variant
    assert published["instagram"]["text"].startswith("Waspada banjir rob sore ini. #BPBDBPP")
    assert published["x"]["request"]["media"]["media_ids"]  # the video went through X's chunked upload
    assert published["instagram"]["kind"] == "REELS" and published["facebook"]["kind"] == "video"
    assert published["youtube"]["request"]["snippet"]["title"] == "Waspada banjir rob"
    assert published["youtube"]["fields"]["status"]["selfDeclaredMadeForKids"] is False
    assert published["tiktok"]["fields"]["privacy_level"] == "SELF_ONLY"
    assert published["tiktok"]["request"]["source_info"]["video_size"] == 6000


def test_expired_x_token_needs_reconnect_and_notifies_while_tiktok_spam_risk_defers(
        live_app, factory, sim_server, pipeline):
    import httpx

    with live_app.app_context():
        _fast_polls(live_app)
        desk = make_desk(factory, accounts=0)
        # A post may go out up to two days late here, so TikTok's "come back tomorrow" is a deferral
        # (with the default two hours it would rightly expire: never published late).
        desk.org.settings = {"max_lateness_minutes": 2880}
        accounts = _accounts(desk)
        client = live_app.test_client()
        sign_in(client, desk.admin)
        assert httpx.post(f"{sim_server}/_sim/tokens/expire", json={"platform": "x"}).json()["expired"] >= 1
        fault(sim_server, endpoint="tiktok.creator_info", preset="spam_risk", times=5)
        targets = _post_to_all(factory, desk, {p: accounts[p] for p in ("x", "tiktok")}, client)
        x_target, tiktok_target = targets["x"], targets["tiktok"]

        def settled(rows):
            by_id = {r.id: r for r in rows}
            return by_id[x_target.id].state == T.NEEDS_RECONNECT and by_id[tiktok_target.id].attempts >= 1 \
                and by_id[tiktok_target.id].state == T.SCHEDULED

        pipeline([x_target.id, tiktok_target.id], settled=settled, timeout=30)
        db.session.refresh(accounts["x"])
        db.session.refresh(tiktok_target)
        assert accounts["x"].status == "needs_reconnect"
        assert tiktok_target.due_at >= (utcnow() + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                                             microsecond=0)  # TikTok's reset
        notified = db.session.scalars(db.select(Notification.event)).all()
        assert "target.needs_reconnect" in notified
    assert record(sim_server, action="publish") == []
