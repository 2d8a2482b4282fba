"""Test-client requests do not inherit the previous request's signed-in user."""
from __future__ import annotations

from tests.factories import sign_in


def test_switching_users_between_requests_is_seen(app, factory):
    org = factory.org()
    first = factory.user(org, "admin", name="Pertama")
    second = factory.user(org, "viewer", name="Kedua")
    client = app.test_client()
    sign_in(client, first)
    assert "Pertama" in client.get("/").get_data(as_text=True)
    sign_in(client, second)
    page = client.get("/").get_data(as_text=True)
    assert "Kedua" in page and "Pertama" not in page
