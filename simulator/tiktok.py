"""Simulated TikTok Content Posting API and OAuth v2 (rotating refresh tokens).

Mounted at /tiktok; registered as the "tiktok" family of the simulator. Endpoints:
tiktok.user_info, tiktok.creator_info, tiktok.video_init, tiktok.content_init, tiktok.status,
tiktok.video_list, tiktok.publish. Fault names: spam_risk (HTTP 200 on creator_info, 403 on init:
spam_risk_too_many_posts), token_invalid (401 access_token_invalid), rate_limit
(429 rate_limit_exceeded), server_error (500), privacy_mismatch (403), and on
"tiktok.publish" a fail_reason name (e.g. file_format_check_failed) that ends the publish FAILED.
Any other name on "tiktok.publish" is taken as a fail_reason.
`state.scratch("tiktok")["settings"]` holds `privacy_options` and, when set, `verified_prefixes`
(PULL_FROM_URL from elsewhere answers url_ownership_unverified).
"""
from __future__ import annotations

import re
import secrets
import time
from typing import Any

from flask import Blueprint, Flask, jsonify, make_response, request, url_for
from werkzeug.wrappers import Response

from simulator import audience
from simulator.consent import consent
from simulator.control import fault_response, take_fault
from simulator.state import SEEDED_TOKEN_LIFETIME, SimState

SCOPE = "user.info.basic,user.info.profile,video.publish,video.upload,video.list"
OPTIONS = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
#: (open_id, username, display name, access token, refresh token) seeded in the simulator.
DEMO_ACCOUNTS: list[tuple[str, str, str, str, str]] = [
    ("tt-open-1", "pemkot.demo", "Pemkot Demo", "sim-tiktok-token-pemkot", "sim-tiktok-refresh-pemkot"),
    ("tt-open-dishubbpp", "dishubbpp", "Dinas Perhubungan Balikpapan", "sim-tiktok-token-dishub",
     "sim-tiktok-refresh-dishub"),
]


def _answer(data: dict[str, Any] | None = None, code: str = "ok", message: str = "", status: int = 200) -> Response:
    resp = jsonify({"data": data or {}, "error": {"code": code, "message": message,
                                                  "log_id": secrets.token_hex(8)}})
    resp.status_code = status
    return resp


FAULTS = {
    "spam_risk": ("spam_risk_too_many_posts", "The user has reached the daily post cap.", 403),
    "token_invalid": ("access_token_invalid", "The access token is invalid or not found in the request.", 401),
    "scope": ("scope_not_authorized", "The user did not authorize the scope required.", 401),
    "rate_limit": ("rate_limit_exceeded", "The API rate limit was exceeded.", 429),
    "server_error": ("internal_error", "Internal error.", 500),
    "privacy_mismatch": ("privacy_level_option_mismatch", "privacy_level is not among the creator's options.", 403),
}
#: Fault names (POST /_sim/faults {"endpoint": "tiktok.<name>", "preset": ...}); any name on tiktok.publish.
FAULT_NAMES = frozenset(FAULTS)
FREE_FAULT_ENDPOINTS = frozenset({"tiktok.publish"})  # the name is the fail_reason the publish ends with


def register(app: Flask, state: SimState) -> None:
    app.register_blueprint(create_blueprint(state))


def seed(state: SimState) -> None:
    """The demo TikTok accounts, each with a long-lived access token and a refresh token (app/demo.py uses them)."""
    with state.lock:
        accounts = state.accounts.setdefault("tiktok", {})
        for open_id, username, display_name, access, refresh in DEMO_ACCOUNTS:
            accounts[open_id] = {"username": username, "display_name": display_name}
            state.issue("tiktok", open_id, tuple(SCOPE.split(",")), SEEDED_TOKEN_LIFETIME, access=access,
                        refresh=refresh)


def create_blueprint(state: SimState) -> Blueprint:
    bp = Blueprint("sim_tiktok", __name__, url_prefix="/tiktok")

    def publishes_store() -> dict[str, dict[str, Any]]:
        return state.scratch("tiktok").setdefault("publishes", {})  # per request: /_sim/reset empties it

    def settings_store() -> dict[str, Any]:
        return state.scratch("tiktok").setdefault("settings", {"privacy_options": list(OPTIONS)})

    def guard(endpoint: str) -> str | Response:
        fault = take_fault(state, endpoint)
        name = fault.name if fault is not None else None
        if name == "spam_risk" and endpoint == "tiktok.creator_info":
            return _answer(code="spam_risk_too_many_posts", message=FAULTS["spam_risk"][1], status=200)
        if name in FAULTS:
            code, message, status = FAULTS[name]
            return _answer(code=code, message=message, status=status)
        if (generic := fault_response(fault)) is not None:
            return make_response(generic)
        account = state.account_for("tiktok", request.headers.get("Authorization", "").removeprefix("Bearer "))
        if account is None:
            return _answer(code="access_token_invalid", message=FAULTS["token_invalid"][1], status=401)
        return account

    @bp.route("/v2/auth/authorize/", methods=["GET", "POST"])
    def authorize() -> Response:
        return consent(state, "tiktok", "Warta wants to access your TikTok account", request.values.get("scope", ""))

    @bp.post("/v2/oauth/token/")
    def token() -> Response:
        form = request.form
        if not form.get("client_key") or not form.get("client_secret"):
            return _oauth_error("invalid_client", "Client key or secret is incorrect.")
        if form.get("grant_type") == "authorization_code":
            grant = state.codes.pop(form.get("code", ""), None)
            if not grant or grant.get("platform") != "tiktok" or grant["redirect_uri"] != form.get("redirect_uri"):
                return _oauth_error("invalid_grant", "Authorization code is expired.")
            account = grant["account"]
        elif form.get("grant_type") == "refresh_token":
            with state.lock:
                old = state.refresh_tokens.pop(form.get("refresh_token", ""), None)  # rotation: old one dies
            if not old or old["platform"] != "tiktok":
                return _oauth_error("invalid_grant", "Refresh token is invalid or expired.")
            account = old["account"]
        else:
            return _oauth_error("invalid_request", "grant_type is invalid.")
        issued = state.issue("tiktok", account, tuple(SCOPE.split(",")))
        return jsonify({"open_id": account, "scope": SCOPE, "token_type": "Bearer",
                        "refresh_expires_in": 15552000, **issued})

    def _oauth_error(error: str, description: str) -> Response:
        resp = jsonify({"error": error, "error_description": description, "log_id": secrets.token_hex(8)})
        resp.status_code = 400
        return resp

    @bp.get("/v2/user/info/")
    def user_info() -> Response:
        account = guard("tiktok.user_info")
        if isinstance(account, Response):
            return account
        info = state.accounts["tiktok"][account]
        user = {"open_id": account, "union_id": f"u-{account}",
                "avatar_url": info.get("avatar_url", f"https://p16.example/{account}.jpg"),
                "display_name": info["display_name"], "bio_description": info.get("bio_description", ""),
                "is_verified": bool(info.get("is_verified", False)),
                "username": info["username"], **audience.tiktok_user_stats(state, account)}
        fields = request.args.get("fields", "").split(",")
        return _answer({"user": {k: v for k, v in user.items() if k in fields}})

    @bp.post("/v2/post/publish/creator_info/query/")
    def creator_info() -> Response:
        account = guard("tiktok.creator_info")
        if isinstance(account, Response):
            return account
        info = state.accounts["tiktok"][account]
        return _answer({"creator_avatar_url": f"https://p16.example/{account}.jpg",
                        "creator_username": info["username"], "creator_nickname": info["display_name"],
                        "privacy_level_options": settings_store()["privacy_options"], "comment_disabled": False,
                        "duet_disabled": False, "stitch_disabled": True, "max_video_post_duration_sec": 300})

    def _start(account: str, body: dict[str, Any], kind: str) -> Response:
        settings, publishes = settings_store(), publishes_store()
        post_info = body.get("post_info") or {}
        source = body.get("source_info") or {}
        if post_info.get("privacy_level") not in settings["privacy_options"]:
            return _answer(code="privacy_level_option_mismatch", message=FAULTS["privacy_mismatch"][1], status=403)
        publish_id = f"v_pub_{kind}~v2.{secrets.randbelow(10**15)}"
        entry: dict[str, Any] = {"account": account, "kind": kind, "request": body, "polls": 0, "received": 0,
                                 "status": "PROCESSING_DOWNLOAD"}
        data: dict[str, Any] = {"publish_id": publish_id}
        if source.get("source") == "FILE_UPLOAD":
            size, chunk, count = source.get("video_size"), source.get("chunk_size"), source.get("total_chunk_count")
            if not all(isinstance(v, int) and v > 0 for v in (size, chunk, count)) or count != max(1, size // chunk):
                return _answer(code="invalid_param", message="total_chunk_count does not match", status=400)
            entry.update(status="PROCESSING_UPLOAD", size=size)
            data["upload_url"] = url_for("sim_tiktok.upload", publish_id=publish_id, _external=True)
        elif source.get("source") == "PULL_FROM_URL":
            urls = [source.get("video_url")] if kind == "video" else list(source.get("photo_images") or [])
            verified = settings.get("verified_prefixes")
            if verified is not None and not all(str(u).startswith(tuple(verified)) for u in urls):
                return _answer(code="url_ownership_unverified", status=403,
                               message="Please review our URL ownership verification rules.")
        else:
            return _answer(code="invalid_param", message="source_info.source is invalid", status=400)
        publishes[publish_id] = entry
        return _answer(data)

    @bp.post("/v2/post/publish/video/init/")
    def video_init() -> Response:
        account = guard("tiktok.video_init")
        if isinstance(account, Response):
            return account
        return _start(account, request.get_json(silent=True) or {}, "video")

    @bp.post("/v2/post/publish/content/init/")
    def content_init() -> Response:
        account = guard("tiktok.content_init")
        if isinstance(account, Response):
            return account
        body = request.get_json(silent=True) or {}
        images = (body.get("source_info") or {}).get("photo_images") or []
        if body.get("media_type") != "PHOTO" or not 1 <= len(images) <= 35:
            return _answer(code="invalid_param", message="photo_images must hold 1 to 35 URLs", status=400)
        return _start(account, body, "photo")

    @bp.put("/_upload/<publish_id>")
    def upload(publish_id: str) -> Response:
        entry = publishes_store().get(publish_id)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers.get("Content-Range", ""))
        if entry is None:
            return Response("upload url expired", status=403)
        if not match or int(match[1]) != entry["received"] or int(match[3]) != entry["size"] \
                or int(match[2]) - int(match[1]) + 1 != len(request.get_data()):
            return Response("range mismatch", status=416)
        entry["received"] = int(match[2]) + 1
        if entry["received"] < entry["size"]:
            return Response(status=206)
        entry["status"] = "PROCESSING_DOWNLOAD"
        return Response(status=201)

    @bp.post("/v2/post/publish/status/fetch/")
    def status_fetch() -> Response:
        account = guard("tiktok.status")
        if isinstance(account, Response):
            return account
        publish_id = (request.get_json(silent=True) or {}).get("publish_id", "")
        entry = publishes_store().get(publish_id)
        if entry is None or entry["account"] != account:
            return _answer(code="invalid_publish_id", message="publish_id does not exist", status=400)
        if entry["status"] == "PROCESSING_DOWNLOAD":
            entry["polls"] += 1
            reason = state.take_fault_name("tiktok.publish")
            if reason:
                entry.update(status="FAILED", fail_reason=reason)
            elif entry["polls"] >= state.processing_polls:
                entry["status"] = "PUBLISH_COMPLETE"
                post_id = str(7 * 10**18 + secrets.randbelow(10**17))
                privacy = entry["request"]["post_info"]["privacy_level"]
                entry["public_ids"] = [post_id] if privacy == "PUBLIC_TO_EVERYONE" else []
                entry["post_id"] = post_id
                post_info, source = entry["request"]["post_info"], entry["request"].get("source_info") or {}
                urls = ([source["video_url"]] if source.get("video_url") else list(source.get("photo_images") or []))
                media_type = "VIDEO" if entry["kind"] == "video" else "IMAGE"
                state.add_record({
                    "platform": "tiktok", "action": "publish", "account_id": account,
                    "account": state.accounts["tiktok"].get(account, {}).get("username", account),
                    "remote_id": post_id, "kind": entry["kind"],
                    "text": post_info.get("description") or post_info.get("title", ""),
                    "media": [{"media_type": media_type, "url": u} for u in urls]
                    or [{"media_type": media_type, "url": None, "bytes": entry["received"]}],
                    "fields": {**{k: v for k, v in post_info.items() if k not in ("title", "description")},
                               "source": source.get("source")},
                    "publish_id": publish_id, "request": entry["request"], "uploaded_bytes": entry["received"]})
        data: dict[str, Any] = {"status": entry["status"], "uploaded_bytes": entry["received"]}
        if entry["status"] == "FAILED":
            data["fail_reason"] = entry["fail_reason"]
        if entry["status"] == "PUBLISH_COMPLETE":
            data["publicaly_available_post_id"] = entry["public_ids"]
        return _answer(data)

    @bp.post("/v2/video/list/")
    def video_list() -> Response:
        account = guard("tiktok.video_list")
        if isinstance(account, Response):
            return account
        videos = [{"id": e["post_id"], "title": e["request"]["post_info"].get("title", ""),
                   "video_description": e["request"]["post_info"].get("description")
                   or e["request"]["post_info"].get("title", ""),
                   "share_url": f"https://www.tiktok.com/@{account}/video/{e['post_id']}",
                   "create_time": int(time.time())}
                  for e in publishes_store().values() if e["account"] == account and e.get("post_id")]
        count = int((request.get_json(silent=True) or {}).get("max_count", 20))
        return _answer({"videos": videos[::-1][:count], "cursor": 0, "has_more": len(videos) > count})

    return bp
