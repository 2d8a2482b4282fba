"""The publish gate the pipeline calls before publishing, its policy and the release signal."""
from __future__ import annotations

from datetime import timedelta

from app.events import add_listener
from app.extensions import db
from app.models import Post, PostTarget, TargetState, utcnow
from app.security import gate
from app.security.gate import accounts_released_by_gate, publish_gate
from tests.app.security.helpers import accept_all_critical, attest_and_accept, build_world, days_ago


def _block(org):
    org.settings = {**(org.settings or {}), gate.POLICY_KEY: "block"}
    db.session.commit()


def test_gate_allows_a_new_account_while_critical_items_are_only_due(factory, app):
    world = build_world(factory)
    assert publish_gate(world.account.id) == (True, None)


def test_gate_warns_by_default_and_blocks_when_diskominfo_chose_block(factory, app):
    world = build_world(factory)
    world.account.created_at = days_ago(30)  # every critical item is overdue
    db.session.commit()
    allowed, reason = publish_gate(world.account.id)
    assert allowed is True and "G2" in reason and "M6" in reason
    _block(world.root)  # inherited from the Diskominfo down to the OPD
    allowed, reason = publish_gate(world.account.id)
    assert allowed is False and "G3" in reason


def test_gate_reason_is_in_the_default_language_outside_a_request(factory, app):
    world = build_world(factory)
    world.account.created_at = days_ago(30)
    db.session.commit()
    assert publish_gate(world.account.id)[1].startswith("Daftar periksa keamanan")


def test_rejected_critical_item_blocks_and_acceptance_releases_with_an_event(factory, app):
    world = build_world(factory)
    _block(world.root)
    accept_all_critical(world)
    assert publish_gate(world.account.id) == (True, None)
    from app.security import actions
    from app.security.items import find_item
    from tests.app.security.helpers import upload

    rejected = actions.attest(world.account, find_item(world.account, "G3"), world.admin, utcnow(), "", upload())
    db.session.flush()
    actions.review(rejected, world.officer, False, "SIM pribadi")
    db.session.commit()
    assert publish_gate(world.account.id)[0] is False

    post = Post(organisation_id=world.opd.id, author_id=world.admin.id, body="Halo")
    db.session.add(post)
    db.session.flush()
    db.session.add(PostTarget(post_id=post.id, account_id=world.account.id, state=TargetState.HELD,
                              last_error=publish_gate(world.account.id)[1]))
    db.session.commit()
    assert accounts_released_by_gate() == []

    seen = []
    add_listener(app, lambda name, organisation_id=None, payload=None: seen.append((name, payload)))
    attest_and_accept(world, "G3", attester=world.admin2, reviewer=world.officer2)
    assert publish_gate(world.account.id) == (True, None)
    assert ("security.gate_released", {"account_id": world.account.id}) in seen
    # The pipeline listens for the event and has already put the held target back on its time.
    assert db.session.scalar(db.select(PostTarget.state)) == TargetState.SCHEDULED
    assert accounts_released_by_gate() == []


def test_expiry_of_a_critical_attestation_closes_the_gate_after_grace(factory, app):
    world = build_world(factory)
    _block(world.opd)
    accept_all_critical(world, checked_on=days_ago(29))
    assert publish_gate(world.account.id)[0] is True
    from app.security.status import account_report

    later = utcnow() + timedelta(days=9)
    problems = [r.item.id for r in account_report(world.account, later).critical_problems]
    assert "G2" in problems


def test_policy_route_is_for_diskominfo_only(factory, app, client):
    from tests.app.security.helpers import login as sign_in

    world = build_world(factory)
    sign_in(client, world.admin)  # an OPD admin is not Diskominfo
    assert client.post(f"/security/organisations/{world.opd.id}/policy", data={"policy": "block"}).status_code == 403
    sign_in(client, world.officer)
    response = client.post(f"/security/organisations/{world.opd.id}/policy", data={"policy": "block"})
    assert response.status_code == 302
    assert gate.gate_policy(world.opd) == gate.GatePolicy.BLOCK
    assert client.post(f"/security/organisations/{world.opd.id}/policy", data={"policy": "nope"}).status_code == 400


def test_account_page_tells_that_publishing_is_held(factory, app, client):
    from tests.app.security.helpers import login

    world = build_world(factory)
    world.account.created_at = days_ago(30)
    db.session.commit()
    _block(world.root)
    login(client, world.admin)
    page = client.get(f"/security/accounts/{world.account.id}").get_data(as_text=True)
    assert "Penerbitan ke akun ini ditahan" in page and "G2" in page
