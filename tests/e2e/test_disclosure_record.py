"""Issue 8's proof for Facebook, X, YouTube and TikTok (Instagram: test_pipeline_meta.py): a post tagged with
influencers is built exactly as the publish worker builds it (`build_job`: the collaboration plan applied to
the variant), published through the real adapter to the simulator, and the disclosure / collaboration fields
are read back from the simulator's read-only record."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage

import adapters
from adapters.base import PublishResult
from app.crypto import encrypt_json
from app.demo import _simulator_graph_accounts, _simulator_xyt_accounts
from app.extensions import db
from app.influencers.services import collaboration_problems
from app.media import store_upload
from app.models import CollaborationKind as Kind
from app.models import Influencer, PostMedia, PostTarget, SocialAccount, utcnow
from app.publishing.publish import build_job
from tests.app.influencers.builders import agreement, collaborate, consent, influencer
from tests.app.publishing.helpers import Desk, make_desk
from tests.e2e.helpers import jpeg
from tests.mp4 import mp4_bytes
from tests.simulator.server import (
    record,
    sim_server,  # noqa: F401
)

HANDLES = {"facebook": "Diskominfo Balikpapan", "x": "diskominfobpp", "youtube": "BPBD Balikpapan",
           "tiktok": "dishubbpp"}


@pytest.fixture
def app_config(app_config, sim_server):  # noqa: F811 - the fixture imported above
    app_config["WARTA_SIMULATOR_URL"] = sim_server
    return app_config


@pytest.fixture
def desk(app, factory) -> Desk:
    platforms = app.config["WARTA_PLATFORMS"]
    platforms["tiktok"].update(status_poll_seconds=0.01, audited=True)
    platforms["x"]["processing_wait_max_seconds"] = 10
    return make_desk(factory, accounts=0)


def _account(desk: Desk, platform: str) -> SocialAccount:
    simulated = {**_simulator_graph_accounts(), **_simulator_xyt_accounts()}
    external_id, credentials = simulated[(platform, HANDLES[platform])]
    account = SocialAccount(organisation_id=desk.org.id, platform=platform, handle=HANDLES[platform],
                            display_name=HANDLES[platform], external_id=external_id,
                            credentials_encrypted=encrypt_json(credentials))
    db.session.add(account)
    db.session.commit()
    return account


def _partner(desk: Desk, name: str, *, paid: bool, third_party_brand: bool = False,
             **handles: tuple[str, str | None]) -> Influencer:
    person = influencer(desk.org, name, **handles)
    consent(person)
    today = utcnow().date()
    agreement(person, today - timedelta(days=1), today + timedelta(days=30), paid=paid,
              third_party_brand=third_party_brand)
    return person


def _publish(app, factory, desk: Desk, platform: str, body: str, people: list[tuple[Influencer, tuple[str, ...]]],
             options: dict | None = None, media: str | None = "video") -> PublishResult:
    """The post → collaborations → `build_job` (as the worker) → the real adapter → the simulator."""
    account = _account(desk, platform)
    post = factory.post(desk.org, desk.author, body=body, title="Info dari Pemkot",
                        variants={platform: {"options": options or {}}})
    if media:
        data, name = (mp4_bytes(20, audio_seconds=20, size=8000), "info.mp4") if media == "video" else (
            jpeg(1200, 800), "info.jpg")
        stored = store_upload(FileStorage(BytesIO(data), name), desk.org, desk.author.id)
        db.session.add(PostMedia(post=post, media=stored, position=0))
    target = PostTarget(post=post, account_id=account.id)
    db.session.add(target)
    db.session.commit()
    for person, kinds in people:
        collaborate(post, person, *kinds)
    assert collaboration_problems(post) == []
    job = build_job(target)
    adapter = adapters.get_adapter(platform)
    with app.test_request_context():
        assert adapter.validate(job.variant) == []
    return adapter.publish(job)


def _only(sim: str, platform: str) -> dict:
    entries = record(sim, platform=platform, action="publish")
    assert len(entries) == 1, entries
    return entries[0]


def test_facebook_paid_partner_is_the_branded_content_sponsor_and_others_are_mentioned(app, factory, desk,
                                                                                      sim_server):  # noqa: F811
    brand = _partner(desk, "Bank Kaltimtara", paid=True, third_party_brand=True,
                     facebook=("bankkaltimtara", "108000000000555"))
    friend = _partner(desk, "Rina", paid=False, facebook=("rina.bpp", None))
    result = _publish(app, factory, desk, "facebook", "Program KUR untuk UMKM Balikpapan.",
                      [(brand, (Kind.PAID_PARTNERSHIP,)), (friend, (Kind.MENTION,))], media=None)
    entry = _only(sim_server, "facebook")
    assert entry["remote_id"] == result.remote_id and entry["kind"] == "status"
    assert entry["sponsor_id"] == "108000000000555" and entry["fields"]["sponsor_id"] == "108000000000555"
    assert "@rina.bpp" in entry["text"] and "@bankkaltimtara" in entry["text"]


def test_x_paid_partnership_made_with_ai_and_only_the_tagged_people_on_the_media(app, factory, desk,
                                                                                sim_server):  # noqa: F811
    rina = _partner(desk, "Rina", paid=True, x=("rina_bpp", "1500000000000777"))
    budi = _partner(desk, "Budi", paid=False, x=("budi_bpp", "1500000000000888"))
    _publish(app, factory, desk, "x", "Vaksinasi gratis di Puskesmas.",
             [(rina, (Kind.USER_TAG, Kind.PAID_PARTNERSHIP)), (budi, (Kind.MENTION,))],
             options={"made_with_ai": True}, media="photo")
    sent = _only(sim_server, "x")["request"]
    assert sent["paid_partnership"] is True and sent["made_with_ai"] is True
    assert sent["media"]["tagged_user_ids"] == ["1500000000000777"]  # Budi is mentioned, not tagged
    assert len(sent["media"]["media_ids"]) == 1
    assert "@budi_bpp" in sent["text"] and "@rina_bpp" not in sent["text"]


def test_x_without_paid_partners_sends_the_flags_false(app, factory, desk, sim_server):  # noqa: F811
    budi = _partner(desk, "Budi", paid=False, x=("budi_bpp", "1500000000000888"))
    _publish(app, factory, desk, "x", "Car free day Minggu pagi.", [(budi, (Kind.USER_TAG,))], media="photo")
    sent = _only(sim_server, "x")["request"]
    assert sent["paid_partnership"] is False and sent["made_with_ai"] is False
    assert sent["media"]["tagged_user_ids"] == ["1500000000000888"]


def test_youtube_paid_product_placement_synthetic_media_and_credit(app, factory, desk, sim_server):  # noqa: F811
    rina = _partner(desk, "Rina", paid=True, youtube=("@rinavlog", "UCrina0000000000000001"))
    _publish(app, factory, desk, "youtube", "Liputan festival kuliner.", [(rina, (Kind.PAID_PARTNERSHIP,))],
             options={"made_with_ai": True, "made_for_kids": False})
    entry = _only(sim_server, "youtube")
    sent = entry["request"]
    assert sent["paidProductPlacementDetails"] == {"hasPaidProductPlacement": True}
    assert sent["status"]["containsSyntheticMedia"] is True
    assert "paidProductPlacementDetails" in entry["parts"].split(",")
    assert "@rinavlog" in sent["snippet"]["description"]


@pytest.mark.parametrize(("third_party", "branded", "organic"), [(True, True, False), (False, False, True)],
                         ids=["third-party-brand", "own-brand"])
def test_tiktok_brand_toggles_follow_the_agreement_and_ai_label(app, factory, desk, sim_server,  # noqa: F811
                                                                third_party, branded, organic):
    rina = _partner(desk, "Rina", paid=True, third_party_brand=third_party, tiktok=("rina.tt", None))
    _publish(app, factory, desk, "tiktok", "Ayo ke Pantai Manggar!", [(rina, (Kind.PAID_PARTNERSHIP,))],
             options={"privacy_level": "PUBLIC_TO_EVERYONE", "made_with_ai": True})
    info = _only(sim_server, "tiktok")["request"]["post_info"]
    assert (info["brand_content_toggle"], info["brand_organic_toggle"], info["is_aigc"]) == (branded, organic, True)
    assert info["privacy_level"] == "PUBLIC_TO_EVERYONE" and "@rina.tt" in info["title"]
