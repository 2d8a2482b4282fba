"""Disclosure policy, the submit gate (consent and agreement periods), plans from the database, statuses."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from adapters.base import Variant
from app.extensions import db
from app.influencers import services
from app.models import AuditEvent, DisclosurePolicy, utcnow
from tests.app.influencers.builders import agreement, collaborate, consent, influencer, target

# 2026-12-10 23:30 UTC is already 2026-12-11 in WITA (UTC+8).
EVENING_UTC = datetime(2026, 12, 10, 23, 30, tzinfo=UTC)


def _paid_post(factory, org=None, **post_fields):
    org = org or factory.org(timezone="Asia/Makassar")
    author = factory.user(org, "coordinator")
    post = factory.post(org, author, scheduled_at=EVENING_UTC, **post_fields)
    person = influencer(org, instagram=("ayu.bpp", None))
    collaborate(post, person, "collaborator", "paid_partnership")
    return org, post, person


def test_paid_collaboration_needs_consent_and_a_paid_agreement(factory):
    _org, post, person = _paid_post(factory)
    problems = services.collaboration_problems(post)
    assert any("no consent is on record" in p for p in problems)
    assert any("no paid agreement covers 11-12-2026" in p for p in problems)

    consent(person, given_at=datetime(2026, 11, 1, tzinfo=UTC))
    agreement(person, date(2026, 12, 11), date(2026, 12, 31))
    assert services.collaboration_problems(post) == []


def test_agreement_period_is_read_in_the_organisation_zone(factory):
    _org, post, person = _paid_post(factory)
    consent(person, given_at=datetime(2026, 11, 1, tzinfo=UTC))
    agreement(person, date(2026, 12, 1), date(2026, 12, 10))  # ends the day before (local) publication
    assert any("no paid agreement covers" in p for p in services.collaboration_problems(post))


def test_unpaid_agreement_does_not_cover_a_paid_collaboration(factory):
    _org, post, person = _paid_post(factory)
    consent(person, given_at=datetime(2026, 11, 1, tzinfo=UTC))
    agreement(person, date(2026, 12, 1), date(2026, 12, 31), paid=False)
    assert any("no paid agreement covers" in p for p in services.collaboration_problems(post))


def test_withdrawn_consent_blocks_every_kind(factory):
    org = factory.org()
    post = factory.post(org, factory.user(org, "coordinator"))
    person = influencer(org, instagram=("ayu", None))
    collaborate(post, person, "mention")
    assert services.collaboration_problems(post) == []  # unpaid: no consent needed
    consent(person, given_at=utcnow() - timedelta(days=10), withdrawn_at=utcnow() - timedelta(days=1))
    assert any("withdrawn consent" in p for p in services.collaboration_problems(post))


def test_platform_limits_of_the_targets_are_in_the_problems(factory):
    org = factory.org()
    post = factory.post(org, factory.user(org, "coordinator"))
    target(post, factory.account(org, "instagram"))
    for i in range(4):
        collaborate(post, influencer(org, f"P{i}", instagram=(f"p{i}", None)), "collaborator")
    assert any("at most 3 collaborators" in p for p in services.collaboration_problems(post))


def test_policy_is_inherited_down_the_tree_and_the_nearest_wins(factory, app):
    root = factory.org("Diskominfo")
    opd = factory.org("Dinkes", parent=root)
    kelurahan = factory.org("Kelurahan", parent=opd)
    assert services.effective_policy(kelurahan)[0].text == app.config["WARTA_DISCLOSURE_TEXT"] == "#iklan"
    db.session.add(DisclosurePolicy(organisation_id=root.id, text="#kerjasama", text_everywhere=True))
    db.session.commit()
    settings, source = services.effective_policy(kelurahan)
    assert (settings.text, settings.text_everywhere, source.id) == ("#kerjasama", True, root.id)
    db.session.add(DisclosurePolicy(organisation_id=opd.id, text="#iklan", text_everywhere=False))
    db.session.commit()
    assert services.effective_policy(kelurahan)[1].id == opd.id


def test_apply_collaborations_uses_policy_agreement_and_variant_options(factory):
    org, post, person = _paid_post(factory, variants={"tiktok": {"privacy_level": "PUBLIC_TO_EVERYONE"}})
    person.handles[0].platform_user_id = "1784"
    db.session.commit()
    agreement(person, date(2026, 12, 1), date(2026, 12, 31), third_party_brand=True)
    db.session.add(DisclosurePolicy(organisation_id=org.id, text="#kerjasama", text_everywhere=True))
    db.session.commit()
    variant = services.apply_collaborations(post, "instagram", Variant(text=post.body))
    assert variant.options["disclosure_fields"] == {"collaborators": ["ayu.bpp"], "is_paid_partnership": True}
    assert variant.text.endswith("#kerjasama")
    tiktok = services.apply_collaborations(post, "tiktok", Variant(text=post.body))
    assert tiktok.options["disclosure_fields"]["brand_content_toggle"] is True
    plain = factory.post(org, post.author)
    untouched = Variant(text="x")
    assert services.apply_collaborations(plain, "instagram", untouched) is untouched


def test_statuses_pending_for_instagram_invites_and_sent_otherwise(factory):
    org = factory.org()
    post = factory.post(org, factory.user(org, "coordinator"))
    person = influencer(org, instagram=("ayu", None), x=("ayu", None))
    invite, mention = collaborate(post, person, "collaborator", "mention")
    ig_target = target(post, factory.account(org, "instagram"))
    x_target = target(post, factory.account(org, "x"))
    services.record_target_published(ig_target)
    services.record_target_published(x_target)
    services.record_target_published(ig_target)  # idempotent
    db.session.commit()
    by = {(s.collaboration_id, s.target_id): s.status for c in (invite, mention) for s in c.statuses}
    assert by == {(invite.id, ig_target.id): "pending", (mention.id, ig_target.id): "sent",
                  (invite.id, x_target.id): "sent", (mention.id, x_target.id): "sent"}
    services.set_collaboration_status(invite, ig_target, "accepted")
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "collaboration.status_changed")).one()
    assert event.before == {"status": "pending"} and event.after["status"] == "accepted"
    assert event.organisation_id == org.id
