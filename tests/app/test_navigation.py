"""The main menu shows each user only the pages their roles open (app.navigation)."""
from __future__ import annotations

import re

import pytest
from flask import Flask

from app.models import OrgKind, Role
from app.navigation import add_nav_entry, entries_for

EVERYONE = ["/calendar", "/activity/", "/posts", "/targets", "/accounts", "/organisations"]


def menu_links(html: str) -> list[str]:
    """The link targets of the wide main menu (the phone menu repeats the same links)."""
    block = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S)
    assert block is not None, "no main menu"
    return re.findall(r'href="([^"]+)"', block.group(1))


@pytest.fixture
def tree(factory):
    top = factory.org("Diskominfo Kota Ambon", kind=OrgKind.DISKOMINFO, timezone="Asia/Jayapura")
    opd = factory.org("Dinas Pariwisata", parent=top, timezone="Asia/Jayapura")
    return top, opd


@pytest.mark.parametrize(("where", "role", "extra"), [
    ("top", Role.ADMIN, ["/review", "/campaigns", "/connect/", "/influencers/", "/security/", "/holds",
                         "/admin/health", "/plugins"]),
    ("opd", Role.ADMIN, ["/review", "/campaigns", "/connect/", "/influencers/", "/security/", "/holds"]),
    ("opd", Role.REVIEWER, ["/review", "/influencers/"]),
    ("opd", Role.COORDINATOR, ["/influencers/"]),
    ("opd", Role.VIEWER, ["/influencers/"]),
    ("opd", Role.SECURITY_OFFICER, ["/security/"]),
])
def test_menu_per_role_and_every_entry_opens(browser, factory, tree, where, role, extra):
    top, opd = tree
    user = factory.user(top if where == "top" else opd, role.value)
    client = browser(user)
    html = client.get("/").get_data(as_text=True)
    links = menu_links(html)
    assert sorted(links) == sorted(EVERYONE + extra)
    assert links.index("/calendar") < links.index("/posts")
    for url in links:
        assert client.get(url).status_code == 200, url


def test_phone_menu_is_a_disclosure_with_the_same_links(browser, factory, tree):
    _top, opd = tree
    html = browser(factory.user(opd, "viewer")).get("/").get_data(as_text=True)
    phone = re.search(r'<details class="navmenu">(.*?)</details>', html, re.S)
    assert phone is not None and "<summary>Menu</summary>" in phone.group(1)
    assert sorted(re.findall(r'href="([^"]+)"', phone.group(1))) == sorted(menu_links(html))
    assert '<a class="skip-link" href="#main">Langsung ke isi</a>' in html and '<main id="main"' in html


def test_no_menu_for_visitors(browser):
    page = browser(None).get("/auth/login")
    assert page.status_code == 200 and "mainnav" not in page.get_data(as_text=True)
    assert entries_for(None) == []


def test_entry_roles_and_predicates(app: Flask, factory, tree):
    _top, opd = tree
    add_nav_entry(app, "main.index", "Hanya koordinator", 99, roles=["coordinator"])
    add_nav_entry(app, "main.index", "Hanya Pak Budi", 99, visible=lambda user: user.name == "Budi")
    coordinator = factory.user(opd, "coordinator", name="Ani")
    budi = factory.user(opd, "viewer", name="Budi")
    nobody = factory.user(name="Tanpa peran")
    shown = {u.name: {(e.endpoint, str(e.label)) for e in entries_for(u)} for u in (coordinator, budi, nobody)}
    only_coordinator, only_budi = ("main.index", "Hanya koordinator"), ("main.index", "Hanya Pak Budi")
    assert only_coordinator in shown["Ani"] and only_budi not in shown["Ani"]
    assert only_budi in shown["Budi"] and only_coordinator not in shown["Budi"]
    # Without any role: only the entries that name no role (their pages show nothing foreign).
    assert {endpoint for endpoint, _label in shown["Tanpa peran"]} == {
        "calendar.index", "activity.dashboard", "posts.index", "calendar_io.targets", "accounts.index", "orgs.tree"}


def test_one_entry_is_current_even_when_two_share_a_blueprint(browser, factory, tree):
    top, _opd = tree
    client = browser(factory.user(top, "admin"))
    for url in ("/holds", "/admin/health"):
        html = client.get(url).get_data(as_text=True)
        block = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S).group(1)
        assert re.findall(r'href="([^"]+)"[^>]*aria-current="page"', block) == [url]
