"""Members and roles: listing (direct and inherited), adding, changing a role, removing."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.auth.passwords import verify_password
from app.extensions import db
from app.models import AuditEvent, Membership, OrgKind, User
from tests.app.conftest import last_audit


@pytest.fixture
def tree(factory):
    top = factory.org("Diskominfo Kota Balikpapan", kind=OrgKind.DISKOMINFO, timezone="Asia/Makassar",
                      require_2fa=True)
    opd = factory.org("Dinas Kesehatan", parent=top, timezone="Asia/Makassar")
    foreign = factory.org("Diskominfo Kota Jayapura", kind=OrgKind.DISKOMINFO, timezone="Asia/Jayapura")
    return top, opd, foreign


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_list_shows_direct_and_inherited_roles_2fa_and_last_sign_in(browser, factory, tree):
    top, opd, _foreign = tree
    boss = factory.user(top, "admin", name="Ibu Kepala", totp_enabled=True,
                        last_login_at=datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
    staff = factory.user(opd, "reviewer", name="Pak Staf")
    html = browser(staff).get(f"/organisations/{opd.id}/members").get_data(as_text=True)
    assert "Ibu Kepala" in html and "Pak Staf" in html
    assert "diwarisi dari Diskominfo Kota Balikpapan" in html  # boss's role is inherited, marked
    assert "24-11-2026 08:00 WITA" in html  # 00:00 UTC shown in the organisation's zone
    assert "Sudah aktif" in html and "Wajib, belum diatur" in html  # the staff member must enrol (2FA required above)
    assert "/role" not in html and "Tambah anggota" not in html  # a reviewer reads only
    assert boss.id != staff.id


def test_list_of_foreign_organisation_is_404(browser, factory, tree):
    _top, opd, foreign = tree
    assert browser(factory.user(foreign, "admin")).get(f"/organisations/{opd.id}/members").status_code == 404


def test_admin_of_ancestor_sees_management_controls(browser, factory, tree):
    top, opd, _foreign = tree
    factory.user(opd, "viewer")
    html = browser(factory.user(top, "admin")).get(f"/organisations/{opd.id}/members").get_data(as_text=True)
    assert "Ubah peran" in html and "Tambah anggota" in html


def test_admin_adds_existing_user_by_email(browser, factory, tree):
    top, opd, _foreign = tree
    existing = factory.user(email="budi@example.org", name="Budi")
    response = browser(factory.user(opd, "admin")).post(f"/organisations/{opd.id}/members/new", data={
        "email": "  BUDI@example.org ", "name": "", "role": "reviewer"})
    assert response.status_code == 302
    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == existing.id))
    assert (membership.organisation_id, membership.role) == (opd.id, "reviewer")
    event = last_audit("membership.created")
    assert event.after["role"] == "reviewer" and event.organisation_id == opd.id
    assert _count(User) == 2  # the existing user and the admin: no new user was created
    assert top.id != opd.id


def test_admin_creates_new_user_password_shown_once_and_2fa_enrolment_required(app, browser, factory, tree):
    top, opd, _foreign = tree
    response = browser(factory.user(top, "admin")).post(f"/organisations/{opd.id}/members/new", data={
        "email": "siti@example.org", "name": "Siti  Aminah", "role": "admin"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    user = db.session.scalar(db.select(User).where(User.email == "siti@example.org"))
    assert user.name == "Siti Aminah" and not user.totp_enabled
    password = html.split('<p class="secret"><code>')[1].split("</code>")[0]
    assert len(password) >= 16 and verify_password(user.password_hash, password)
    assert password not in str([e.after for e in db.session.scalars(db.select(AuditEvent))])
    assert {"user.created", "membership.created"} <= set(db.session.scalars(db.select(AuditEvent.action)))
    # First sign-in: the organisation tree requires 2FA, so the new user must enrol first.
    new_client = browser()
    login = new_client.post("/auth/login", data={"email": "siti@example.org", "password": password})
    assert login.status_code == 302 and login.location.endswith("/auth/enrol")


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "nobody@example.org", "name": "", "role": "viewer"}, "Isi nama lengkap"),
    ({"email": "not-an-email", "name": "X", "role": "viewer"}, None),
    ({"email": "new@example.org", "name": "X", "role": "superuser"}, None),
])
def test_invalid_additions_are_refused_with_nothing_written(browser, factory, tree, data, message):
    _top, opd, _foreign = tree
    admin = factory.user(opd, "admin")
    users, memberships = _count(User), _count(Membership)
    response = browser(admin).post(f"/organisations/{opd.id}/members/new", data=data)
    assert response.status_code == 400
    assert (_count(User), _count(Membership), _count(AuditEvent)) == (users, memberships, 0)
    if message:
        assert message in response.get_data(as_text=True)


def test_adding_a_role_already_held_is_refused(browser, factory, tree):
    _top, opd, _foreign = tree
    admin = factory.user(opd, "admin")
    factory.user(opd, "viewer", email="ani@example.org")
    response = browser(admin).post(f"/organisations/{opd.id}/members/new", data={
        "email": "ani@example.org", "role": "viewer"})
    assert response.status_code == 400
    assert "sudah memegang peran tersebut" in response.get_data(as_text=True)
    assert _count(AuditEvent) == 0


@pytest.mark.parametrize("role", ["viewer", "reviewer", "coordinator", "security_officer"])
def test_non_admins_cannot_manage_members(browser, factory, tree, role):
    _top, opd, _foreign = tree
    target = factory.member(factory.user(), opd, "viewer")
    client = browser(factory.user(opd, role))
    assert client.get(f"/organisations/{opd.id}/members").status_code == 200
    assert client.get(f"/organisations/{opd.id}/members/new").status_code == 403
    assert client.post(f"/organisations/{opd.id}/members/{target.id}/role", data={"role": "admin"}).status_code == 403
    assert client.post(f"/organisations/{opd.id}/members/{target.id}/remove").status_code == 403
    assert db.session.get(Membership, target.id).role == "viewer"


def test_role_change_ends_sessions_and_is_audited(browser, factory, tree):
    _top, opd, _foreign = tree
    admin = factory.user(opd, "admin")
    staff = factory.user(opd, "viewer")
    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == staff.id))
    staff_client = browser(staff)
    assert staff_client.get("/posts").status_code == 200
    response = browser(admin).post(f"/organisations/{opd.id}/members/{membership.id}/role", data={"role": "reviewer"})
    assert response.status_code == 302
    assert db.session.get(Membership, membership.id).role == "reviewer"
    event = last_audit("membership.role_changed")
    assert event.before["role"] == "viewer" and event.after["role"] == "reviewer"
    old_session = staff_client.get("/posts")
    assert old_session.status_code == 302 and "/auth/login" in old_session.location


def test_role_change_of_membership_held_elsewhere_is_404(browser, factory, tree):
    top, opd, foreign = tree
    admin = factory.user(top, "admin")
    at_top = factory.member(factory.user(), top, "viewer")
    at_foreign = factory.member(factory.user(), foreign, "viewer")
    client = browser(admin)
    # A membership of the parent cannot be changed through the child's page, nor a foreign one.
    assert client.post(f"/organisations/{opd.id}/members/{at_top.id}/role", data={"role": "admin"}).status_code == 404
    assert client.post(f"/organisations/{opd.id}/members/{at_foreign.id}/role",
                       data={"role": "admin"}).status_code == 404
    assert client.post(f"/organisations/{foreign.id}/members/{at_foreign.id}/role",
                       data={"role": "admin"}).status_code == 404


def test_remove_membership_with_confirmation(browser, factory, tree):
    _top, opd, _foreign = tree
    staff = factory.user(opd, "viewer", name="Pak Staf")
    membership_id = db.session.scalar(db.select(Membership.id).where(Membership.user_id == staff.id))
    token = staff.session_token
    client = browser(factory.user(opd, "admin"))
    confirm = client.get(f"/organisations/{opd.id}/members/{membership_id}/remove")
    assert confirm.status_code == 200 and "Pak Staf" in confirm.get_data(as_text=True)
    assert db.session.get(Membership, membership_id) is not None  # GET changes nothing
    response = client.post(f"/organisations/{opd.id}/members/{membership_id}/remove")
    assert response.status_code == 302
    assert db.session.get(Membership, membership_id) is None
    assert db.session.get(User, staff.id).session_token != token
    event = last_audit("membership.removed")
    assert event.before["role"] == "viewer" and event.after is None


def test_last_admin_of_top_organisation_cannot_be_removed_or_demoted(browser, factory, tree):
    top, _opd, _foreign = tree
    admin = factory.user(top, "admin")
    membership_id = db.session.scalar(db.select(Membership.id).where(Membership.user_id == admin.id))
    client = browser(admin)
    removal = client.post(f"/organisations/{top.id}/members/{membership_id}/remove")
    assert removal.status_code == 409 and "admin terakhir" in removal.get_data(as_text=True)
    demotion = client.post(f"/organisations/{top.id}/members/{membership_id}/role", data={"role": "viewer"})
    assert demotion.status_code == 409
    assert db.session.get(Membership, membership_id).role == "admin"
    assert _count(AuditEvent) == 0
    # With a second admin the first one may go.
    factory.user(top, "admin")
    assert client.post(f"/organisations/{top.id}/members/{membership_id}/remove").status_code == 302
    assert db.session.get(Membership, membership_id) is None


def test_members_page_in_english_after_switching(browser, factory, tree):
    _top, opd, _foreign = tree
    client = browser(factory.user(opd, "admin"))
    assert "Anggota dan peran" in client.get(f"/organisations/{opd.id}/members").get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    assert "Members and roles" in client.get(f"/organisations/{opd.id}/members").get_data(as_text=True)


def test_member_changes_make_access_checklist_items_due(app, factory):
    """Joining, changing role and leaving re-open the access items of the organisation's accounts."""
    from app.members import services
    from app.models import ItemState

    org = factory.org()
    factory.user(org, "admin")
    account = factory.account(org, platform="instagram")

    def due_items() -> set[str]:
        db.session.expire_all()
        return {s.item_id for s in db.session.scalars(
            db.select(ItemState).where(ItemState.account_id == account.id, ItemState.due_since.is_not(None)))}

    membership, _password = services.add_member(org, email="baru@example.org", role="admin", name="Baru")
    assert {"G4", "M1"} <= due_items()
    first_due = {s.item_id: s.due_since for s in db.session.scalars(db.select(ItemState))}
    services.change_role(membership, "viewer")
    later = {s.item_id: s.due_since for s in db.session.scalars(db.select(ItemState))}
    assert later["G4"] >= first_due["G4"]
    services.remove(membership)
    reasons = [s.due_reason for s in db.session.scalars(db.select(ItemState).where(ItemState.item_id == "G4"))]
    assert reasons and "left" in reasons[0]
