"""Page helpers: what a person does on one page, found by label, role and visible text (never CSS paths).

Every word is the English msgid passed through `ui` (the page's language, Bahasa Indonesia for the demo
users), so a changed template needs a change here only, not in the tests. Each helper waits for the page's
answer (a flash, a heading, a badge) before it returns.
"""
from __future__ import annotations

import re
from typing import Any

import pyotp
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser.support import Ui


def starts_with(text: str) -> re.Pattern[str]:
    """A name that starts with `text` (labels that carry a suffix, e.g. the time zone)."""
    return re.compile(rf"^\s*{re.escape(text)}")


def expect_flash(page: Page, ui: Ui, msgid: str, **params: object) -> None:
    expect(page.get_by_role("status").filter(has_text=ui(msgid, **params))).to_be_visible()


# -- signing in ------------------------------------------------------------------------------------


def sign_in(page: Page, ui: Ui, user: dict[str, Any]) -> None:
    """Password, then the TOTP code computed from the user's seed; ends on the start page."""
    from app.demo import DEMO_PASSWORD

    page.goto("/auth/login")
    page.get_by_label(ui("Email")).fill(user["email"])
    page.get_by_label(ui("Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=ui("Sign in")).click()
    expect(page.get_by_role("heading", name=ui("Two-step verification"))).to_be_visible()
    page.get_by_label(ui("Code from your authenticator app, or a recovery code")).fill(
        pyotp.TOTP(user["secret"]).now())
    page.get_by_role("button", name=ui("Verify")).click()
    expect(page.get_by_role("heading", name=ui("Welcome, %(name)s", name=user["name"]))).to_be_visible()


def open_menu(page: Page, ui: Ui, label: str) -> None:
    """Follow an entry of the main menu."""
    page.get_by_role("navigation", name=ui("Main menu")).get_by_role("link", name=ui(label), exact=True).click()


# -- composing and reviewing -----------------------------------------------------------------------


def account_checkbox(page: Page, platform: str, handle: str) -> Locator:
    """The "Publish to" choice of one account, labelled "<Platform> · <handle> (<organisation>)"."""
    from app.forms_common import PLATFORM_NAMES

    return page.get_by_role("checkbox", name=starts_with(f"{PLATFORM_NAMES[platform]} · {handle} ("))


def compose_post(page: Page, ui: Ui, *, organisation: str, title: str, body: str, accounts: list[tuple[str, str]],
                 publish_at: str, x_text: str | None = None, screenshot_as: str | None = None) -> int:
    """Write a post for `organisation` from the start page's "Write a new post", save it; returns its id.

    `publish_at` is a `datetime-local` value in the organisation's zone (as a person picks it).
    """
    page.goto("/")
    page.get_by_role("link", name=ui("Write a new post")).click()
    expect(page.get_by_role("heading", name=ui("New post"))).to_be_visible()
    chooser = page.get_by_label(ui("For which organisation?"))
    if chooser.count():  # an admin of several organisations picks one first
        chooser.select_option(label=organisation)
        page.get_by_role("button", name=ui("Continue")).click()
    expect(page.get_by_text(ui("Organisation: %(name)s", name=organisation))).to_be_visible()
    page.get_by_label(ui("Title (internal)")).fill(title)
    page.get_by_label(ui("Text"), exact=True).fill(body)
    for platform, handle in accounts:
        account_checkbox(page, platform, handle).check()
    if x_text is not None:
        page.get_by_label(ui("Text for %(platform)s", platform="X")).fill(x_text)
    page.get_by_label(ui("Publish at"), exact=True).fill(publish_at)
    if screenshot_as:
        from tests.e2e.browser.support import screenshot

        # the live preview (htmx) has caught up with the X text before the picture is taken
        last_text = x_text if x_text is not None else body
        expect(page.locator("#composer-check-body .preview-text").filter(has_text=last_text[:40]).first) \
            .to_be_visible()
        page.mouse.wheel(0, -100000)  # back to the top: the sticky preview then sits beside the form
        screenshot(page, screenshot_as)
    page.get_by_role("button", name=ui("Save draft")).click()
    expect_flash(page, ui, "The draft was saved.")
    return int(re.search(r"/posts/(\d+)", page.url).group(1))


def post_fact(page: Page, ui: Ui, term: str) -> Locator:
    """The value shown for `term` in the post's facts (e.g. "State")."""
    return page.get_by_role("term").filter(has_text=re.compile(rf"^{re.escape(ui(term))}$")) \
        .locator("xpath=following-sibling::dd[1]")


def expect_post_state(page: Page, ui: Ui, state_label: str) -> None:
    expect(post_fact(page, ui, "State")).to_contain_text(ui(state_label))


def submit_for_review(page: Page, ui: Ui) -> None:
    page.get_by_role("button", name=ui("Submit for review")).click()
    expect_flash(page, ui, "Saved.")
    expect_post_state(page, ui, "In review")


def approve(page: Page, ui: Ui, comment: str = "") -> None:
    page.get_by_label(ui("Comment (required when rejecting)")).fill(comment)
    page.get_by_role("button", name=ui("Approve this version")).click()
    expect_flash(page, ui, "Saved.")


def set_publish_time(page: Page, ui: Ui, local_value: str) -> None:
    """The review panel's "Publish at" (a reviewer moves an approved post's time)."""
    page.get_by_label(starts_with(ui("Publish at"))).fill(local_value)
    page.get_by_role("button", name=ui("Schedule"), exact=True).click()
    expect_flash(page, ui, "Saved.")


def target_row(page: Page, platform: str, handle: str) -> Locator:
    from app.forms_common import PLATFORM_NAMES

    return page.get_by_role("row").filter(has_text=f"{PLATFORM_NAMES[platform]} · {handle}")


# -- crisis hold -----------------------------------------------------------------------------------


def hold_banner(page: Page, ui: Ui, organisation: str, reason: str) -> Locator:
    text = ui("Publishing is on hold for %(name)s: %(reason)s", name=organisation, reason=reason)
    return page.get_by_role("alert").filter(has_text=text)


def start_hold(page: Page, ui: Ui, organisation: str, reason: str) -> None:
    """From the main menu: hold everything in `organisation` and below."""
    open_menu(page, ui, "Publishing hold")
    page.get_by_label(starts_with(ui("Organisation"))).select_option(label=organisation)
    page.get_by_label(starts_with(ui("Covers"))).select_option(label=ui("Everything in this organisation and below"))
    page.get_by_label(starts_with(ui("Reason"))).fill(reason)
    page.get_by_role("button", name=ui("Hold publishing")).click()
    expect_flash(page, ui, "Publishing is on hold.")
    expect(hold_banner(page, ui, organisation, reason)).to_be_visible()


def release_hold(page: Page, ui: Ui, reason: str) -> None:
    """On the holds page: release the hold given for `reason` and resume every held post."""
    open_menu(page, ui, "Publishing hold")
    hold = page.get_by_role("listitem").filter(has_text=reason)
    hold.get_by_role("button", name=ui("Release and resume all")).click()
    expect_flash(page, ui, "The hold was released.")


# -- account security checklist --------------------------------------------------------------------


def open_account_security(page: Page, ui: Ui, platform: str, handle: str) -> None:
    open_menu(page, ui, "Account security")
    page.get_by_role("link", name=f"{platform} @{handle}", exact=True).click()
    expect(page.get_by_role("heading", name=f"{platform} · @{handle}")).to_be_visible()


def checklist_row(page: Page, item_id: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=item_id, exact=True))


def attest(page: Page, ui: Ui, item_id: str, checked_on: str, note: str, evidence: bytes) -> None:
    """On the account's checklist: attest `item_id` with a PNG screenshot as evidence."""
    checklist_row(page, item_id).get_by_role("link", name=ui("Attest")).click()
    expect(page.get_by_role("heading", name=starts_with(ui("Attest a checklist item")))).to_be_visible()
    expect(page.get_by_label(ui("Checklist item"))).to_have_value(item_id)
    page.get_by_label(ui("Date the evidence was taken")).fill(checked_on)
    page.get_by_label(ui("Note")).fill(note)
    page.get_by_label(ui("Evidence (PNG, JPEG or PDF screenshot or document)")).set_input_files(
        files=[{"name": "bukti-2fa.png", "mimeType": "image/png", "buffer": evidence}])
    page.get_by_role("button", name=ui("Submit for review")).click()
    expect_flash(page, ui, "Attestation submitted for review.")


def review_attestation(page: Page, ui: Ui, platform: str, handle: str, item_id: str, comment: str) -> None:
    """From the security overview's review queue: accept the pending attestation of `item_id`."""
    open_menu(page, ui, "Account security")
    page.get_by_role("link", name=ui("Review queue")).click()
    row = page.get_by_role("row").filter(has_text=f"{platform} @{handle}").filter(has_text=item_id)
    row.get_by_role("link", name=ui("Review"), exact=True).click()
    page.get_by_role("radio", name=ui("Accept")).check()
    page.get_by_label(ui("Comment"), exact=True).fill(comment)
    page.get_by_role("button", name=ui("Save review")).click()
    expect_flash(page, ui, "Review saved.")
