"""Shared end-to-end helpers: a simulator-backed app, OAuth connect through the real pages, JPEG bytes."""
from __future__ import annotations

import re
import struct
from urllib.parse import urlsplit

import httpx
import pytest
from flask import current_app


def jpeg(width: int, height: int) -> bytes:
    """A minimal JPEG header (SOI, APP0/JFIF, SOF0, EOI): enough for type sniffing and dimensions."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return (b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
            + b"\xff\xc0" + struct.pack(">H", len(sof0) + 2) + sof0 + b"\xff\xd9")


@pytest.fixture
def sim_app(app_config, sim_server):
    app_config["WARTA_SIMULATOR_URL"] = sim_server
    app_config["WARTA_PUBLIC_URL"] = "http://warta.test"
    from app import create_app

    application = create_app(app_config)
    for slug in ("instagram", "facebook"):
        application.config["WARTA_PLATFORMS"][slug].update(poll_interval=0.01, poll_max=5)
    return application


def connect(client, platform: str) -> str:
    """Drive /connect/<platform> → simulator dialog → approve → callback; returns the choose page HTML."""
    start = client.get(f"/connect/{platform}")
    assert start.status_code == 302
    dialog_url = start.headers["Location"]
    page = httpx.get(dialog_url)
    assert page.status_code == 200 and "Continue" in page.text
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    approved = httpx.post(dialog_url.split("?")[0], data={**hidden, "decision": "approve"})
    assert approved.status_code == 302
    back = urlsplit(approved.headers["Location"])
    assert back.netloc == urlsplit(current_app.config["WARTA_PUBLIC_URL"]).netloc
    assert back.path == f"/connect/{platform}/callback"
    callback = client.get(f"{back.path}?{back.query}")
    assert callback.status_code == 302, callback.text
    choose = client.get(callback.headers["Location"])
    assert choose.status_code == 200
    return choose.text, callback.headers["Location"]
