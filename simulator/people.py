"""Other people's accounts on the simulated platforms (influencers), found by handle, and their invites.

Registered as the "people" family. `seed(state)` adds public accounts Warta does not manage, which
the lookups answer besides the demo accounts:

- X `GET /x/2/users/by/username/<username>` (in simulator/x.py),
- YouTube `channels.list(forHandle=@handle)` (in simulator/youtube.py),
- Instagram Business Discovery `GET /<ig-user-id>?fields=business_discovery.username(<u>){...}`
  (simulator/graph.py hands it to `business_discovery` here): business and creator accounts only,
  a personal account answers like a missing one (code 110, subcode 2207013), as Meta does.

Control: `POST /_sim/collaborators {"media_id", "username", "invite_status"}` sets what
`GET /<ig-media-id>/collaborators` reports for one invited collaborator ("Pending" until changed;
"Accepted" or "Declined", as the invitee would tap in the app).
"""
from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Blueprint, Flask, request
from flask.typing import ResponseReturnValue

from simulator.state import SimState

#: (platform, user id, username, display name, business/creator account) seeded as public people.
PEOPLE: list[tuple[str, str, str, str, bool]] = [
    ("x", "2000000000000001", "rina_jalanjalan", "Rina Jalan-Jalan", True),
    ("x", "2000000000000002", "kulinerbpp", "Kuliner Balikpapan", True),
    ("youtube", "UCsimRinaJalanJalan0001", "@rinajalanjalan", "Rina Jalan-Jalan", True),
    ("instagram", "178400000009001", "rina.jalanjalan", "Rina Jalan-Jalan", True),
    ("instagram", "178400000009002", "kuliner.bpp", "Kuliner Balikpapan", True),
    ("instagram", "178400000009003", "budi.pribadi", "Budi (personal account)", False),
    # The demo registry's influencers (app/influencers/demo.py), so "Resolve again" works in `make run`.
    ("instagram", "17841400000000001", "rina.bpp", "Rina Balikpapan", True),
    ("instagram", "178400000009004", "sepeda.bpp", "Komunitas Sepeda BPP", True),
    ("x", "2000000000000003", "sepedabpp", "Komunitas Sepeda BPP", True),
]
INVITE_STATUSES = ("Pending", "Accepted", "Declined")
DISCOVERY = re.compile(r"^business_discovery\.username\(([^)]*)\)(?:\{([^}]*)\})?$")


def _people(state: SimState) -> dict[str, dict[str, dict[str, Any]]]:
    """platform -> lower-case username -> {id, username, name, business}."""
    return state.scratch("people").setdefault("users", {})


def _invites(state: SimState) -> dict[str, dict[str, str]]:
    """IG media id -> lower-case username -> invite status."""
    return state.scratch("people").setdefault("invites", {})


def seed(state: SimState) -> None:
    with state.lock:
        users = _people(state)
        for platform, user_id, username, name, business in PEOPLE:
            users.setdefault(platform, {})[username.lower()] = {"id": user_id, "username": username, "name": name,
                                                                "business": business}


def find(state: SimState, platform: str, username: str) -> dict[str, Any] | None:
    """A public person, or one of the platform's demo accounts, by username (case-insensitive)."""
    wanted = username.lower()
    with state.lock:
        person = _people(state).get(platform, {}).get(wanted)
        if person is not None:
            return dict(person)
        if platform == "instagram":
            for obj in state.objects.values():
                if obj["kind"] == "ig_user" and str(obj.get("username", "")).lower() == wanted:
                    return {"id": obj["id"], "username": obj["username"], "name": obj.get("name", ""),
                            "business": True}
            return None
        key = "customUrl" if platform == "youtube" else "username"
        for account_id, info in state.accounts.get(platform, {}).items():
            if str(info.get(key, "")).lower() == wanted:
                return {"id": account_id, "username": info[key], "name": info.get("name") or info.get("title", ""),
                        "business": True}
    return None


def business_discovery(state: SimState, ig_user: dict[str, Any], fields: str) -> ResponseReturnValue:
    """The answer to `GET /<ig-user-id>?fields=business_discovery.username(<u>){<fields>}`."""
    match = DISCOVERY.match(fields.strip())
    if match is None:
        return _graph_error("(#100) Tried accessing nonexisting field (business_discovery)", 100, None,
                            "Invalid field", "")
    username = match.group(1).strip()
    person = find(state, "instagram", username)
    if person is None or not person["business"]:
        return _graph_error("Invalid user id", 110, 2207013, "Cannot find User",
                            f"The user with username: {username} cannot be found.")
    wanted = [f.strip() for f in (match.group(2) or "id").split(",") if f.strip()]
    view = {"id": person["id"], "username": person["username"], "name": person["name"],
            "followers_count": 1200, "media_count": 42}
    return {"business_discovery": {k: view[k] for k in ["id", *wanted] if k in view}, "id": ig_user["id"]}


def invite_status(state: SimState, media_id: str, username: str) -> str:
    with state.lock:
        return _invites(state).get(media_id, {}).get(username.lower(), "Pending")


def _graph_error(message: str, code: int, subcode: int | None, title: str, user_msg: str) -> ResponseReturnValue:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "is_transient": False,
                             "fbtrace_id": secrets.token_urlsafe(8)}
    if subcode is not None:
        error.update(error_subcode=subcode, error_user_title=title, error_user_msg=user_msg)
    return {"error": error}, 400


def register(app: Flask, state: SimState) -> None:
    bp = Blueprint("sim_people", __name__, url_prefix="/_sim")

    @bp.post("/collaborators")
    def set_invite() -> ResponseReturnValue:
        """The invited collaborator accepts or declines (or the invite is pending again)."""
        spec = request.get_json(force=True) or {}
        media_id, username = str(spec.get("media_id", "")), str(spec.get("username", "")).lstrip("@")
        status = str(spec.get("invite_status", ""))
        if status not in INVITE_STATUSES:
            return {"error": f"invite_status must be one of {list(INVITE_STATUSES)}"}, 400
        with state.lock:
            media = state.objects.get(media_id)
            if media is None or media["kind"] != "ig_media":
                return {"error": f"no Instagram media {media_id!r}"}, 404
            if username.lower() not in {str(c).lower() for c in media.get("collaborators") or []}:
                return {"error": f"{username!r} was not invited on media {media_id}"}, 404
            _invites(state).setdefault(media_id, {})[username.lower()] = status
        return {"media_id": media_id, "username": username, "invite_status": status}

    app.register_blueprint(bp)
