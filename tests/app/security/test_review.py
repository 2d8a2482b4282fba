"""Attesting through the page, the review queue and separation of duties."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models import Attestation, AttestationState, AuditEvent, Evidence
from app.security import actions
from tests.app.security.helpers import build_world, png_bytes, qr_png
from tests.app.security.helpers import login as sign_in


def _attest(client, account_id, item="G2", data=None, name="layar.png", note="", day=None):
    return client.post(f"/security/accounts/{account_id}/attest", data={
        "item_id": item, "checked_on": (day or date.today()).isoformat(), "note": note,
        "evidence": (io.BytesIO(data if data is not None else png_bytes()), name)},
        content_type="multipart/form-data")


def test_admin_attests_with_evidence_stored_privately_and_hashed(factory, app, client):
    world = build_world(factory)
    sign_in(client, world.admin)
    assert client.get(f"/security/accounts/{world.account.id}/attest?item=G2").status_code == 200
    response = _attest(client, world.account.id)
    assert response.status_code == 302
    attestation = db.session.scalars(db.select(Attestation)).one()
    evidence = db.session.scalars(db.select(Evidence)).one()
    assert attestation.state == AttestationState.PENDING and attestation.item_id == "G2"
    import hashlib

    assert evidence.sha256 == hashlib.sha256(png_bytes()).hexdigest()
    stored = (app.instance_path + "/security-evidence/" + evidence.storage_key)
    with open(stored, "rb") as fh:
        assert png_bytes() not in fh.read()  # encrypted at rest
    assert not evidence.storage_key.startswith("/") and "static" not in stored
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "security.attested")).one()


@pytest.mark.parametrize(("data", "name", "note", "message"), [
    (b"not an image", "x.png", "", "Only PNG, JPEG or PDF"),
    (b"", "x.png", "", "empty"),
    (None, "x.png", "otpauth://totp/x?secret=AAA", "TOTP"),
])
def test_attest_refuses_bad_uploads_without_writing(factory, app, client, data, name, note, message):
    world = build_world(factory)
    world.admin.locale = "en"
    db.session.commit()
    sign_in(client, world.admin)
    response = _attest(client, world.account.id, data=data, name=name, note=note)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Attestation)).all() == []


def test_attest_refuses_a_totp_qr_code_and_warns_on_other_qr_codes(factory, app, client):
    world = build_world(factory)
    sign_in(client, world.admin)
    response = _attest(client, world.account.id, data=qr_png("otpauth://totp/Warta:a?secret=JBSWY3DPEHPK3PXP"))
    assert response.status_code == 400 and "QR" in response.get_data(as_text=True)
    assert _attest(client, world.account.id, data=qr_png("https://example.org")).status_code == 302
    attestation = db.session.scalars(db.select(Attestation)).one()
    assert any("QR" in w for w in attestation.secret_warnings)


def test_attest_warns_on_backup_code_names_and_rejects_large_or_future_files(factory, app, client):
    world = build_world(factory)
    app.config["WARTA_SECURITY_EVIDENCE_MAX_BYTES"] = 1024 * 1024
    sign_in(client, world.admin)
    assert _attest(client, world.account.id, name="kode cadangan.png").status_code == 302
    assert db.session.scalars(db.select(Attestation)).one().secret_warnings
    too_big = png_bytes() + b"\0" * (1024 * 1024)
    assert _attest(client, world.account.id, data=too_big).status_code == 400
    assert _attest(client, world.account.id, day=date.today() + timedelta(days=2)).status_code == 400
    assert _attest(client, world.account.id, day=date.today() - timedelta(days=40)).status_code == 400


def test_only_admins_attest(factory, app, client):
    world = build_world(factory)
    sign_in(client, world.officer)  # a security officer reviews, it does not attest
    assert _attest(client, world.account.id).status_code == 403


def test_reviewer_must_differ_from_attester(factory, app, client):
    world = build_world(factory)
    # A person who is both admin of the OPD and security officer above it.
    factory.member(world.officer, world.opd, "admin")
    sign_in(client, world.officer)
    assert _attest(client, world.account.id).status_code == 302
    attestation = db.session.scalars(db.select(Attestation)).one()
    response = client.post(f"/security/attestations/{attestation.id}", data={"decision": "accept"})
    assert response.status_code == 403 and "petugas keamanan lain" in response.get_data(as_text=True)
    assert db.session.get(Attestation, attestation.id).state == AttestationState.PENDING
    with pytest.raises(actions.SeparationOfDuties):
        actions.review(attestation, world.officer, True, "")

    sign_in(client, world.officer2)
    assert "G2" in client.get("/security/review").get_data(as_text=True)
    assert client.post(f"/security/attestations/{attestation.id}", data={"decision": "reject"}).status_code == 400
    response = client.post(f"/security/attestations/{attestation.id}", data={"decision": "accept", "comment": "ok"})
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(Attestation, attestation.id)
    assert row.state == AttestationState.ACCEPTED and row.reviewed_by_id == world.officer2.id
    assert client.post(f"/security/attestations/{attestation.id}", data={"decision": "accept"}).status_code == 409


def test_admins_cannot_review(factory, app, client):
    world = build_world(factory)
    sign_in(client, world.admin)
    _attest(client, world.account.id)
    attestation = db.session.scalars(db.select(Attestation)).one()
    sign_in(client, world.admin2)
    assert client.get(f"/security/attestations/{attestation.id}").status_code == 200
    assert client.post(f"/security/attestations/{attestation.id}", data={"decision": "accept"}).status_code == 403


def test_incident_form_makes_items_due(factory, app, client):
    world = build_world(factory)
    from tests.app.security.helpers import attest_and_accept

    attest_and_accept(world, "G3")
    sign_in(client, world.admin)
    response = client.post(f"/security/organisations/{world.opd.id}/incidents", data={
        "kind": "recovery_change", "account_id": world.account.id, "occurred_on": date.today().isoformat(),
        "description": "Nomor pemulihan diganti"})
    assert response.status_code == 302
    from app.security.status import account_report

    g3 = next(r for r in account_report(world.account).results if r.item.id == "G3")
    assert g3.status == "due"
    assert client.post(f"/security/organisations/{world.opd.id}/incidents", data={
        "kind": "incident", "account_id": 0, "occurred_on": date.today().isoformat(),
        "description": ""}).status_code == 400


def test_custom_item_form_adds_an_item_with_regulation(factory, app, client):
    world = build_world(factory)
    sign_in(client, world.officer)
    response = client.post(f"/security/organisations/{world.root.id}/items", data={
        "title_id": "Akun dicatat di Perbup", "title_en": "Account listed under the Perbup", "platform": "*",
        "severity": "high", "interval_days": 90, "regulation_reference": "Perbup 73/2018 Pasal 5"})
    assert response.status_code == 302
    page = client.get(f"/security/accounts/{world.account.id}").get_data(as_text=True)
    assert "Perbup 73/2018 Pasal 5" in page
