"""Simulated YouTube Data API v3 (resumable videos.insert, channels, playlistItems, thumbnails) and Google OAuth.

Mounted at /youtube (the adapter's root URL is <simulator>/youtube/); registered as the
"youtube" family of the simulator. Endpoints: youtube.channels, youtube.playlist_items,
youtube.videos_insert, youtube.thumbnails, youtube.chunk, youtube.token. Fault names:
quota (403 quotaExceeded), upload_limit (400 uploadLimitExceeded), forbidden (403),
unauthorized (401), server_error (503) on "youtube.videos_insert"; server_error on
"youtube.chunk" (a chunk is lost, the client must resume); invalid_grant on "youtube.token".
"""
from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from flask import Blueprint, Flask, jsonify, make_response, request, url_for
from werkzeug.wrappers import Response

from simulator import audience, people
from simulator.consent import consent
from simulator.control import fault_response, take_fault
from simulator.state import SEEDED_TOKEN_LIFETIME, SimState

SCOPE = "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly"
#: (channel id, title, custom URL, access token, refresh token) seeded in the simulator.
DEMO_ACCOUNTS: list[tuple[str, str, str, str, str]] = [
    ("UCdemo0001", "Pemkot Demo TV", "@pemkotdemo", "sim-youtube-token-pemkot", "sim-youtube-refresh-pemkot"),
    ("UCsimBpbdBalikpapan0001", "BPBD Balikpapan", "@bpbdbalikpapan", "sim-youtube-token-bpbd",
     "sim-youtube-refresh-bpbd"),
]
ERRORS = {
    "quota": (403, "quotaExceeded", "youtube.quota", "The request cannot be completed because you have exceeded "
              "your quota."),
    "upload_limit": (400, "uploadLimitExceeded", "youtube.video", "The user has exceeded the number of videos "
                     "they may upload."),
    "forbidden": (403, "forbidden", "youtube.video", "Access forbidden."),
    "unauthorized": (401, "authError", "global", "Invalid Credentials"),
    "server_error": (503, "backendError", "global", "Backend Error"),
}
#: Fault names (POST /_sim/faults {"endpoint": "youtube.<name>", "preset": ...}).
FAULT_NAMES = frozenset({*ERRORS, "invalid_grant"})


def _error(status: int, reason: str, domain: str, message: str) -> Response:
    resp = jsonify({"error": {"code": status, "message": message,
                              "errors": [{"message": message, "domain": domain, "reason": reason}]}})
    resp.status_code = status
    return resp


def register(app: Flask, state: SimState) -> None:
    app.register_blueprint(create_blueprint(state))


def seed(state: SimState) -> None:
    """The demo channels, each with a long-lived access token and a refresh token (app/demo.py uses them)."""
    with state.lock:
        accounts = state.accounts.setdefault("youtube", {})
        for channel_id, title, custom_url, access, refresh in DEMO_ACCOUNTS:
            accounts[channel_id] = {"title": title, "customUrl": custom_url}
            state.issue("youtube", channel_id, tuple(SCOPE.split()), SEEDED_TOKEN_LIFETIME, access=access,
                        refresh=refresh)


def create_blueprint(state: SimState) -> Blueprint:
    bp = Blueprint("sim_youtube", __name__, url_prefix="/youtube")

    def store(name: str) -> dict[str, dict[str, Any]]:
        return state.scratch("youtube").setdefault(name, {})  # looked up per request: /_sim/reset empties it

    def guard(endpoint: str) -> str | Response:
        fault = take_fault(state, endpoint)
        name = fault.name if fault is not None else None
        if name in ERRORS:
            return _error(*ERRORS[name])
        if (generic := fault_response(fault)) is not None:
            return make_response(generic)
        account = state.account_for("youtube", request.headers.get("Authorization", "").removeprefix("Bearer "))
        return account if account else _error(*ERRORS["unauthorized"])

    @bp.route("/o/oauth2/v2/auth", methods=["GET", "POST"])
    def authorize() -> Response:
        return consent(state, "youtube", "Sign in with Google: Warta wants to manage your YouTube videos",
                       request.values.get("scope", ""))

    @bp.post("/token")
    def token() -> Response:
        form = request.form
        if state.take_fault_name("youtube.token") == "invalid_grant":
            return _oauth_error("invalid_grant", "Token has been expired or revoked.")
        if form.get("grant_type") == "authorization_code":
            grant = state.codes.pop(form.get("code", ""), None)
            if not grant or grant.get("platform") != "youtube" or grant["redirect_uri"] != form.get("redirect_uri"):
                return _oauth_error("invalid_grant", "Malformed auth code.")
            return jsonify({"token_type": "Bearer", "scope": SCOPE,
                            **state.issue("youtube", grant["account"], tuple(SCOPE.split()), 3599)})
        if form.get("grant_type") == "refresh_token":
            with state.lock:
                old = state.refresh_tokens.get(form.get("refresh_token", ""))  # Google keeps refresh tokens
            if not old or old["platform"] != "youtube":
                return _oauth_error("invalid_grant", "Token has been expired or revoked.")
            issued = state.issue("youtube", old["account"], old["scopes"], 3599)
            with state.lock:
                state.refresh_tokens.pop(issued.pop("refresh_token"))
            return jsonify({"token_type": "Bearer", "scope": SCOPE, **issued})
        return _oauth_error("unsupported_grant_type", "Invalid grant_type")

    def _oauth_error(error: str, description: str) -> Response:
        resp = jsonify({"error": error, "error_description": description})
        resp.status_code = 400
        return resp

    @bp.route("/tokeninfo", methods=["GET", "POST"])
    def tokeninfo() -> Response:
        with state.lock:
            grant = state.tokens.get(request.values.get("access_token", ""))
        if grant is None or grant.get("platform") != "youtube" or grant["expires_at"] < time.time():
            return _oauth_error("invalid_token", "Invalid Value")
        return jsonify({"azp": "warta", "aud": "warta", "sub": grant["account"], "scope": " ".join(grant["scopes"]),
                        "exp": str(int(grant["expires_at"])),
                        "expires_in": str(int(grant["expires_at"] - time.time())),
                        "access_type": "offline"})

    @bp.get("/youtube/v3/channels")
    def channels() -> Response:
        account = guard("youtube.channels")
        if isinstance(account, Response):
            return account
        if "forHandle" in request.args:
            return _channel_for_handle(request.args["forHandle"])
        info = state.accounts["youtube"][account]
        return jsonify({"kind": "youtube#channelListResponse", "items": [{
            "kind": "youtube#channel", "id": account,
            "snippet": {"title": info["title"], "customUrl": info["customUrl"],
                        "description": info.get("description", ""),
                        "thumbnails": {"default": {"url": info.get("thumbnail_url",
                                                                   f"https://yt3.example/{account}.jpg")}}},
            "status": {"privacyStatus": "public", "longUploadsStatus": "allowed"},
            "contentDetails": {"relatedPlaylists": {"uploads": "UU" + account[2:]}},
            **audience.youtube_channel_statistics(state, account)}]})

    def _channel_for_handle(handle: str) -> Response:
        """channels.list(forHandle=...): the channel with that handle ("@" optional), else no `items`."""
        person = people.find(state, "youtube", "@" + handle.lstrip("@"))
        page = {"totalResults": 1 if person else 0, "resultsPerPage": 5}
        body: dict[str, Any] = {"kind": "youtube#channelListResponse", "etag": secrets.token_hex(8), "pageInfo": page}
        if person is not None:
            body["items"] = [{"kind": "youtube#channel", "etag": secrets.token_hex(8), "id": person["id"],
                              "snippet": {"title": person["name"], "customUrl": person["username"].lower(),
                                          "description": ""}}]
        return jsonify(body)

    @bp.get("/youtube/v3/playlistItems")
    def playlist_items() -> Response:
        account = guard("youtube.playlist_items")
        if isinstance(account, Response):
            return account
        items = [{"kind": "youtube#playlistItem", "snippet": {
            "title": v["snippet"]["title"], "description": v["snippet"].get("description", ""),
            "resourceId": {"kind": "youtube#video", "videoId": vid}}}
            for vid, v in reversed(list(store("videos").items())) if v["channel"] == account]
        return jsonify({"kind": "youtube#playlistItemListResponse",
                        "items": items[:int(request.args.get("maxResults", 5))]})

    @bp.post("/upload/youtube/v3/videos")
    def insert_start() -> Response:
        account = guard("youtube.videos_insert")
        if isinstance(account, Response):
            return account
        if request.args.get("uploadType") != "resumable":
            return _error(400, "invalidParameter", "global", "Only resumable uploads are simulated")
        body = request.get_json(silent=True) or {}
        title = (body.get("snippet") or {}).get("title", "")
        if not title or len(title) > 100:
            return _error(400, "invalidTitle", "youtube.video", "The request metadata specifies an invalid title.")
        upload_id = secrets.token_urlsafe(12)
        store("sessions")[upload_id] = {"account": account, "body": body, "parts": request.args.get("part", ""),
                               "total": int(request.headers.get("X-Upload-Content-Length", "0") or 0),
                               "data": bytearray()}
        resp = Response(status=200)
        resp.headers["Location"] = url_for("sim_youtube.insert_chunk", uploadType="resumable", upload_id=upload_id,
                                           _external=True)
        return resp

    @bp.put("/upload/youtube/v3/videos")
    def insert_chunk() -> Response:
        sessions, videos = store("sessions"), store("videos")
        session = sessions.get(request.args.get("upload_id", ""))
        if session is None:
            return _error(404, "notFound", "global", "Upload session not found")
        content_range = request.headers.get("Content-Range", "")
        received = len(session["data"])
        status_query = re.fullmatch(r"bytes \*/(\d+|\*)", content_range)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
        if match and int(match[1]) == received and state.take_fault_name("youtube.chunk") != "server_error":
            session["data"].extend(request.get_data())
            session["total"] = int(match[3])
        elif match and int(match[1]) == received:
            return _error(*ERRORS["server_error"])  # the chunk is lost: the client must ask where to resume
        elif not status_query and not match:
            return _error(400, "badContent", "global", "Content-Range is required")
        if len(session["data"]) < session["total"] or (status_query and len(session["data"]) < session["total"]):
            resp = Response(status=308)
            if session["data"]:
                resp.headers["Range"] = f"bytes=0-{len(session['data']) - 1}"
            return resp
        video_id = secrets.token_urlsafe(8).replace("-", "x").replace("_", "y")[:11]
        body = json.loads(json.dumps(session["body"]))
        status = body.setdefault("status", {})
        status["uploadStatus"] = "uploaded"
        resource = {"kind": "youtube#video", "id": video_id, **body, "channel": session["account"]}
        videos[video_id] = resource
        snippet = body.get("snippet") or {}
        state.add_record({
            "platform": "youtube", "action": "publish", "account_id": session["account"],
            "account": state.accounts["youtube"].get(session["account"], {}).get("title", session["account"]),
            "remote_id": video_id, "kind": "video",
            "text": "\n\n".join(t for t in (snippet.get("title", ""), snippet.get("description", "")) if t),
            "media": [{"media_type": "VIDEO", "url": None, "bytes": len(session["data"])}],
            "fields": {"parts": session["parts"], **{k: v for k, v in body.items() if k != "snippet"}},
            "request": session["body"], "parts": session["parts"], "bytes": len(session["data"])})
        sessions.pop(request.args["upload_id"])
        return jsonify({k: v for k, v in resource.items() if k != "channel"})

    @bp.post("/upload/youtube/v3/thumbnails/set")
    def thumbnail_set() -> Response:
        account = guard("youtube.thumbnails")
        if isinstance(account, Response):
            return account
        video = store("videos").get(request.args.get("videoId", ""))
        if video is None or video["channel"] != account:
            return _error(404, "videoNotFound", "youtube.thumbnail", "The video could not be found.")
        video["thumbnail_bytes"] = len(request.get_data())
        return jsonify({"kind": "youtube#thumbnailSetResponse",
                        "items": [{"default": {"url": f"https://i.ytimg.example/{video['id']}.jpg"}}]})

    return bp
