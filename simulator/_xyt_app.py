"""A tiny app serving only the X, YouTube and TikTok simulator blueprints (for their own tests).

The common simulator app mounts the same blueprints; `/_sim/xyt/feed/<platform>/<account>`
shows an account's feed to a person.
"""
from __future__ import annotations

from html import escape

from flask import Flask, Response

from simulator import tiktok, x, youtube
from simulator._xyt_state import XytSimState


def create_app(state: XytSimState | None = None) -> Flask:
    state = state or XytSimState()
    app = Flask(__name__)
    app.extensions["xyt_sim_state"] = state
    for module in (x, youtube, tiktok):
        app.register_blueprint(module.create_blueprint(state))

    @app.get("/_sim/xyt/feed/<platform>/<account>")
    def feed(platform: str, account: str) -> Response:
        with state.lock:
            entries = list(state.feeds.get(f"{platform}:{account}", []))
        items = "".join(f"<li><pre>{escape(repr(e.get('request')))}</pre></li>" for e in entries)
        return Response(f"<!doctype html><title>{escape(platform)} feed</title><h1>{escape(account)}</h1>"
                        f"<ol>{items}</ol>", mimetype="text/html")

    return app
