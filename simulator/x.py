"""Simulated X API v2: OAuth 2.0 + PKCE, users, tweets, v2 chunked media upload.

Mounted at /x; registered as the "x" family of the simulator. Fault names (the `preset`
of POST /_sim/faults) on endpoints x.token, x.users_me, x.users_by_username, x.timeline, x.media_initialize,
x.media_append, x.media_finalize, x.media_status, x.tweets: rate_limit (429 + x-rate-limit-*),
unauthorized (401), duplicate (403), server_error (503), timeout (answers after 2 s, and
still publishes: the client has given up, the post exists); "failed" on x.media_processing.
"""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from typing import Any

from flask import Blueprint, Flask, jsonify, make_response, request
from werkzeug.wrappers import Response

from adapters.x import count_text
from simulator import people
from simulator.consent import consent
from simulator.control import fault_response, take_fault
from simulator.state import SEEDED_TOKEN_LIFETIME, SimState

SCOPE = "tweet.read tweet.write users.read media.write offline.access"
#: Fault names (POST /_sim/faults {"endpoint": "x.<name>", "preset": ...}).
USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
FAULT_NAMES = frozenset({"rate_limit", "unauthorized", "duplicate", "server_error", "timeout", "failed"})
#: (user id, username, name, verified_type, access token, refresh token) seeded in the simulator.
DEMO_ACCOUNTS: list[tuple[str, str, str, str, str, str]] = [
    ("1001", "pemkot_demo", "Pemkot Demo", "government", "sim-x-token-pemkot", "sim-x-refresh-pemkot"),
    ("1500000000000001", "diskominfobpp", "Diskominfo Balikpapan", "government", "sim-x-token-diskominfo",
     "sim-x-refresh-diskominfo"),
    ("1500000000000002", "dishubbpp", "Dinas Perhubungan Balikpapan", "none", "sim-x-token-dishub",
     "sim-x-refresh-dishub"),
]


def _problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    resp = jsonify({"title": title, "detail": detail, "type": "about:blank", "status": status})
    resp.status_code = status
    resp.headers.update(headers or {})
    return resp


def _fault(state: SimState, endpoint: str) -> Response | None:
    fault = take_fault(state, endpoint)
    name = fault.name if fault is not None else None
    if name == "rate_limit":
        reset = str(int(time.time()) + 900)
        return _problem(429, "Too Many Requests", "Too Many Requests",
                        {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset})
    if name == "unauthorized":
        return _problem(401, "Unauthorized", "Unauthorized")
    if name == "duplicate":
        return _problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
    if name == "server_error":
        return _problem(503, "Service Unavailable", "Service Unavailable")
    if name == "timeout":
        time.sleep(2)
    generic = fault_response(fault)
    return None if generic is None else make_response(generic)


def _media_type(content_type: str) -> str:
    return "VIDEO" if content_type.startswith("video/") else "IMAGE"


def register(app: Flask, state: SimState) -> None:
    app.register_blueprint(create_blueprint(state))


def seed(state: SimState) -> None:
    """The demo X accounts, each with a long-lived access token and a refresh token (app/demo.py uses them)."""
    with state.lock:
        accounts = state.accounts.setdefault("x", {})
        for user_id, username, name, verified_type, access, refresh in DEMO_ACCOUNTS:
            accounts[user_id] = {"username": username, "name": name, "verified_type": verified_type}
            state.issue("x", user_id, tuple(SCOPE.split()), SEEDED_TOKEN_LIFETIME, access=access, refresh=refresh)


def create_blueprint(state: SimState) -> Blueprint:
    bp = Blueprint("sim_x", __name__, url_prefix="/x")

    def store(name: str) -> dict[str, dict[str, Any]]:
        return state.scratch("x").setdefault(name, {})  # looked up per request: /_sim/reset empties it

    def user() -> str | Response:
        header = request.headers.get("Authorization", "")
        account = state.account_for("x", header.removeprefix("Bearer "))
        return account if account else _problem(401, "Unauthorized", "Unauthorized")

    @bp.route("/i/oauth2/authorize", methods=["GET", "POST"])
    def authorize() -> Response:
        if request.values.get("code_challenge_method") != "S256" or not request.values.get("code_challenge"):
            return _problem(400, "Bad Request", "PKCE with S256 is required")
        return consent(state, "x", "Authorize Warta to access your X account?", request.values.get("scope", ""))

    @bp.post("/2/oauth2/token")
    def token() -> Response:
        if (fault := _fault(state, "x.token")) is not None:
            return fault
        form = request.form
        if form.get("grant_type") == "authorization_code":
            grant = state.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "").encode()
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            if not grant or grant.get("platform") != "x" or grant["challenge"] != challenge \
                    or grant["redirect_uri"] != form.get("redirect_uri"):
                return _oauth_error("invalid_request", "Value passed for the authorization code was invalid.")
            account = grant["account"]
        elif form.get("grant_type") == "refresh_token":
            with state.lock:
                old = state.refresh_tokens.pop(form.get("refresh_token", ""), None)  # rotated: the old one dies
            if not old or old["platform"] != "x":
                return _oauth_error("invalid_request", "Value passed for the token was invalid.")
            account = old["account"]
        else:
            return _oauth_error("unsupported_grant_type", "grant_type not supported")
        issued = state.issue("x", account, tuple(SCOPE.split()))
        return jsonify({"token_type": "bearer", "scope": SCOPE, **issued})

    def _oauth_error(error: str, description: str) -> Response:
        resp = jsonify({"error": error, "error_description": description})
        resp.status_code = 400
        return resp

    @bp.get("/2/users/me")
    def me() -> Response:
        if (fault := _fault(state, "x.users_me")) is not None:
            return fault
        account = user()
        if isinstance(account, Response):
            return account
        info = state.accounts["x"][account]
        return jsonify({"data": {"id": account, "name": info["name"], "username": info["username"],
                                 "profile_image_url": info.get("profile_image_url",
                                                               f"https://pbs.example/{account}.jpg"),
                                 "description": info.get("description", ""),
                                 "verified": info.get("verified_type", "none") != "none",
                                 "verified_type": info.get("verified_type", "none")}})

    @bp.get("/2/users/by/username/<username>")
    def user_by_username(username: str) -> Response:
        """A user by username; X answers 200 with a resource-not-found error when nobody has it."""
        if (fault := _fault(state, "x.users_by_username")) is not None:
            return fault
        account = user()
        if isinstance(account, Response):
            return account
        if not USERNAME.match(username):
            resp = jsonify({"errors": [{"parameters": {"username": [username]},
                                        "message": f"The `username` query parameter value [{username}] does not "
                                                   "match ^[A-Za-z0-9_]{1,15}$"}],
                            "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                            "type": "https://api.twitter.com/2/problems/invalid-request"})
            resp.status_code = 400
            return resp
        person = people.find(state, "x", username)
        if person is None:
            return jsonify({"errors": [{
                "value": username, "detail": f"Could not find user with username: [{username}].",
                "title": "Not Found Error", "resource_type": "user", "parameter": "username",
                "resource_id": username, "type": "https://api.twitter.com/2/problems/resource-not-found"}]})
        return jsonify({"data": {"id": person["id"], "name": person["name"], "username": person["username"]}})

    @bp.get("/2/users/<account_id>/tweets")
    def timeline(account_id: str) -> Response:
        if (fault := _fault(state, "x.timeline")) is not None:
            return fault
        account = user()
        if isinstance(account, Response):
            return account
        mine = [{"id": tid, "text": t["text"], "created_at": t["created_at"]}
                for tid, t in reversed(list(store("tweets").items())) if t["author"] == account_id]
        limit = int(request.args.get("max_results", 10))
        return jsonify({"data": mine[:limit], "meta": {"result_count": min(limit, len(mine))}})

    @bp.post("/2/media/upload/initialize")
    def media_initialize() -> Response:
        if (fault := _fault(state, "x.media_initialize")) is not None:
            return fault
        account = user()
        if isinstance(account, Response):
            return account
        body = request.get_json(silent=True) or {}
        if not body.get("media_type") or not isinstance(body.get("total_bytes"), int):
            return _problem(400, "Invalid Request", "media_type and total_bytes are required")
        media_id = str(10**18 + secrets.randbelow(10**17))
        store("media")[media_id] = {"owner": account, "total": body["total_bytes"], "type": body["media_type"],
                           "category": body.get("media_category", ""), "segments": {}, "state": "created", "polls": 0}
        return jsonify({"data": {"id": media_id, "media_key": f"3_{media_id}", "expires_after_secs": 86400}})

    @bp.post("/2/media/upload/<media_id>/append")
    def media_append(media_id: str) -> Response:
        if (fault := _fault(state, "x.media_append")) is not None:
            return fault
        item = store("media").get(media_id)
        if item is None or "media" not in request.files or "segment_index" not in request.form:
            return _problem(400, "Invalid Request", "media and segment_index are required")
        item["segments"][int(request.form["segment_index"])] = request.files["media"].read()
        return jsonify({"data": {"expires_at": int(time.time()) + 86400}})

    @bp.post("/2/media/upload/<media_id>/finalize")
    def media_finalize(media_id: str) -> Response:
        if (fault := _fault(state, "x.media_finalize")) is not None:
            return fault
        item = store("media").get(media_id)
        if item is None:
            return _problem(400, "Invalid Request", "Unknown media id")
        size = sum(len(s) for s in item["segments"].values())
        if size != item["total"]:
            return _problem(400, "Invalid Request", f"File size mismatch: got {size}, expected {item['total']}")
        data: dict[str, Any] = {"id": media_id, "media_key": f"3_{media_id}", "size": size}
        if item["category"] in ("tweet_video", "tweet_gif", "amplify_video"):
            item["state"] = "pending"
            data["processing_info"] = {"state": "pending", "check_after_secs": 1}
        else:
            item["state"] = "succeeded"
        return jsonify({"data": data})

    @bp.get("/2/media/upload")
    def media_status() -> Response:
        if (fault := _fault(state, "x.media_status")) is not None:
            return fault
        item = store("media").get(request.args.get("media_id", ""))
        if request.args.get("command") != "STATUS" or item is None:
            return _problem(400, "Invalid Request", "command=STATUS and a known media_id are required")
        if item["state"] in ("pending", "in_progress"):
            item["polls"] += 1
            if state.take_fault_name("x.media_processing") == "failed":
                item["state"] = "failed"
            elif item["polls"] >= state.processing_polls:
                item["state"] = "succeeded"
            else:
                item["state"] = "in_progress"
        info: dict[str, Any] = {"state": item["state"]}
        if item["state"] == "in_progress":
            info.update(check_after_secs=1, progress_percent=50)
        if item["state"] == "failed":
            info["error"] = {"code": 1, "name": "InvalidMedia", "message": "Unsupported video format"}
        return jsonify({"data": {"id": request.args["media_id"], "processing_info": info}})

    @bp.post("/2/media/metadata")
    def media_metadata() -> Response:
        body = request.get_json(silent=True) or {}
        item = store("media").get(str(body.get("id")))
        if item is None:
            return _problem(400, "Invalid Request", "Unknown media id")
        item["alt_text"] = body.get("metadata", {}).get("alt_text", {}).get("text", "")
        return jsonify({"data": {"associated_metadata": True}})

    @bp.post("/2/tweets")
    def create_tweet() -> Response:
        if (fault := _fault(state, "x.tweets")) is not None:
            return fault
        account = user()
        if isinstance(account, Response):
            return account
        body = request.get_json(silent=True) or {}
        text = body.get("text", "")
        if count_text(text) > 280:
            return _problem(400, "Invalid Request", "Your Tweet text is too long.")
        ids = (body.get("media") or {}).get("media_ids") or []
        media, tweets = store("media"), store("tweets")
        for mid in ids:
            if mid not in media or media[mid]["state"] != "succeeded":
                return _problem(400, "Invalid Request", f"Your media IDs are invalid: {mid}")
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply_to and reply_to not in tweets:
            return _problem(400, "Invalid Request", "The Tweet you are replying to does not exist.")
        with state.lock:  # concurrent posts: the duplicate check, the id and the insert are one step
            if any(t["text"] == text and t["author"] == account and text for t in tweets.values()):
                return _problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
            tweet_id = str(2 * 10**18 + len(tweets) + 1)
            tweets[tweet_id] = {"text": text, "author": account,
                                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}
        state.add_record({
            "platform": "x", "action": "publish", "account_id": account,
            "account": state.accounts["x"].get(account, {}).get("username", account), "remote_id": tweet_id,
            "kind": "reply" if reply_to else "tweet", "text": text,
            "media": [{"media_type": _media_type(media[m]["type"]), "url": None,
                       **{k: media[m].get(k) for k in ("type", "category", "total", "alt_text")}} for m in ids],
            "fields": {k: v for k, v in body.items() if k not in ("text", "media")}, "request": body})
        resp = jsonify({"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}})
        resp.status_code = 201
        return resp

    return bp
