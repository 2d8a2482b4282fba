"""In a browser: an admin writes and schedules a post to Facebook and X, a reviewer approves it, it is
published through the real pipeline and shows up in the simulator's feed."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.extensions import db
from app.models import PostTarget, TargetState
from tests.e2e.browser import pages
from tests.e2e.browser.support import ONE_BACKEND, screenshot
from tests.simulator.server import record

pytestmark = ONE_BACKEND

ZONE = ZoneInfo("Asia/Makassar")  # the demo organisations' zone (WITA)
ACCOUNTS = [("facebook", "Diskominfo Balikpapan"), ("x", "diskominfobpp"), ("x", "dishubbpp")]
BODY = "Car free day Minggu pagi di Jl. Jend. Sudirman, Balikpapan. #BalikpapanKotaKita"
X_TEXT = "Car free day Minggu pagi di Jl. Sudirman. #BalikpapanKotaKita"


def test_compose_schedule_approve_and_see_it_published(demo, person, pipeline):
    ui = demo.ui
    admin = person("diskominfo")
    tomorrow_nine = (datetime.now(ZONE) + timedelta(days=1)).strftime("%Y-%m-%dT09:00")
    post_id = pages.compose_post(admin, ui, organisation="Diskominfo Kota Balikpapan", title="Car free day",
                                 body=BODY, accounts=ACCOUNTS, publish_at=tomorrow_nine, x_text=X_TEXT,
                                 screenshot_as="composer")
    pages.expect_post_state(admin, ui, "Draft")
    pages.submit_for_review(admin, ui)

    reviewer = person("reviewer")
    reviewer.goto(f"/posts/{post_id}")
    expect(reviewer.get_by_role("button", name=ui("Approve this version"))).to_be_visible()
    screenshot(reviewer, "review")
    pages.approve(reviewer, ui, "Sudah sesuai.")
    pages.expect_post_state(reviewer, ui, "Scheduled")  # it had a time, so approval scheduled it
    for platform, handle in ACCOUNTS:
        expect(pages.target_row(reviewer, platform, handle)).to_contain_text(ui("Waiting"))
    assert record(demo.sim_url, action="publish") == []  # nothing goes out before its time

    # The reviewer brings it forward to this minute; the dispatcher and workers publish it at once.
    pages.set_publish_time(reviewer, ui, datetime.now(ZONE).strftime("%Y-%m-%dT%H:%M"))
    target_ids = list(db.session.scalars(db.select(PostTarget.id).where(PostTarget.post_id == post_id)))
    states = pipeline(target_ids, timeout=60)
    assert set(states.values()) == {TargetState.PUBLISHED}, states

    reviewer.reload()
    for platform, handle in ACCOUNTS:
        row = pages.target_row(reviewer, platform, handle)
        expect(row).to_contain_text(ui("Published"))
        expect(row.get_by_role("link", name=ui("View on the platform"))).to_be_visible()
    screenshot(reviewer, "post-published")

    published = {(e["platform"], e["account"]): e for e in record(demo.sim_url, action="publish")}
    assert set(published) == set(ACCOUNTS)  # exactly once on each account
    assert published[("facebook", "Diskominfo Balikpapan")]["text"] == BODY
    assert published[("x", "dishubbpp")]["text"] == X_TEXT  # X gets its own variant

    feed = reviewer.context.new_page()
    feed.goto(f"{demo.sim_url}/_sim/feed/facebook/Diskominfo Balikpapan")
    expect(feed.get_by_text(BODY)).to_be_visible()
    feed.goto(f"{demo.sim_url}/_sim/feed/x/diskominfobpp")
    expect(feed.get_by_text(X_TEXT)).to_be_visible()
    screenshot(feed, "simulator-feed-x")
