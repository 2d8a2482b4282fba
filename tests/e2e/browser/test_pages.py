"""In a browser: the main pages open from the menu for the people who use them, fit a 360 px phone
without sideways scrolling, and log no console error (a CSP violation is one); the screenshots the
suite takes of them are the README's.

The activity dashboard and the content calendar are built on other branches: their tests are skipped
until their endpoints are in app.url_map, and run from then on.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from playwright.sync_api import Locator, Page, expect

from app.extensions import db
from app.models import Post, PostState, PostTarget, SocialAccount, TargetState, utcnow
from tests.e2e.browser import pages
from tests.e2e.browser.support import DESKTOP, ONE_BACKEND, PHONE, Demo, needs_endpoint, screenshot

pytestmark = ONE_BACKEND

#: (main menu entry, screenshot name) of the pages an admin of Diskominfo works on.
ADMIN_PAGES = [("Posts", "posts"), ("Social accounts", "accounts"), ("Organisations", "organisations"),
               ("Account security", "security"), ("Publishing hold", "holds")]
#: Every organisation of the demo tree that has accounts; the activity dashboard lists each.
ACTIVE_DEMO_ORGANISATIONS = ["Diskominfo Kota Balikpapan", "Dinas Kesehatan", "Dinas Perhubungan",
                             "Kecamatan Balikpapan Kota", "Badan Penanggulangan Bencana Daerah"]


#: Published posts per week over the last weeks, per (platform, handle): a desk with a history to evaluate.
HISTORY = {("facebook", "Dinas Kesehatan Balikpapan"): 3, ("instagram", "dinkesbpp"): 3,
           ("facebook", "Diskominfo Balikpapan"): 4, ("x", "diskominfobpp"): 5, ("x", "dishubbpp"): 1}


def publishing_history(demo: Demo, weeks: int = 8) -> None:
    """Posts published in the past weeks (rows written directly: the pipeline itself is tested elsewhere)."""
    author_id = demo.users["diskominfo"]["id"]
    now = utcnow()
    for (platform, handle), per_week in HISTORY.items():
        account = db.session.get(SocialAccount, demo.accounts[(platform, handle)])
        for week in range(weeks):
            for n in range(per_week):
                when = now - timedelta(days=7 * week + 1 + n, hours=n)
                post = Post(organisation_id=account.organisation_id, author_id=author_id, title=f"Arsip {week}-{n}",
                            body="Informasi layanan publik.", variants={}, state=PostState.SCHEDULED,
                            scheduled_at=when)
                db.session.add(PostTarget(post=post, account_id=account.id, state=TargetState.PUBLISHED,
                                          published_at=when, remote_id=f"arsip-{platform}-{week}-{n}"))
    db.session.commit()


def sideways_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than a 360 px phone screen (0: nothing sticks out)."""
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]
    page.set_viewport_size(DESKTOP)
    return overflow


def check_page(page: Page, name: str) -> None:
    """A page is shown with its heading, fits a phone, and is photographed at both widths."""
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert sideways_overflow(page) == 0, f"{name} scrolls sideways on a 360 px phone"
    screenshot(page, name)


def test_main_pages_open_from_the_menu(demo, person):
    admin = person("diskominfo")
    check_page(admin, "start")
    for entry, name in ADMIN_PAGES:
        pages.open_menu(admin, demo.ui, entry)
        expect(admin.get_by_role("navigation", name=demo.ui("Main menu"))
               .get_by_role("link", name=demo.ui(entry), exact=True)).to_have_attribute("aria-current", "page")
        check_page(admin, name)


@needs_endpoint("activity.dashboard")
def test_leader_opens_the_activity_dashboard(demo, person):
    publishing_history(demo)
    leader = person("pimpinan")
    leader.goto(demo.path("activity.dashboard"))
    for name in ACTIVE_DEMO_ORGANISATIONS:
        expect(leader.get_by_text(name, exact=True).first).to_be_visible()
    check_page(leader, "activity-dashboard")


@needs_endpoint("activity.leaderboard")
def test_leader_opens_the_leaderboard(demo, person):
    publishing_history(demo)
    leader = person("pimpinan")
    leader.goto(demo.path("activity.leaderboard"))
    check_page(leader, "activity-leaderboard")


@needs_endpoint("calendar.index")
def test_admin_sees_the_demo_drafts_in_the_calendar(demo, person):
    """The demo drafts are set for tomorrow; the month view of tomorrow's month shows them."""
    admin = person("diskominfo")
    tomorrow = (datetime.now(ZoneInfo("Asia/Makassar")) + timedelta(days=1)).date()
    admin.goto(demo.path("calendar.index", view="month", date=tomorrow.isoformat()))
    for title in ("Posyandu serentak", "Penutupan jalan", "Layanan aduan"):
        expect(admin.get_by_text(title).first).to_be_visible()
    check_page(admin, "calendar")


def calendar_day(page: Page, day: date) -> Locator:
    """The calendar's cell of `day`, found by its heading ("Jumat, 4 Desember 2026")."""
    name = re.compile(rf"\b{day.day} {re.escape(format_date(day, 'MMMM y', locale='id'))}")
    return page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=name))


@needs_endpoint("calendar.reschedule")
def test_admin_drags_a_post_to_another_day(demo, person):
    """Drag and drop in the week view moves the post; after a reload it is on its new day."""
    admin = person("diskominfo")
    tomorrow = (datetime.now(ZoneInfo("Asia/Makassar")) + timedelta(days=1)).date()
    target = tomorrow + timedelta(days=1) if tomorrow.weekday() < 6 else tomorrow - timedelta(days=1)  # same week
    admin.goto(demo.path("calendar.index", view="week", date=tomorrow.isoformat()))
    post = admin.get_by_role("listitem").filter(has=admin.get_by_role("link", name=re.compile("Penutupan jalan"))) \
        .filter(has_not=admin.get_by_role("heading"))  # the post, not its day
    expect(calendar_day(admin, tomorrow).filter(has=post)).to_be_visible()
    post.drag_to(calendar_day(admin, target))
    expect(admin.locator("#cal-status")).not_to_be_empty()  # the page announces the answer
    admin.reload()
    expect(calendar_day(admin, target).filter(has=post)).to_be_visible()
    expect(calendar_day(admin, tomorrow).filter(has=post)).to_have_count(0)
