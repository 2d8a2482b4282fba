"""End to end through the real pipeline against the simulator.

Instagram and Facebook Page accounts are connected through the OAuth pages, JPEGs are uploaded through
the media route, posts go submit → approve (another user) → schedule, and `dispatch.run_pass` plus an
RQ SimpleWorker publish them. The Warta app itself serves on an ephemeral port (WARTA_PUBLIC_URL points
at it), so the signed media URLs the simulator records can be fetched over HTTP like a platform would.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from urllib.parse import urlsplit

import httpx
import pytest

from app.extensions import db
from app.models import (
    AccountStatus,
    AuditEvent,
    CollaborationKind,
    Media,
    Post,
    PostMedia,
    PostState,
    PostTarget,
    SocialAccount,
    TargetState,
    utcnow,
)
from app.publishing import lifecycle
from app.publishing.dispatch import RECONCILE_EVERY
from app.publishing.publish import reconcile_target
from tests.app.influencers.builders import agreement, collaborate, consent, influencer
from tests.app.publishing.helpers import Desk, make_desk
from tests.e2e.helpers import connect, jpeg
from tests.factories import sign_in
from tests.simulator.server import fault, record

T = TargetState


def _desk_with_meta_accounts(factory, client) -> tuple[Desk, SocialAccount, SocialAccount]:
    """An author, a reviewer and an admin; the admin connects every simulated Page and IG account."""
    desk = make_desk(factory, accounts=0)
    sign_in(client, desk.admin)
    _html, choose_url = connect(client, "facebook")
    form = {"key": urlsplit(choose_url).query.split("key=")[1]}
    form.update({f"org_{i}": str(desk.org.id) for i in range(6)})
    assert client.post(urlsplit(choose_url).path, data=form).status_code == 302
    accounts = {(a.platform, a.handle): a for a in db.session.scalars(db.select(SocialAccount))}
    return desk, accounts[("instagram", "diskominfobpp")], accounts[("facebook", "Diskominfo Balikpapan")]


def _upload(client, desk: Desk, width: int) -> Media:
    response = client.post(f"/orgs/{desk.org.id}/media", data={
        "file": (BytesIO(jpeg(width, 1080)), f"foto{width}.jpg"), "alt_text": f"Posyandu {width}"},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return db.session.get(Media, response.json["id"])


def _scheduled(factory, desk: Desk, account: SocialAccount, body: str, media: list[Media],
               in_seconds: float = 1.5, prepare: Callable[[Post], None] | None = None) -> PostTarget:
    """A post with `media` on one account: submitted by the author, approved by the reviewer, scheduled."""
    post = factory.post(desk.org, desk.author, body=body)
    for position, item in enumerate(media):
        db.session.add(PostMedia(post=post, media=item, position=position))
    target = PostTarget(post=post, account_id=account.id)
    db.session.add(target)
    db.session.commit()
    if prepare is not None:
        prepare(post)
    lifecycle.set_publish_time(post, utcnow() + timedelta(seconds=in_seconds))
    lifecycle.submit(post, desk.author)
    lifecycle.approve(post, desk.reviewer)
    db.session.commit()
    assert post.state == PostState.SCHEDULED and target.state == T.SCHEDULED
    return target


def test_carousel_with_collaborator_and_page_photo_go_out_through_the_pipeline(live_app, factory, sim_server,
                                                                                pipeline):
    with live_app.app_context():
        client = live_app.test_client()
        desk, ig, fb = _desk_with_meta_accounts(factory, client)
        images = [_upload(client, desk, width) for width in (1080, 1350)]
        rina = influencer(desk.org, "Rina", instagram=("rina.influencer", None))
        consent(rina)
        today = utcnow().date()
        agreement(rina, today - timedelta(days=1), today + timedelta(days=30), paid=True)

        def featuring_rina(post: Post) -> None:
            collaborate(post, rina, CollaborationKind.COLLABORATOR, CollaborationKind.PAID_PARTNERSHIP)

        carousel = _scheduled(factory, desk, ig, "Posyandu serentak! #BalikpapanSehat", images,
                              prepare=featuring_rina)
        photo = _scheduled(factory, desk, fb, "Posyandu serentak Sabtu ini.", images[:1])
        due = max(carousel.due_at, photo.due_at)

        states = pipeline([carousel.id, photo.id])
        assert states == {carousel.id: T.PUBLISHED, photo.id: T.PUBLISHED}
        assert utcnow() >= due
        for target in (carousel, photo):
            db.session.refresh(target)
            assert target.remote_id and target.remote_url and target.last_error is None
        public_base = live_app.config["WARTA_PUBLIC_URL"]

    published = record(sim_server, action="publish")
    by_platform = {p: [r for r in published if r["platform"] == p] for p in ("instagram", "facebook")}
    assert len(published) == 2 and all(len(v) == 1 for v in by_platform.values()), published
    ig_entry, fb_entry = by_platform["instagram"][0], by_platform["facebook"][0]

    assert ig_entry["kind"] == "CAROUSEL" and ig_entry["account"] == "diskominfobpp"
    assert ig_entry["remote_id"] == carousel.remote_id
    assert ig_entry["text"].startswith("Posyandu serentak! #BalikpapanSehat")
    assert ig_entry["collaborators"] == ["rina.influencer"]
    assert ig_entry["fields"].get("is_paid_partnership") in ("true", "True", True)
    assert [m["alt_text"] for m in ig_entry["media"]] == ["Posyandu 1080", "Posyandu 1350"]
    assert [m["media_type"] for m in ig_entry["media"]] == ["IMAGE", "IMAGE"]
    assert fb_entry["kind"] == "photo" and fb_entry["account"] == "Diskominfo Balikpapan"
    assert fb_entry["remote_id"] == photo.remote_id
    assert fb_entry["text"].startswith("Posyandu serentak Sabtu ini.")
    assert len(fb_entry["media"]) == 1

    # The signed links handed to the platform point at the running Warta app and serve the JPEGs.
    urls = [m["url"] for m in ig_entry["media"]] + [fb_entry["media"][0]["url"]]
    assert all(url.startswith(f"{public_base}/public/media/") for url in urls)
    fetched = [httpx.get(url) for url in urls]
    assert [r.status_code for r in fetched] == [200, 200, 200]
    assert all(r.content[:2] == b"\xff\xd8" for r in fetched)
    assert fetched[0].content == jpeg(1080, 1080) and fetched[1].content == jpeg(1350, 1080)


def test_expired_token_moves_the_target_to_needs_reconnect_and_flags_the_account(live_app, factory, sim_server,
                                                                                 pipeline):
    with live_app.app_context():
        client = live_app.test_client()
        desk, _ig, fb = _desk_with_meta_accounts(factory, client)
        target = _scheduled(factory, desk, fb, "Jalan ditutup sementara.", [], in_seconds=0.5)
        assert httpx.post(f"{sim_server}/_sim/tokens/expire", json={"all": True}).json()["expired"] > 0

        assert pipeline([target.id]) == {target.id: T.NEEDS_RECONNECT}
        db.session.refresh(target)
        db.session.refresh(fb)
        assert fb.status == AccountStatus.NEEDS_RECONNECT
        assert target.last_error and "Session has expired" in target.last_error  # the platform's own words
    assert record(sim_server, action="publish") == []


BUC_REGAIN_60 = ('{"300000000000001":[{"type":"instagram_content_publish","call_count":100,"total_cputime":5,'
                 '"total_time":5,"estimated_time_to_regain_access":60}]}')


@pytest.mark.parametrize(("preset", "headers", "wait"), [
    ("rate_limited", {}, timedelta(minutes=7)),  # code 4, X-Business-Use-Case-Usage regain in 7 min
    ("daily_publish_cap", {"X-Business-Use-Case-Usage": BUC_REGAIN_60}, timedelta(minutes=60)),  # 9 / 2207042
], ids=["code4", "9-2207042"])
def test_graph_rate_limit_defers_the_target_instead_of_failing_it(live_app, factory, sim_server, pipeline,
                                                                   preset, headers, wait):
    with live_app.app_context():
        client = live_app.test_client()
        desk, ig, _fb = _desk_with_meta_accounts(factory, client)
        target = _scheduled(factory, desk, ig, "Vaksinasi gratis di Puskesmas.", [_upload(client, desk, 1080)],
                            in_seconds=0.5)
        first_due = target.due_at
        fault(sim_server, endpoint="ig.media_publish", preset=preset, **({"headers": headers} if headers else {}))

        tried_at = utcnow()
        pipeline([target.id], settled=lambda ts: ts[0].state != T.SCHEDULED or ts[0].due_at != first_due)
        db.session.refresh(target)
        assert target.state == T.SCHEDULED, (target.state, target.last_error)
        assert target.due_at >= tried_at + wait - timedelta(seconds=5)
        assert target.due_at <= utcnow() + wait + timedelta(seconds=5)
    assert record(sim_server, action="publish") == []
    assert [f["times"] for f in httpx.get(f"{sim_server}/_sim/faults").json()["faults"]] == [0]  # it was hit


@pytest.mark.parametrize(("platform", "endpoint", "rounds_before"), [
    ("instagram", "ig.media_publish", 0), ("facebook", "fb.photos_create", 0),
    ("instagram", "ig.media_publish", 30), ("facebook", "fb.photos_create", 30)],
    ids=["ig", "fb", "ig-after-30-rounds", "fb-after-30-rounds"])
def test_publish_that_times_out_ends_unconfirmed_and_the_reconciler_finds_it_once(
        live_app, factory, sim_server, pipeline, platform, endpoint, rounds_before):
    live_app.config["WARTA_PLATFORMS"][platform]["timeout"] = 1.0
    live_app.config["WARTA_RECONCILE_GRACE_SECONDS"] = 2.0
    with live_app.app_context():
        client = live_app.test_client()
        desk, ig, fb = _desk_with_meta_accounts(factory, client)
        account = ig if platform == "instagram" else fb
        target = _scheduled(factory, desk, account, "Pasar murah di Lapangan Merdeka.", [_upload(client, desk, 1080)],
                            in_seconds=0.5)
        # The platform keeps working after the client gave up: the post exists, the answer never arrived.
        fault(sim_server, endpoint=endpoint, delay=1.5)

        assert pipeline([target.id], settled=lambda ts: ts[0].state != T.SCHEDULED) == {target.id: T.UNCONFIRMED}
        # No reconcile while the platform may still post: the claim, the 1 s timeout, then the 2 s grace.
        assert target.due_at >= target.claimed_at + timedelta(seconds=2.9)
        if rounds_before:  # each unanswered reconcile round moves due_at on by RECONCILE_EVERY
            target.due_at = utcnow() + rounds_before * RECONCILE_EVERY
            db.session.commit()
            time.sleep(1.0)
            assert reconcile_target(target.id, target.dispatch_seq) == "published"
        else:
            assert pipeline([target.id], settled=lambda ts: ts[0].state != T.UNCONFIRMED) == {
                target.id: T.PUBLISHED}
        db.session.refresh(target)
        assert target.state == T.PUBLISHED
        published = record(sim_server, action="publish")
        assert len(published) == 1, published  # found by find_published, never posted a second time
        assert target.remote_id == published[0]["remote_id"] and target.remote_url
        actions = [e.action for e in db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action.like("target.%"), AuditEvent.object_id == str(target.id)).order_by(AuditEvent.id))]
        assert actions[-2:] == ["target.unconfirmed", "target.published"], actions
