"""Content calendar: month / week / list views, filters, tenancy, "+ post", query count."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import OrgKind, PostState, PostTarget, TargetState


def day_cells(html: str) -> dict[str, str]:
    """The markup of each day of a month / week grid, by ISO date."""
    cells = {}
    for chunk in re.split(r'(?=<li class="cal-day)', html)[1:]:
        found = re.search(r'data-day="([0-9-]+)"', chunk)
        assert found is not None
        cells[found.group(1)] = chunk.split("</ol>")[0]
    return cells


@pytest.fixture
def tree(factory):
    top = factory.org("Diskominfo Kota Jayapura", kind=OrgKind.DISKOMINFO, timezone="Asia/Jayapura")
    health = factory.org("Dinas Kesehatan", parent=top, timezone="Asia/Jayapura")
    roads = factory.org("Dinas PUPR", parent=top, timezone="Asia/Jayapura")
    foreign = factory.org("Diskominfo Kota Balikpapan", kind=OrgKind.DISKOMINFO, timezone="Asia/Makassar")
    return top, health, roads, foreign


def timed_post(factory, org, author, title, when, state=PostState.SCHEDULED, accounts=(), **fields):
    post = factory.post(org, author, title=title, state=state, scheduled_at=when, **fields)
    for account in accounts:
        db.session.add(PostTarget(post_id=post.id, account_id=account.id, due_at=when))
    db.session.commit()
    return post


def test_month_view_by_local_day_monday_first_in_indonesian(browser, factory, tree):
    top, health, _roads, _foreign = tree
    admin = factory.user(top, "admin")
    insta = factory.account(health, "instagram", handle="dinkes")
    fb = factory.account(health, "facebook", handle="dinkesfb")
    # 16:30 UTC on 9 March is 01:30 on 10 March in Jayapura (WIT, UTC+9).
    timed_post(factory, health, admin, "Vaksinasi", datetime(2027, 3, 9, 16, 30, tzinfo=UTC), accounts=[insta, fb])
    html = browser(admin).get("/calendar?date=2027-03-15").get_data(as_text=True)
    assert "Maret 2027" in html
    weekdays = re.search(r'<div class="cal-weekdays"[^>]*>(.*?)</div>', html).group(1)
    assert re.findall(r"<span>(\w+)</span>", weekdays) == ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"]
    cells = day_cells(html)
    assert next(iter(cells)) == "2027-03-01" and list(cells)[-1] == "2027-04-04"  # whole weeks, Monday first
    assert "Vaksinasi" in cells["2027-03-10"] and "Vaksinasi" not in cells["2027-03-09"]
    assert "01:30 WIT" in cells["2027-03-10"]
    assert "Instagram" in cells["2027-03-10"] and "Facebook" in cells["2027-03-10"]
    assert "cal-state-scheduled" in cells["2027-03-10"] and "Terjadwal" in cells["2027-03-10"]


def test_each_post_on_its_own_organisations_local_day(browser, factory, tree):
    top, health, _roads, _foreign = tree
    west = factory.org("Dinas di WIB", parent=top, timezone="Asia/Jakarta")
    admin = factory.user(top, "admin")
    when = datetime(2027, 3, 9, 16, 30, tzinfo=UTC)  # 01:30 WIT on the 10th, 23:30 WIB on the 9th
    timed_post(factory, health, admin, "Di Jayapura", when)
    timed_post(factory, west, admin, "Di Jakarta", when)
    for view in ("month", "week"):
        cells = day_cells(browser(admin).get(f"/calendar?view={view}&date=2027-03-09").get_data(as_text=True))
        assert "Di Jayapura" in cells["2027-03-10"] and "01:30 WIT" in cells["2027-03-10"]
        assert "Di Jakarta" in cells["2027-03-09"] and "23:30 WIB" in cells["2027-03-09"]
        assert "Di Jakarta" not in cells["2027-03-10"] and "Di Jayapura" not in cells["2027-03-09"]
    listed = browser(admin).get("/calendar?view=list&span=day&date=2027-03-09").get_data(as_text=True)
    assert "Di Jakarta" in listed and "Di Jayapura" not in listed


def test_week_view_covers_monday_to_sunday(browser, factory, tree):
    top, health, _roads, _foreign = tree
    admin = factory.user(top, "admin")
    for day, title in ((7, "Minggu lalu"), (8, "Senin ini"), (14, "Minggu ini"), (15, "Senin depan")):
        timed_post(factory, health, admin, title, datetime(2027, 3, day, 1, 0, tzinfo=UTC))
    html = browser(admin).get("/calendar?view=week&date=2027-03-10").get_data(as_text=True)
    cells = day_cells(html)
    assert list(cells) == [f"2027-03-{d:02d}" for d in range(8, 15)]
    assert "Senin ini" in cells["2027-03-08"] and "Minggu ini" in cells["2027-03-14"]
    assert "Minggu lalu" not in html and "Senin depan" not in html
    assert "8 Mar – 14 Mar 2027" in html
    assert "Senin," in cells["2027-03-08"]  # the weekday name is shown in the week view


def test_list_view_month_and_one_day(browser, factory, tree):
    top, health, roads, _foreign = tree
    admin = factory.user(top, "admin")
    timed_post(factory, health, admin, "Posyandu", datetime(2027, 3, 2, 1, 0, tzinfo=UTC))
    timed_post(factory, roads, admin, "Jalan baru", datetime(2027, 3, 20, 1, 0, tzinfo=UTC))
    timed_post(factory, roads, admin, "April", datetime(2027, 4, 2, 1, 0, tzinfo=UTC))
    client = browser(admin)
    html = client.get("/calendar?view=list&date=2027-03-20").get_data(as_text=True)
    assert html.index("Posyandu") < html.index("Jalan baru") and "April" not in html
    assert "Selasa, 2 Maret 2027" in html and "Dinas PUPR" in html
    day = client.get("/calendar?view=list&span=day&date=2027-03-20").get_data(as_text=True)
    assert "Jalan baru" in day and "Posyandu" not in day


def test_day_limit_links_to_the_day_list(browser, factory, tree):
    top, health, _roads, _foreign = tree
    admin = factory.user(top, "admin")
    for minute in range(6):
        timed_post(factory, health, admin, f"Berita {minute}", datetime(2027, 3, 9, 1, minute, tzinfo=UTC))
    cell = day_cells(browser(admin).get("/calendar?date=2027-03-01").get_data(as_text=True))["2027-03-09"]
    assert cell.count('class="cal-post ') == 4
    assert "+ 2 lagi" in cell and "span=day" in cell and "date=2027-03-09" in cell


def test_filters_organisation_subtree_account_platform_state(browser, factory, tree):
    top, health, roads, _foreign = tree
    admin = factory.user(top, "admin")
    insta = factory.account(health, "instagram", handle="dinkes")
    x = factory.account(roads, "x", handle="pupr")
    when = datetime(2027, 3, 9, 1, 0, tzinfo=UTC)
    timed_post(factory, health, admin, "Kesehatan-IG", when, accounts=[insta])
    timed_post(factory, roads, admin, "Jalan-X", when, accounts=[x])
    timed_post(factory, roads, admin, "Jalan-draf", when, state=PostState.DRAFT)
    client = browser(admin)

    def titles(query: str) -> set[str]:
        html = client.get(f"/calendar?view=list&date=2027-03-01&{query}").get_data(as_text=True)
        return {t for t in ("Kesehatan-IG", "Jalan-X", "Jalan-draf") if t in html}

    assert titles("") == {"Kesehatan-IG", "Jalan-X", "Jalan-draf"}
    assert titles(f"org_id={top.id}") == {"Kesehatan-IG", "Jalan-X", "Jalan-draf"}  # the subtree
    assert titles(f"org_id={roads.id}") == {"Jalan-X", "Jalan-draf"}
    assert titles(f"account_id={insta.id}") == {"Kesehatan-IG"}
    assert titles("platform=x") == {"Jalan-X"}
    assert titles("state=draft") == {"Jalan-draf"}
    assert titles("state=nonsense") == {"Kesehatan-IG", "Jalan-X", "Jalan-draf"}  # an unknown state is ignored
    assert titles(f"org_id={roads.id}&state=scheduled&platform=x") == {"Jalan-X"}


def test_tenancy_foreign_posts_and_filters(browser, factory, tree):
    top, health, _roads, foreign = tree
    opd_admin = factory.user(health, "admin")
    outsider = factory.user(foreign, "admin")
    when = datetime(2027, 3, 9, 1, 0, tzinfo=UTC)
    timed_post(factory, health, opd_admin, "Milik Dinkes", when)
    timed_post(factory, top, opd_admin, "Milik Diskominfo", when)
    foreign_account = factory.account(foreign, "instagram", handle="bppkota")
    html = browser(opd_admin).get("/calendar?view=list&date=2027-03-01").get_data(as_text=True)
    assert "Milik Dinkes" in html and "Milik Diskominfo" not in html  # a role covers its subtree, not above
    assert "Milik Dinkes" not in browser(outsider).get("/calendar?view=list&date=2027-03-01").get_data(as_text=True)
    client = browser(opd_admin)
    assert client.get(f"/calendar?org_id={foreign.id}").status_code == 404
    assert client.get(f"/calendar?org_id={top.id}").status_code == 404
    assert client.get(f"/calendar?account_id={foreign_account.id}").status_code == 404
    assert client.get("/calendar?date=2027-13-01").status_code == 400
    assert client.get("/calendar?date=0001-01-01").status_code == 400
    assert browser(None).get("/calendar").status_code in (302, 401)


def test_empty_future_day_invites_a_post_with_the_date(browser, factory, tree):
    _top, health, _roads, _foreign = tree
    admin = factory.user(health, "admin")
    cells = day_cells(browser(admin).get("/calendar?date=2027-03-01").get_data(as_text=True))
    assert f"/posts/new?org_id={health.id}&amp;date=2027-03-10" in cells["2027-03-10"]
    past = day_cells(browser(admin).get("/calendar?date=2026-01-01").get_data(as_text=True))
    assert "/posts/new" not in past["2026-01-14"]
    viewer = factory.user(health, "viewer")
    assert "/posts/new" not in browser(viewer).get("/calendar?date=2027-03-01").get_data(as_text=True)
    form = browser(admin).get(f"/posts/new?org_id={health.id}&date=2027-03-10").get_data(as_text=True)
    assert 'value="2027-03-10T09:00"' in form


def test_movable_posts_are_draggable_with_a_form_link(browser, factory, tree):
    top, health, _roads, _foreign = tree
    admin = factory.user(top, "admin")
    insta = factory.account(health, "instagram", handle="dinkes")
    future = timed_post(factory, health, admin, "Nanti", datetime(2027, 3, 9, 1, 0, tzinfo=UTC), accounts=[insta])
    done = timed_post(factory, health, admin, "Sudah", datetime(2027, 3, 10, 1, 0, tzinfo=UTC), accounts=[insta])
    db.session.execute(db.update(PostTarget).where(PostTarget.post_id == done.id)
                       .values(state=TargetState.PUBLISHED))
    db.session.commit()
    html = browser(admin).get("/calendar?date=2027-03-01").get_data(as_text=True)
    cells = day_cells(html)
    assert f'data-move-url="/calendar/posts/{future.id}/reschedule"' in cells["2027-03-09"]
    assert "cal-state-published" in cells["2027-03-10"] and "data-move-url" not in cells["2027-03-10"]
    assert "calendar.js" in html
    viewer_html = browser(factory.user(top, "viewer")).get("/calendar?date=2027-03-01").get_data(as_text=True)
    assert "Nanti" in viewer_html and "data-move-url" not in viewer_html


def test_month_view_query_count_does_not_grow_with_posts(app, browser, factory, tree):
    top, health, roads, _foreign = tree
    admin = factory.user(top, "admin")
    insta = factory.account(health, "instagram", handle="dinkes")
    client = browser(admin)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def month_queries() -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/calendar?date=2027-03-01").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    timed_post(factory, health, admin, "Satu", datetime(2027, 3, 9, 1, 0, tzinfo=UTC), accounts=[insta])
    few = month_queries()
    start = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)
    for n in range(40):
        timed_post(factory, health if n % 2 else roads, admin, f"Pos {n}", start + timedelta(hours=17 * n),
                   accounts=[insta])
    assert month_queries() == few


def test_postgresql_plan_can_use_the_calendar_index(app, factory, tree):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the index plan is checked on PostgreSQL")
    from datetime import date

    from app.calendar.services import Filters, posts_in_range

    top, *_rest = tree
    admin = factory.user(top, "admin")
    query = posts_in_range(admin, Filters(), date(2027, 3, 1), date(2027, 4, 5))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
    assert "ix_post_organisation_id_scheduled_at" in plan or "ix_post_scheduled_at" in plan


def test_account_filter_offers_the_chosen_subtree_and_narrows_when_too_many(browser, factory, tree, monkeypatch):
    from app.calendar import views

    top, health, roads, foreign = tree
    admin = factory.user(top, "admin")
    insta = factory.account(health, "instagram", handle="dinkes")
    x = factory.account(roads, "x", handle="pupr")
    factory.account(foreign, "x", handle="asing")
    client = browser(admin)

    def offered(query: str = "") -> tuple[set[str], bool]:
        html = client.get(f"/calendar?{query}").get_data(as_text=True)
        select = re.search(r'<select name="account_id".*?</select>', html, re.S).group(0)
        return ({h for h in ("dinkes", "pupr", "asing") if h in select},
                "Pilih organisasi dulu" in html)

    assert offered() == ({"dinkes", "pupr"}, False)
    assert offered(f"org_id={roads.id}") == ({"pupr"}, False)
    monkeypatch.setattr(views, "ACCOUNT_CHOICES_MAX", 1)
    assert offered() == (set(), True)  # two accounts in reach: narrow by organisation first
    assert offered(f"account_id={x.id}") == ({"pupr"}, True)  # the chosen one stays selectable
    assert offered(f"org_id={health.id}") == ({"dinkes"}, False)
    assert insta.id != x.id
