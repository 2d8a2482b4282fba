"""The targets view: tenancy, filters, state labels, zone times, links or errors, retry and reconnect."""
from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import AccountStatus, AuditEvent, PostTarget
from tests.app.conftest import last_audit


def _rows(page: str) -> str:
    """The table body only (the filter's options name every visible account)."""
    return page.split("<tbody>", 1)[1]


def _target(desk, account):
    return db.session.scalar(db.select(PostTarget).where(PostTarget.post_id == desk.post.id,
                                                         PostTarget.account_id == account.id))


def test_lists_every_visible_target_with_state_time_link_and_error(desk, browser):
    page = _rows(browser(desk.viewer).get("/targets").get_data(as_text=True))
    assert "Posyandu Sabtu" in page and "dinkes.bpp" in page and "dinkesbpp" in page
    assert "Terbit" in page and "Gagal" in page  # state labels in the user's language (id)
    assert "badge-ok" in page and "badge-bad" in page  # the states' colours
    assert 'href="https://facebook.example/p/1"' in page
    assert "The platform refused this post. Its message: duplicate" in page
    assert "24-11-2026 08:00 WITA" in page  # due time in the organisation's zone
    assert "Coba lagi" not in page and "/try-again" not in page  # a viewer has no actions


def test_filters_by_organisation_account_platform_state_and_dates(desk, factory, browser):
    other_post = factory.post(desk.other, desk.admin, title="Penerimaan siswa baru", body="PPDB dibuka")
    db.session.add(PostTarget(post_id=other_post.id, account_id=desk.other_x.id,
                              due_at=datetime(2026, 12, 1, 3, 0, tzinfo=UTC)))
    db.session.commit()
    client = browser(desk.admin)

    def titles(query: str) -> set[str]:
        page = client.get(f"/targets?{query}").get_data(as_text=True)
        return {t for t in ("Posyandu Sabtu", "Penerimaan siswa baru") if t in page}

    assert titles("") == {"Posyandu Sabtu", "Penerimaan siswa baru"}
    assert titles(f"org_id={desk.other.id}") == {"Penerimaan siswa baru"}
    assert titles(f"org_id={desk.root.id}") == {"Posyandu Sabtu", "Penerimaan siswa baru"}  # subtree
    assert titles(f"account_id={desk.facebook.id}") == {"Posyandu Sabtu"}
    assert titles("platform=facebook") == {"Posyandu Sabtu"}
    page = _rows(client.get("/targets?platform=x").get_data(as_text=True))
    assert "dinkesbpp" in page and "disdikbpp" in page and "dinkes.bpp" not in page
    assert titles("state=scheduled") == {"Penerimaan siswa baru"}
    assert titles("date_from=2026-11-30") == {"Penerimaan siswa baru"}
    assert titles("date_to=2026-11-24") == {"Posyandu Sabtu"}
    # 24 Nov 00:00 UTC is 24 Nov 08:00 WITA but 24 Nov 07:00 WIB: dates are read in the chosen org's zone
    assert titles(f"org_id={desk.opd.id}&date_from=2026-11-24&date_to=2026-11-24") == {"Posyandu Sabtu"}
    assert titles("state=nonsense&date_from=not-a-date") == {"Posyandu Sabtu", "Penerimaan siswa baru"}


def test_foreign_targets_and_filters_are_not_shown(desk, factory, browser):
    foreign_root = factory.org("Pemkab Lain", kind="diskominfo")
    outsider = factory.user(foreign_root, "admin")
    client = browser(outsider)
    page = client.get("/targets").get_data(as_text=True)
    assert "Posyandu Sabtu" not in page and "dinkesbpp" not in page
    assert client.get(f"/targets?org_id={desk.opd.id}").status_code == 404
    assert client.get(f"/targets?account_id={desk.x.id}").status_code == 404
    target = _target(desk, desk.x)
    assert client.post(f"/targets/{target.id}/try-again").status_code == 404
    assert _target(desk, desk.x).state == "failed"


def test_opd_admin_sees_only_the_own_subtree(desk, factory, browser):
    other_post = factory.post(desk.other, desk.admin, title="Penerimaan siswa baru")
    db.session.add(PostTarget(post_id=other_post.id, account_id=desk.other_x.id))
    db.session.commit()
    page = browser(desk.opd_admin).get("/targets").get_data(as_text=True)
    assert "Posyandu Sabtu" in page and "Penerimaan siswa baru" not in page


def test_retry_without_javascript_goes_through_the_lifecycle_and_is_audited(desk, browser):
    target = _target(desk, desk.x)
    client = browser(desk.opd_admin)
    page = client.get(f"/targets?org_id={desk.opd.id}").get_data(as_text=True)
    assert f"/targets/{target.id}/try-again" in page and "Coba lagi" in page
    assert f'hx-post="/targets/{target.id}/try-again"' in page  # inline with htmx, a plain form without
    response = client.post(f"/targets/{target.id}/try-again", data={"next": f"/targets?org_id={desk.opd.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/targets?org_id={desk.opd.id}")
    retried = _target(desk, desk.x)
    assert retried.state == "scheduled" and retried.last_error is None and retried.due_at is not None
    event = last_audit("target.scheduled")
    assert event.actor_id == desk.opd_admin.id and event.after["reason"] == "retry"
    assert event.object_id == str(target.id) and event.organisation_id == desk.opd.id
    # a second retry is refused: the target is no longer failed
    assert client.post(f"/targets/{target.id}/try-again").status_code == 409


def test_retry_with_htmx_answers_the_new_row(desk, browser):
    target = _target(desk, desk.x)
    response = browser(desk.admin).post(f"/targets/{target.id}/try-again", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith("<tr") and f'id="target-{target.id}"' in body
    assert "Menunggu" in body and "<html" not in body  # only the row, now waiting
    assert "Unggahan akan dikirim lagi." in body
    assert _target(desk, desk.x).state == "scheduled"


def test_retry_never_redirects_to_another_site(desk, browser):
    target = _target(desk, desk.x)
    for evil in ("https://evil.example/", "//evil.example/targets", "/targets//evil.example"):
        target.state = "failed"
        db.session.commit()
        response = browser(desk.admin).post(f"/targets/{target.id}/try-again", data={"next": evil})
        assert response.status_code == 302 and response.headers["Location"] == "/targets"


def test_viewer_and_reviewer_cannot_retry(desk, factory, browser):
    reviewer = factory.user(desk.opd, "reviewer")
    target = _target(desk, desk.x)
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    for user in (desk.viewer, reviewer):
        assert browser(user).post(f"/targets/{target.id}/try-again").status_code == 403
    assert _target(desk, desk.x).state == "failed"
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before


def test_published_target_cannot_be_retried(desk, browser):
    target = _target(desk, desk.facebook)
    assert browser(desk.admin).post(f"/targets/{target.id}/try-again").status_code == 409
    inline = browser(desk.admin).post(f"/targets/{target.id}/try-again", headers={"HX-Request": "true"})
    body = inline.get_data(as_text=True)
    assert body.lstrip().startswith("<tr") and 'role="alert"' in body and "tidak dapat dikirim lagi" in body
    assert _target(desk, desk.facebook).state == "published"


def test_needs_reconnect_offers_the_connect_flow_not_a_retry(desk, browser):
    target = _target(desk, desk.x)
    target.state = "needs_reconnect"
    desk.x.status = AccountStatus.NEEDS_RECONNECT
    db.session.commit()
    page = browser(desk.opd_admin).get("/targets?state=needs_reconnect").get_data(as_text=True)
    assert "/connect/x" in page and f"/targets/{target.id}/try-again" not in page
    assert browser(desk.opd_admin).post(f"/targets/{target.id}/try-again").status_code == 409
    viewer_page = browser(desk.viewer).get("/targets").get_data(as_text=True)
    assert "/connect/x" not in viewer_page
    # once reconnected (account active again) the target can be sent again
    desk.x.status = AccountStatus.ACTIVE
    db.session.commit()
    page = browser(desk.opd_admin).get("/targets").get_data(as_text=True)
    assert f"/targets/{target.id}/try-again" in page


def test_pagination(desk, factory, browser):
    from app.calendar_io.views import PAGE_SIZE

    for n in range(PAGE_SIZE):
        post = factory.post(desk.opd, desk.opd_admin, title=f"Bulk {n}")
        db.session.add(PostTarget(post_id=post.id, account_id=desk.facebook.id))
    db.session.commit()
    client = browser(desk.admin)
    first = client.get("/targets").get_data(as_text=True)
    assert "page=2" in first
    second = client.get("/targets?page=2").get_data(as_text=True)
    assert second.count('id="target-') == PAGE_SIZE + 2 - PAGE_SIZE and "page=3" not in second


def test_dates_without_an_organisation_are_days_in_the_users_top_organisation_zone(desk, factory, browser):
    late = factory.post(desk.other, desk.admin, title="Tengah malam")
    db.session.add(PostTarget(post_id=late.id, account_id=desk.other_x.id,
                              due_at=datetime(2026, 11, 30, 16, 30, tzinfo=UTC)))  # 1 Dec 00:30 WITA, 30 Nov WIB
    db.session.commit()
    page = browser(desk.admin).get("/targets?date_from=2026-12-01").get_data(as_text=True)
    assert "Tengah malam" in _rows(page) and "dalam WITA" in page  # the admin's top organisation is in WITA
    page = browser(desk.admin).get(f"/targets?org_id={desk.other.id}&date_from=2026-12-01").get_data(as_text=True)
    assert "Tengah malam" not in _rows(page)  # in the OPD's own zone (WIB) it is still 30 November
