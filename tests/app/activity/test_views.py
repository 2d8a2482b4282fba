"""Activity pages: dashboard (headline, charts, table alternative), organisation page, target setting,
leaderboard and the monthly report in HTML, CSV and PDF."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.activity import stats
from app.activity.weeks import week_bounds
from app.extensions import db
from app.models import AudienceSnapshot, AuditEvent, Organisation, OrgKind, Role
from tests.app.activity.helpers import publish
from tests.app.conftest import last_audit


def english(client):
    """The default interface language is Indonesian; these assertions read the English page."""
    client.post("/language", data={"locale": "en"})
    return client


@pytest.fixture
def regency(factory):
    """A Diskominfo with 36 OPDs of which 15 meet a 3-a-week target in every recent week."""
    root = factory.org("Pemkab Contoh", kind=OrgKind.DISKOMINFO)
    author = factory.user(root, Role.ADMIN)
    now = datetime.now(UTC)
    opds = []
    for n in range(36):
        opd = factory.org(f"OPD {n:02d}", parent=root)
        opds.append(opd)
        if n < 15:
            account = factory.account(opd, "instagram", handle=f"opd{n}")
            bounds = week_bounds(now, opd.timezone, stats.TREND_WEEKS)
            for week in range(stats.TREND_WEEKS - 4, stats.TREND_WEEKS):
                for k in range(3):
                    publish(opd, author, [account], bounds[week] + timedelta(days=1, hours=k))
    return root, opds, author


def test_dashboard_shows_x_of_y_active_on_one_screen(app, factory, browser, regency):
    root, opds, _author = regency
    viewer = factory.user(root, Role.VIEWER)
    page = english(browser(viewer)).get("/activity/?kind=opd")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "15 of 36" in html
    assert all(opd.name in html for opd in opds)  # every OPD on the first page
    assert html.count('class="badge badge-bad">Inactive') == 21
    assert "<svg" in html and "<title" in html and "<desc" in html and "Table of the chart" in html
    assert " style=" not in html.split("<main", 1)[-1]
    assert html.index("OPD 35") < html.index("OPD 00")  # least active first


def test_dashboard_is_bilingual_and_scoped(app, factory, browser, regency):
    root, _opds, _author = regency
    foreign_root = factory.org("Pemkot Lain", kind=OrgKind.DISKOMINFO)
    stranger = factory.user(foreign_root, Role.ADMIN)
    html = english(browser(stranger)).get("/activity/").get_data(as_text=True)
    assert "OPD 00" not in html and "0 of 1" in html
    assert browser(stranger).get(f"/activity/?org_id={root.id}").status_code == 404
    client = browser(factory.user(root, Role.VIEWER))
    client.post("/language", data={"locale": "id"})
    assert "organisasi aktif" in client.get("/activity/").get_data(as_text=True)


def test_dashboard_rejects_an_unknown_kind(app, factory, browser):
    org = factory.org("Dinas X")
    assert browser(factory.user(org, Role.VIEWER)).get("/activity/?kind=planet").status_code == 400


def test_organisation_page_shows_posts_with_audience_figures(app, factory, browser, regency):
    _root, opds, _author = regency
    opd = opds[0]
    account = opd_account(opd)
    target = db.session.scalars(db.select(AudienceSnapshot.target_id)).first()  # none yet
    assert target is None
    from app.models import PostTarget

    newest = db.session.scalars(db.select(PostTarget).where(PostTarget.account_id == account.id)
                                .order_by(PostTarget.published_at.desc())).first()
    db.session.add_all([
        AudienceSnapshot(organisation_id=opd.id, account_id=account.id, platform="instagram", followers=12345),
        AudienceSnapshot(organisation_id=opd.id, account_id=account.id, target_id=newest.id, platform="instagram",
                         views=4321, likes=77),
    ])
    db.session.commit()
    viewer = factory.user(opd, Role.VIEWER)
    client = english(browser(viewer))
    html = client.get(f"/activity/organisations/{opd.id}").get_data(as_text=True)
    assert "12,345" in html and "4,321" in html and "77" in html
    assert 'stroke-dasharray="6 4"' in html  # the target line on the weekly chart
    assert "<form" not in html.split('id="target"', 1)[1].split("</section>", 1)[0]  # a viewer cannot edit
    dashboard = client.get("/activity/").get_data(as_text=True)
    assert "instagram: 12,345" in dashboard


def opd_account(opd: Organisation):
    from app.models import SocialAccount

    return db.session.scalar(db.select(SocialAccount).where(SocialAccount.organisation_id == opd.id))


def test_admin_sets_the_target_with_an_audit_event(app, factory, browser):
    org = factory.org("Dinas Target")
    admin, viewer = factory.user(org, Role.ADMIN), factory.user(org, Role.VIEWER)
    assert "#target" in browser(admin).get("/activity/").get_data(as_text=True)  # the link for its admins
    assert "#target" not in browser(viewer).get("/activity/").get_data(as_text=True)
    assert browser(viewer).post(f"/activity/organisations/{org.id}/target", data={"target": 5}).status_code == 403
    for bad in ("0", "abc", "101", ""):
        response = english(browser(admin)).post(f"/activity/organisations/{org.id}/target", data={"target": bad})
        assert response.status_code == 400 and "1 to 100" in response.get_data(as_text=True)
    assert db.session.get(Organisation, org.id).posts_per_week_target == 3
    assert not db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "activity.target_set"))
    response = browser(admin).post(f"/activity/organisations/{org.id}/target", data={"target": 5})
    assert response.status_code == 302
    assert db.session.get(Organisation, org.id).posts_per_week_target == 5
    event = last_audit("activity.target_set")
    assert event.before == {"posts_per_week_target": 3} and event.after == {"posts_per_week_target": 5}
    assert event.actor_id == admin.id


def _audit(action: str, post_id: int, org_id: int, at: datetime) -> None:
    db.session.add(AuditEvent(action=action, object_type="Post", object_id=str(post_id), organisation_id=org_id,
                              at=at))


def test_leaderboard_ranks_by_consistency_and_reports_turnaround(app, factory, browser):
    root = factory.org("Pemkot Juara", kind=OrgKind.DISKOMINFO)
    steady, lazy = factory.org("Dinas Tekun", parent=root), factory.org("Dinas Lambat", parent=root)
    author = factory.user(root, Role.ADMIN)
    steady_account, lazy_account = factory.account(steady, "x"), factory.account(lazy, "x")
    start = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB
    for week in range(4):
        for k in range(3):
            publish(steady, author, [steady_account], start + timedelta(weeks=week, hours=k))
    publish(lazy, author, [lazy_account], start)
    for post_id, hours in ((1, 2), (2, 4), (3, 30)):
        _audit("post.submit", post_id, steady.id, start + timedelta(days=post_id))
        _audit("post.approve", post_id, steady.id, start + timedelta(days=post_id, hours=hours))
    _audit("post.approve", 99, lazy.id, start)  # no submission: not counted
    db.session.commit()
    viewer = factory.user(root, Role.VIEWER)
    html = english(browser(viewer)).get("/activity/leaderboard?start=2026-11-01&end=2026-11-30").get_data(as_text=True)
    assert html.index("Dinas Tekun") < html.index("Dinas Lambat")
    steady_row = re.search(r"Dinas Tekun.*?</tr>", html, re.S).group(0)
    assert "4 of 4 weeks" in steady_row and "(100%)" in steady_row
    assert "<td>4 <span" in steady_row and "3 approvals" in steady_row  # median of 2, 4 and 30 hours
    lazy_row = re.search(r"Dinas Lambat.*?</tr>", html, re.S).group(0)
    assert "0 of 4 weeks" in lazy_row and "approval" not in lazy_row


def test_leaderboard_rejects_bad_periods(app, factory, browser):
    org = factory.org("Dinas Periode")
    client = browser(factory.user(org, Role.VIEWER))
    assert client.get("/activity/leaderboard?start=2026-13-01").status_code == 400
    assert client.get("/activity/leaderboard?start=2026-11-30&end=2026-11-01").status_code == 400


def test_monthly_report_html_csv_pdf(app, factory, browser):
    root = factory.org("Pemkot Laporan", kind=OrgKind.DISKOMINFO)
    opd = factory.org("Dinas Pekerjaan Umum dan Penataan Ruang — Bidang Āir", parent=root)
    outside = factory.org("Dinas Luar")
    author = factory.user(root, Role.ADMIN)
    account = factory.account(opd, "youtube")
    for day in (3, 4, 5, 10, 11, 12):
        publish(opd, author, [account], datetime(2026, 11, day, 5, tzinfo=UTC))
    publish(opd, author, [account], datetime(2026, 10, 31, 5, tzinfo=UTC))  # October
    client = english(browser(factory.user(root, Role.VIEWER)))
    html = client.get(f"/activity/organisations/{root.id}/report?month=2026-11").get_data(as_text=True)
    assert opd.name in html and outside.name not in html and "11/2026" in html
    row = re.search(r"Bidang Āir.*?</tr>", html, re.S).group(0)
    assert "<td>6</td>" in row and "2 of 4" in row
    csv_response = client.get(f"/activity/organisations/{root.id}/report?month=2026-11&format=csv")
    assert csv_response.mimetype == "text/csv"
    lines = csv_response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("Organisation,") and any(line.startswith(f"{opd.name},opd,3,6,6,2,4") for line in lines)
    pdf = client.get(f"/activity/organisations/{root.id}/report.pdf?month=2026-11")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert b"DejaVu" in pdf.data
    assert client.get(f"/activity/organisations/{root.id}/report?month=2026-x").status_code == 400
    assert client.get(f"/activity/organisations/{outside.id}/report").status_code == 404
