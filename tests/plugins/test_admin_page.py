"""/plugins: loaded plugins with versions and hooks, for admins of a top-level organisation only."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Role
from tests.factories import sign_in


def test_top_level_admin_sees_plugins_with_versions_and_hooks(app, factory, client):
    root = factory.org("Pemkot")
    sign_in(client, factory.user(root, Role.ADMIN))
    response = client.get("/plugins")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "plugin_admin" in page and "0.1.0" in page
    assert "menu_entries, register_blueprints" in page


def test_other_users_are_refused(app, factory, client):
    root = factory.org("Pemkot")
    child = factory.org("Dinas", parent=root)
    assert client.get("/plugins").status_code == 302  # to the sign-in page
    for user in (factory.user(child, Role.ADMIN), factory.user(root, Role.REVIEWER),
                 factory.user(root, Role.SECURITY_OFFICER)):
        sign_in(client, user)
        assert client.get("/plugins").status_code == 403


def test_settings_change_is_audited_and_foreign_organisations_are_hidden(app, factory, client):
    root, other = factory.org("Pemkot"), factory.org("Pemkab")
    sign_in(client, factory.user(root, Role.ADMIN))
    assert client.get(f"/plugins/settings/{other.id}").status_code == 404
    assert client.get(f"/plugins/settings/{root.id}").status_code == 200
    assert client.post(f"/plugins/settings/{root.id}", data={}).status_code == 302  # no fields: nothing changes
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "organisation.plugin_settings_changed")).all() == []
