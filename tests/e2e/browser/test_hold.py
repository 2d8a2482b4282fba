"""In a browser: a crisis hold stops a due post (held, not published, banner on every page); releasing
it with "resume all" lets the post go out."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from app.extensions import db
from app.models import Post, PostTarget, TargetState, User, utcnow
from app.publishing import lifecycle
from tests.e2e.browser import pages
from tests.e2e.browser.support import ONE_BACKEND, screenshot
from tests.simulator.server import record

pytestmark = ONE_BACKEND

ORG = "Diskominfo Kota Balikpapan"
REASON = "Siaga banjir: semua unggahan ditunda sampai ada arahan pimpinan."


def _approved_post_due_now(demo) -> tuple[int, int]:
    """A post on Diskominfo's Facebook Page, approved and due now (set up without the browser)."""
    author = db.session.get(User, demo.users["diskominfo"]["id"])
    reviewer = db.session.get(User, demo.users["reviewer"]["id"])
    post = Post(organisation_id=demo.organisations[ORG], author=author, title="Jadwal vaksinasi",
                body="Vaksinasi gratis di Puskesmas Klandasan Ilir hari ini.", variants={})
    target = PostTarget(post=post, account_id=demo.accounts[("facebook", "Diskominfo Balikpapan")])
    db.session.add_all([post, target])
    db.session.flush()
    lifecycle.set_publish_time(post, utcnow() - timedelta(seconds=1))
    lifecycle.submit(post, author)
    lifecycle.approve(post, reviewer)
    db.session.commit()
    return post.id, target.id


def test_hold_stops_a_due_post_and_release_resumes_it(demo, person, pipeline):
    ui = demo.ui
    post_id, target_id = _approved_post_due_now(demo)
    admin = person("diskominfo")
    pages.start_hold(admin, ui, ORG, REASON)
    screenshot(admin, "hold")

    assert pipeline([target_id]) == {target_id: TargetState.HELD}
    admin.goto(f"/posts/{post_id}")
    expect(pages.hold_banner(admin, ui, ORG, REASON)).to_be_visible()  # the banner is on every page
    row = pages.target_row(admin, "facebook", "Diskominfo Balikpapan")
    expect(row).to_contain_text(ui("Held"))
    assert record(demo.sim_url, action="publish") == []

    pages.release_hold(admin, ui, REASON)
    expect(pages.hold_banner(admin, ui, ORG, REASON)).to_have_count(0)
    assert pipeline([target_id]) == {target_id: TargetState.PUBLISHED}
    admin.goto(f"/posts/{post_id}")
    expect(row).to_contain_text(ui("Published"))
    assert [e["account"] for e in record(demo.sim_url, action="publish")] == ["Diskominfo Balikpapan"]
