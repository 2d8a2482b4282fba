"""`make run`: every demo account seeded by app/demo.py can really publish to the simulator."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from adapters import get_adapter
from adapters.base import AccountRef, MediaItem, PublishJob, Variant


@pytest.fixture
def sim_app_config(app_config: dict, sim) -> dict:
    """The app configured like `make run`: every platform at the live simulator, by the config defaults."""
    app_config["WARTA_SIMULATOR_URL"] = sim.url
    return app_config


def _variant(platform: str, media_files) -> Variant:
    image_url, _ = media_files.add(f"{platform}.jpg", 4096)
    video_url, _ = media_files.add(f"{platform}.mp4", 6000)
    image = MediaItem(url=image_url, kind="image", content_type="image/jpeg", size_bytes=4096, width=1080,
                      height=1080, alt_text="Foto kegiatan")
    video = MediaItem(url=video_url, kind="video", content_type="video/mp4", size_bytes=6000, duration_seconds=12)
    text = f"Uji demo {platform} #BalikpapanKotaKita"
    return {
        "instagram": Variant(text=text, media=(image,)),
        "facebook": Variant(text=text),
        "x": Variant(text=text, media=(image,)),
        "youtube": Variant(text=text, title=f"Uji demo {platform}", media=(video,), options={"made_for_kids": False}),
        "tiktok": Variant(text=text, media=(video,), options={"privacy_level": "SELF_ONLY"}),
    }[platform]


def test_every_demo_account_publishes_through_its_adapter(sim_app_config, app, sim, media_files):
    from app.crypto import decrypt_json
    from app.demo import seed_demo
    from app.extensions import db
    from app.models import SocialAccount

    seed_demo()
    db.session.commit()
    platforms = app.config["WARTA_PLATFORMS"]
    assert platforms["x"]["api_url"] == f"{sim.url}/x" and platforms["tiktok"]["api_url"] == f"{sim.url}/tiktok"
    for slug in ("instagram", "facebook"):  # the simulator needs 2 container polls; poll quickly in tests
        platforms[slug].update(poll_interval=0.01)
    platforms["tiktok"]["status_poll_seconds"] = 0.01
    accounts = db.session.scalars(select(SocialAccount).order_by(SocialAccount.id)).all()
    assert {a.platform for a in accounts} == {"instagram", "facebook", "x", "youtube", "tiktok"}
    published: dict[tuple[str, str], str] = {}
    for account in accounts:
        ref = AccountRef(account.id, account.external_id, account.handle,
                         credentials=decrypt_json(account.credentials_encrypted))
        adapter = get_adapter(account.platform, app)
        variant = _variant(account.platform, media_files)
        assert adapter.validate(variant) == [], account.platform
        result = adapter.publish(PublishJob(target_id=account.id, account=ref, variant=variant,
                                            idempotency_marker=f"demo-{account.id}"))
        published[(account.platform, account.external_id)] = result.remote_id
        facts = adapter.account_facts(ref)
        assert facts.token_valid, (account.platform, account.handle)
    record = httpx.get(f"{sim.url}/_sim/record").json()["record"]
    assert len(record) == len(accounts)
    for entry in record:
        remote_id = published[(entry["platform"], entry["account_id"])]
        assert remote_id in (entry["remote_id"], entry.get("publish_id")), entry["platform"]
        assert entry["text"].startswith("Uji demo")
        assert entry["media"] or entry["platform"] == "facebook"
    by_platform = {e["platform"]: e for e in record}
    assert by_platform["x"]["media"][0]["total"] == 4096  # the image bytes were fetched from the test's server
    assert by_platform["youtube"]["media"][0]["bytes"] == 6000
    assert by_platform["tiktok"]["uploaded_bytes"] == 6000
