"""Meta Graph API subset (Instagram Graph + Facebook Pages + Facebook Login) as Warta calls it.

Paths, parameters, response shapes and error bodies follow the real API
(PLATFORMS.md §1, §2, §6, §7). Routes are mounted under host-named prefixes:
`/graph.facebook.com/<version>/...`, `/graph-video.facebook.com/<version>/...`,
the upload host `/rupload.facebook.com/...` (Reels `video-upload/<version>/<video>`,
Instagram resumable `ig-api-upload/[<version>/]<container>`) and the OAuth dialog at
`/www.facebook.com/<version>/dialog/oauth`.

Endpoint keys for fault injection (POST /_sim/faults {"endpoint": ...}):
`graph.oauth_dialog`, `graph.oauth_access_token`, `graph.debug_token`, `graph.me`,
`graph.me_accounts`, `graph.me_businesses`, `graph.node_get`, `graph.node_update`,
`graph.node_delete`, `ig.media_create`, `ig.container_status`, `ig.media_publish`,
`ig.media_list`, `ig.content_publishing_limit`, `ig.collaborators`, `fb.feed_create`,
`fb.feed_list`, `fb.photos_create`, `fb.videos_create`, `fb.scheduled_posts`,
`fb.assigned_users`, `fb.reels_start`, `fb.reels_finish`, `fb.reels_list`, `fb.video_status`,
`fb.rupload`, `ig.rupload`.
"""
from __future__ import annotations

import re
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue

from simulator import people
from simulator.control import apply_fault
from simulator.state import SimState

APP_ID, APP_SECRET = "1000000000000001", "sim-app-secret"
USER_ID = "100000000000001"
USER_SCOPES = ("pages_show_list", "pages_manage_posts", "pages_read_engagement", "business_management",
               "instagram_basic", "instagram_content_publish", "publish_video")
BUSINESS_ID = "200000000000001"
SHORT_LIVED, LONG_LIVED = 3600, 60 * 86400
PUBLISH_QUOTA = 50

#: Demo accounts present in the simulator (app/demo.py seeds Warta accounts with these ids/tokens).
#: (page id, page name, page token, ig user id or "", ig username or "")
DEMO_PAGES: list[tuple[str, str, str, str, str]] = [
    ("300000000000001", "Diskominfo Balikpapan", "sim-page-token-diskominfo", "178400000000001", "diskominfobpp"),
    ("300000000000002", "Dinas Kesehatan Balikpapan", "sim-page-token-dinkes", "178400000000002", "dinkesbpp"),
    ("300000000000003", "Kecamatan Balikpapan Kota", "sim-page-token-kecamatan", "178400000000003",
     "kec.balikpapankota"),
]

HASHTAG_RE = re.compile(r"(?<!\w)#\w+")
MENTION_RE = re.compile(r"(?<![\w@])@[\w.]+")


def register(app: Flask, state: SimState) -> None:
    graph = Blueprint("sim_graph", __name__, url_prefix="/graph.facebook.com/<version>")
    video = Blueprint("sim_graph_video", __name__, url_prefix="/graph-video.facebook.com/<version>")
    www = Blueprint("sim_facebook_www", __name__, url_prefix="/www.facebook.com/<version>",
                    template_folder="templates")
    graph.add_url_rule("/oauth/access_token", view_func=oauth_access_token)
    graph.add_url_rule("/debug_token", view_func=debug_token)
    graph.add_url_rule("/me", view_func=me)
    graph.add_url_rule("/me/accounts", view_func=me_accounts)
    graph.add_url_rule("/me/businesses", view_func=me_businesses)
    graph.add_url_rule("/<node_id>", view_func=node, methods=["GET", "POST", "DELETE"])
    graph.add_url_rule("/<node_id>/<edge>", view_func=node_edge, methods=["GET", "POST"])
    video.add_url_rule("/<page_id>/videos", view_func=page_videos, methods=["POST"])
    rupload = Blueprint("sim_rupload", __name__, url_prefix="/rupload.facebook.com")
    rupload.add_url_rule("/video-upload/<version>/<video_id>", view_func=reel_upload, methods=["POST"])
    rupload.add_url_rule("/ig-api-upload/<version>/<container_id>", view_func=ig_upload, methods=["POST"])
    rupload.add_url_rule("/ig-api-upload/<container_id>", view_func=ig_upload, methods=["POST"])
    www.add_url_rule("/dialog/oauth", view_func=oauth_dialog, methods=["GET", "POST"])
    for bp in (graph, video, www, rupload):
        app.register_blueprint(bp)


def seed(state: SimState) -> None:
    """The demo user, their Business, Pages and linked Instagram professional accounts."""
    now = time.time()
    with state.lock:
        state.objects[USER_ID] = {"kind": "user", "id": USER_ID, "name": "Admin Simulasi"}
        state.objects[BUSINESS_ID] = {"kind": "business", "id": BUSINESS_ID, "name": "Pemkot Balikpapan (simulasi)",
                                      "two_factor_type": "admin_required", "owner": USER_ID}
        for page_id, name, token, ig_id, username in DEMO_PAGES:
            state.objects[page_id] = {"kind": "page", "id": page_id, "name": name, "owner": USER_ID,
                                      "verified": True, "ig": ig_id, "tasks": ["MANAGE", "CREATE_CONTENT"],
                                      "about": f"Akun resmi {name}"}
            state.tokens[token] = {"type": "PAGE", "user_id": USER_ID, "page_id": page_id, "scopes": USER_SCOPES,
                                   "expires_at": 0, "issued_at": int(now),
                                   "data_access_expires_at": int(now) + 90 * 86400}
            if ig_id:
                state.objects[ig_id] = {"kind": "ig_user", "id": ig_id, "username": username, "name": name,
                                        "page": page_id, "owner": USER_ID, "biography": f"Akun resmi {name}"}


# -- helpers ------------------------------------------------------------------------------


def _state() -> SimState:
    return current_app.extensions["sim_state"]


def graph_error(message: str, code: int, subcode: int | None = None, status: int = 400,
                error_type: str = "OAuthException", headers: dict[str, str] | None = None) -> ResponseReturnValue:
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code,
                             "fbtrace_id": secrets.token_urlsafe(8)}
    if subcode is not None:
        error["error_subcode"] = subcode
        error["error_user_title"] = message
        error["error_user_msg"] = message
    return {"error": error}, status, headers or {}


def _param(name: str, default: Any = None) -> Any:
    return request.values.get(name, default)


def _token_value() -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith(("bearer ", "oauth ")):
        return auth.split(None, 1)[1].strip()
    return _param("access_token")


def _auth(require_page: str | None = None) -> dict[str, Any] | ResponseReturnValue:
    """The token record of the request, or a Graph error response."""
    value = _token_value()
    if not value:
        return graph_error("An active access token must be used to query information about the current user.", 2500)
    if value == f"{APP_ID}|{APP_SECRET}":
        return {"type": "APP", "user_id": None, "page_id": None, "scopes": (), "expires_at": 0}
    record = _state().tokens.get(value)
    if record is None or record.get("invalid") or record.get("platform"):  # "platform": an X/YouTube/TikTok token
        return graph_error("Invalid OAuth access token - Cannot parse access token", 190)
    if record.get("expires_at") and record["expires_at"] < time.time():
        return graph_error("Error validating access token: Session has expired.", 190, 463)
    if require_page and record["type"] == "PAGE" and record["page_id"] != require_page:
        return graph_error("(#200) The user hasn't authorized the application to perform this action", 200)
    return record


def _guard(endpoint: str) -> ResponseReturnValue | None:
    return apply_fault(_state(), endpoint)


def _bool(value: Any, default: bool = True) -> bool:
    if value is None:
        return default
    return str(value).lower() in ("1", "true", "yes")


def _json_list(value: str | None) -> list[Any]:
    import json

    if not value:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        return [v for v in value.split(",") if v]
    return parsed if isinstance(parsed, list) else [parsed]


def _feed_url(platform: str, account: str, object_id: str) -> str:
    return f"{request.host_url}_sim/feed/{platform}/{account}#{object_id}"


# -- OAuth / tokens ------------------------------------------------------------------------


def oauth_dialog(version: str) -> ResponseReturnValue:
    """Facebook Login dialog: a page a person can approve or cancel; redirects with code & state."""
    if (fault := _guard("graph.oauth_dialog")) is not None:
        return fault
    args = request.values
    redirect_uri, state_value = args.get("redirect_uri", ""), args.get("state", "")
    if args.get("client_id") != APP_ID:
        return "Unknown app (client_id).", 400
    if not redirect_uri.startswith(("http://", "https://")):
        return "redirect_uri is not a valid URL.", 400
    scopes = [s for s in re.split(r"[,\s]+", args.get("scope", "")) if s]
    if request.method == "GET":
        return render_template("sim_oauth.html", app_name="Warta", scopes=scopes, args=args,
                               pages=[p for p in DEMO_PAGES])
    if request.form.get("decision") != "approve":
        query = urlencode({"error": "access_denied", "error_reason": "user_denied", "state": state_value,
                           "error_description": "Permissions error"})
        return redirect(f"{redirect_uri}?{query}")
    code = secrets.token_urlsafe(24)
    with _state().lock:
        _state().codes[code] = {"user_id": USER_ID, "redirect_uri": redirect_uri,
                                "scopes": tuple(scopes) or USER_SCOPES, "at": time.time(),
                                "code_challenge": args.get("code_challenge")}
    return redirect(f"{redirect_uri}?{urlencode({'code': code, 'state': state_value})}#_=_")


def _issue_user_token(scopes: tuple[str, ...], lifetime: int) -> dict[str, Any]:
    token = "sim-user-" + secrets.token_urlsafe(24)
    now = int(time.time())
    with _state().lock:
        _state().tokens[token] = {"type": "USER", "user_id": USER_ID, "page_id": None, "scopes": scopes,
                                  "expires_at": now + lifetime, "issued_at": now,
                                  "data_access_expires_at": now + 90 * 86400, "long_lived": lifetime > 3600}
    return {"access_token": token, "token_type": "bearer", "expires_in": lifetime}


def oauth_access_token(version: str) -> ResponseReturnValue:
    if (fault := _guard("graph.oauth_access_token")) is not None:
        return fault
    if _param("client_id") != APP_ID or _param("client_secret") != APP_SECRET:
        return graph_error("Error validating client secret.", 1, error_type="OAuthException")
    state = _state()
    if _param("grant_type") == "fb_exchange_token":
        record = state.tokens.get(_param("fb_exchange_token", ""))
        if not record or record.get("invalid") or record.get("platform") \
                or (record["expires_at"] and record["expires_at"] < time.time()):
            return graph_error("Error validating access token: Session has expired.", 190, 463)
        return _issue_user_token(tuple(record["scopes"]), LONG_LIVED)
    with state.lock:
        grant = state.codes.pop(_param("code", ""), None)
    if grant is None or grant.get("platform"):  # "platform": an X/YouTube/TikTok consent code
        return graph_error("This authorization code has been used.", 100, 36009)
    if grant["redirect_uri"] != _param("redirect_uri"):
        return graph_error("Error validating verification code. Please make sure your redirect_uri is identical "
                           "to the one you used in the OAuth dialog request", 100, 36008)
    if grant.get("code_challenge") and _pkce_s256(_param("code_verifier", "")) != grant["code_challenge"]:
        return graph_error("Invalid code verifier.", 100, 36008)
    return _issue_user_token(tuple(grant["scopes"]), SHORT_LIVED)


def _pkce_s256(verifier: str) -> str:
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def debug_token(version: str) -> ResponseReturnValue:
    if (fault := _guard("graph.debug_token")) is not None:
        return fault
    auth = _auth()
    if not isinstance(auth, dict):
        return auth
    record = _state().tokens.get(_param("input_token", ""))
    if record is None:
        return {"data": {"is_valid": False, "error": {"code": 190, "message": "Invalid OAuth access token."}}}
    valid = not record.get("invalid") and not (record["expires_at"] and record["expires_at"] < time.time())
    data = {"app_id": APP_ID, "type": record["type"], "application": "Warta (simulator)",
            "data_access_expires_at": record.get("data_access_expires_at", 0), "expires_at": record["expires_at"],
            "is_valid": valid, "issued_at": record.get("issued_at", 0), "scopes": list(record["scopes"]),
            "granular_scopes": [{"scope": s} for s in record["scopes"]], "user_id": record["user_id"]}
    if record.get("page_id"):
        data["profile_id"] = record["page_id"]
    return {"data": data}


def me(version: str) -> ResponseReturnValue:
    if (fault := _guard("graph.me")) is not None:
        return fault
    auth = _auth()
    if not isinstance(auth, dict):
        return auth
    user = _state().objects[USER_ID]
    return {"id": user["id"], "name": user["name"]}


def me_accounts(version: str) -> ResponseReturnValue:
    """Pages the user manages, with Page tokens and the linked Instagram professional account."""
    if (fault := _guard("graph.me_accounts")) is not None:
        return fault
    auth = _auth()
    if not isinstance(auth, dict):
        return auth
    if auth["type"] != "USER":
        return graph_error("(#100) Tried accessing nonexisting field (accounts)", 100)
    state = _state()
    data = []
    with state.lock:
        pages = [o for o in state.objects.values() if o["kind"] == "page" and o["owner"] == auth["user_id"]]
        for page in pages:
            page_token = next((t for t, r in state.tokens.items() if r.get("page_id") == page["id"]
                               and not r.get("invalid")), None)
            if page_token is None:
                page_token = "sim-page-" + secrets.token_urlsafe(16)
            # A Page token from a long-lived user token does not expire (PLATFORMS.md §7).
            state.tokens[page_token] = {"type": "PAGE", "user_id": auth["user_id"], "page_id": page["id"],
                                        "scopes": tuple(auth["scopes"]), "expires_at": 0,
                                        "issued_at": int(time.time()),
                                        "data_access_expires_at": auth.get("data_access_expires_at", 0)}
            entry: dict[str, Any] = {"id": page["id"], "name": page["name"], "access_token": page_token,
                                     "category": "Government Organization", "tasks": page["tasks"],
                                     "verification_status": "blue_verified" if page["verified"] else "not_verified",
                                     "picture": {"data": {"url": _avatar(page)}}}
            if page.get("ig"):
                ig = state.objects[page["ig"]]
                entry["instagram_business_account"] = {
                    "id": ig["id"], "username": ig["username"], "name": ig["name"],
                    "profile_picture_url": _avatar(ig)}
            data.append(entry)
    return {"data": data, "paging": {"cursors": {"before": "MA==", "after": "MA=="}}}


def me_businesses(version: str) -> ResponseReturnValue:
    if (fault := _guard("graph.me_businesses")) is not None:
        return fault
    auth = _auth()
    if not isinstance(auth, dict):
        return auth
    if "business_management" not in auth["scopes"]:
        return graph_error("(#200) Requires business_management permission to manage the object", 200)
    businesses = [o for o in _state().objects.values() if o["kind"] == "business" and o["owner"] == auth["user_id"]]
    return {"data": [{"id": b["id"], "name": b["name"]} for b in businesses]}


# -- nodes -------------------------------------------------------------------------------------


def _canonical(node_id: str) -> str:
    """A Page video's id names its post (`POST /{page}/videos` answers the video id)."""
    return _state().scratch("facebook").get("video_posts", {}).get(node_id, node_id)


def node(version: str, node_id: str) -> ResponseReturnValue:
    state = _state()
    node_id = _canonical(node_id)
    if request.method == "DELETE":
        return _delete_node(node_id)
    if request.method == "POST":
        return _update_node(node_id)
    go_live_due(state)
    obj = state.objects.get(node_id)
    if obj is not None and obj.get("deleted"):
        obj = None
    is_container = obj is not None and obj["kind"] == "container"
    is_reel = obj is not None and obj["kind"] == "fb_reel"
    key = "ig.container_status" if is_container else "fb.video_status" if is_reel else "graph.node_get"
    if (fault := _guard(key)) is not None:
        return fault
    auth = _auth()
    if not isinstance(auth, dict):
        return auth
    if obj is None:
        return graph_error(f"Unsupported get request. Object with ID '{node_id}' does not exist, cannot be loaded "
                           "due to missing permissions, or does not support this operation.", 100, 33,
                           error_type="GraphMethodException")
    if obj["kind"] == "ig_user" and _param("fields", "").startswith("business_discovery"):
        return people.business_discovery(state, obj, _param("fields"))  # Business Discovery (simulator/people.py)
    fields = [f for f in _param("fields", "id").split(",") if f]
    with state.lock:
        if is_container:
            _advance_container(obj)
        if is_reel:
            _advance_reel(obj)
        view = _reel_view(obj) if is_reel else _node_view(obj)
    return {k: view[k] for k in ["id", *fields] if k in view}


def _advance_container(container: dict[str, Any]) -> None:
    if container["status_code"] == "IN_PROGRESS" and not container.get("awaiting_upload"):
        container["polls_left"] -= 1
        if container["polls_left"] <= 0:
            container["status_code"] = "FINISHED"
            container["status"] = "Finished: Media has been uploaded and it is ready to be published."


def _node_view(obj: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in obj.items() if k not in ("kind", "owner", "polls_left")}
    if obj["kind"] == "page":
        view["verification_status"] = "blue_verified" if obj["verified"] else "not_verified"
        view["picture"] = {"data": {"url": _avatar(obj)}}
        view.pop("picture_url", None)
    if obj["kind"] == "ig_user":
        view["profile_picture_url"] = _avatar(obj)
    if obj["kind"] == "fb_post":
        view["published"] = obj["is_published"]  # the field's name on a video node
    return view


def _avatar(obj: dict[str, Any]) -> str:
    """The profile picture URL: set through `/_sim/profile`, else the simulator's generated one."""
    return obj.get("picture_url") or obj.get("profile_picture_url") or f"{request.host_url}_sim/avatar/{obj['id']}.svg"


def _update_node(node_id: str) -> ResponseReturnValue:
    """Edit a Page post or Reel (message, scheduled_publish_time) — used for native scheduling updates."""
    if (fault := _guard("graph.node_update")) is not None:
        return fault
    state = _state()
    node_id = _canonical(node_id)
    go_live_due(state)
    post = state.objects.get(node_id)
    auth = _auth(require_page=post.get("page") if post else None)
    if not isinstance(auth, dict):
        return auth
    if post is None or post["kind"] not in ("fb_post", "fb_reel") or post.get("deleted"):
        return graph_error("(#100) Invalid parameter", 100)
    changes = {k: request.values[k] for k in ("message", "scheduled_publish_time", "is_published")
               if k in request.values}
    if "scheduled_publish_time" in changes:
        if _is_live(post):
            return graph_error("(#100) A published post cannot be scheduled", 100)
        try:
            when = int(changes["scheduled_publish_time"])
        except ValueError:
            return graph_error("(#100) Invalid scheduled publish time", 100)
        if not _in_schedule_window(when):
            return graph_error("(#100) The specified scheduled publish time is invalid.", 100)
    with state.lock:
        scheduled = state.scratch("facebook").setdefault("scheduled", {})
        if "is_published" in changes and _bool(changes["is_published"]) and post["kind"] == "fb_post":
            post["is_published"], post["scheduled_publish_time"] = True, None
            scheduled.pop(post["id"], None)
        if "message" in changes:
            post["message" if post["kind"] == "fb_post" else "description"] = changes["message"]
        if "scheduled_publish_time" in changes:
            post["scheduled_publish_time"] = scheduled[post["id"]] = int(changes["scheduled_publish_time"])
    state.add_record({"platform": "facebook", "action": "update", "account_id": post["page"],
                      "account": post["page"], "remote_id": node_id, "fields": changes})
    return {"success": True}


def _delete_node(node_id: str) -> ResponseReturnValue:
    if (fault := _guard("graph.node_delete")) is not None:
        return fault
    state = _state()
    node_id = _canonical(node_id)
    go_live_due(state)
    post = state.objects.get(node_id)
    auth = _auth(require_page=post.get("page") if post else None)
    if not isinstance(auth, dict):
        return auth
    if post is None or post["kind"] not in ("fb_post", "fb_reel") or post.get("deleted"):
        return graph_error("(#100) Invalid parameter", 100)
    with state.lock:
        post["deleted"] = True
        state.scratch("facebook").setdefault("scheduled", {}).pop(post["id"], None)
    state.add_record({"platform": "facebook", "action": "delete", "account_id": post["page"],
                      "account": post["page"], "remote_id": node_id, "fields": {}})
    return {"success": True}


EDGES: dict[tuple[str, str], str] = {
    ("POST", "media"): "ig.media_create", ("GET", "media"): "ig.media_list",
    ("POST", "media_publish"): "ig.media_publish", ("GET", "content_publishing_limit"): "ig.content_publishing_limit",
    ("GET", "collaborators"): "ig.collaborators", ("POST", "feed"): "fb.feed_create", ("GET", "feed"): "fb.feed_list",
    ("GET", "published_posts"): "fb.feed_list", ("POST", "photos"): "fb.photos_create",
    ("GET", "scheduled_posts"): "fb.scheduled_posts", ("GET", "assigned_users"): "fb.assigned_users",
    ("POST", "video_reels"): "fb.reels_start", ("GET", "video_reels"): "fb.reels_list",
}


def node_edge(version: str, node_id: str, edge: str) -> ResponseReturnValue:
    key = EDGES.get((request.method, edge))
    if key == "fb.reels_start" and _param("upload_phase") == "finish":
        key = "fb.reels_finish"
    if key is None:
        return graph_error(f"Unknown path components: /{edge}", 2500)
    if (fault := _guard(key)) is not None:
        return fault
    state = _state()
    obj = state.objects.get(node_id)
    owner_page = obj.get("page") if obj and obj["kind"] == "ig_user" else node_id if obj else None
    auth = _auth(require_page=owner_page if obj and obj["kind"] in ("page", "ig_user") else None)
    if not isinstance(auth, dict):
        return auth
    if obj is None:
        return graph_error(f"Unsupported {request.method.lower()} request. Object with ID '{node_id}' does not "
                           "exist, cannot be loaded due to missing permissions, or does not support this operation.",
                           100, 33, error_type="GraphMethodException")
    handler = {"ig.media_create": ig_media_create, "ig.media_list": ig_media_list,
               "ig.media_publish": ig_media_publish, "ig.content_publishing_limit": ig_publishing_limit,
               "ig.collaborators": ig_collaborators, "fb.feed_create": fb_feed_create, "fb.feed_list": fb_feed_list,
               "fb.photos_create": fb_photos_create, "fb.scheduled_posts": fb_scheduled_posts,
               "fb.assigned_users": fb_assigned_users, "fb.reels_start": fb_reels, "fb.reels_finish": fb_reels,
               "fb.reels_list": fb_reels_list}[key]
    return handler(obj)


# -- Instagram ---------------------------------------------------------------------------------


def _validate_caption(caption: str) -> ResponseReturnValue | None:
    if len(caption) > 2200:
        return graph_error("The caption is too long.", 100, 2207010)
    if len(HASHTAG_RE.findall(caption)) > 30:
        return graph_error("The caption contains more than 30 hashtags.", 100, 2207010)
    if len(MENTION_RE.findall(caption)) > 20:
        return graph_error("The caption contains more than 20 @ tags.", 100, 2207040)
    return None


def ig_media_create(ig_user: dict[str, Any]) -> ResponseReturnValue:
    if ig_user["kind"] != "ig_user":
        return graph_error("(#100) Invalid parameter", 100)
    state = _state()
    values = request.values
    media_type = values.get("media_type", "IMAGE" if values.get("image_url") else "VIDEO")
    is_item = _bool(values.get("is_carousel_item"), default=False)
    caption = values.get("caption", "")
    if (problem := _validate_caption(caption)) is not None:
        return problem
    children = _json_list(values.get("children"))
    resumable = values.get("upload_type") == "resumable"
    if resumable and (media_type not in ("REELS", "VIDEO", "STORIES") or values.get("video_url")):
        return graph_error("(#100) upload_type=resumable is for video containers without video_url", 100)
    collaborators = _json_list(values.get("collaborators"))
    user_tags = _json_list(values.get("user_tags"))
    if media_type == "CAROUSEL":
        if not 2 <= len(children) <= 10:
            return graph_error("The carousel must contain at least 2 and no more than 10 media.", 100, 2207028)
        for child_id in children:
            child = state.objects.get(str(child_id))
            if not child or child["kind"] != "container" or not child["is_carousel_item"]:
                return graph_error("(#100) Param children contains an invalid media id", 100)
    elif media_type in ("REELS", "VIDEO", "STORIES") and not (
            values.get("video_url") or values.get("image_url") or resumable):
        return graph_error("(#100) The parameter video_url is required", 100)
    elif media_type == "IMAGE" and not values.get("image_url"):
        return graph_error("(#100) The parameter image_url is required", 100)
    if len(collaborators) > 3:
        return graph_error("(#100) Too many collaborators: up to 3 are allowed", 100)
    url = values.get("image_url") or values.get("video_url") or ""
    if url and not url.startswith(("http://", "https://")):
        return graph_error("The media could not be fetched from this uri.", 9004, 2207052)
    container_id = state.new_id()
    with state.lock:
        state.objects[container_id] = {
            "kind": "container", "id": container_id, "ig_user": ig_user["id"], "owner": ig_user["owner"],
            "media_type": media_type, "is_carousel_item": is_item, "caption": caption, "children": children,
            "collaborators": collaborators, "user_tags": user_tags, "image_url": values.get("image_url"),
            "video_url": values.get("video_url"), "alt_text": values.get("alt_text"),
            "fields": dict(values.items()), "status_code": "IN_PROGRESS", "status": "In Progress",
            "polls_left": state.container_polls, "created": time.time(), "awaiting_upload": resumable,
            "uploaded": None,
        }
        if state.container_polls <= 0:
            _advance_container(state.objects[container_id])
    if resumable:
        return {"id": container_id, "uri": f"https://rupload.facebook.com/ig-api-upload/{_version()}/{container_id}"}
    return {"id": container_id}


def _published_last_day(ig_user_id: str) -> int:
    cutoff = time.time() - 86400
    return sum(1 for r in _state().record if r["platform"] == "instagram" and r["account_id"] == ig_user_id
               and r["action"] == "publish" and r["recorded_at"] >= cutoff)


def ig_media_publish(ig_user: dict[str, Any]) -> ResponseReturnValue:
    state = _state()
    creation_id = _param("creation_id", "")
    with state.lock:
        container = state.objects.get(creation_id)
        if container is None or container["kind"] != "container" or container["ig_user"] != ig_user["id"]:
            return graph_error("The requested resource does not exist", 24, 2207008)
        if container["status_code"] == "PUBLISHED":
            return graph_error("The media has already been published", 100, 2207001)
        if container["status_code"] != "FINISHED":
            return graph_error("Media ID is not available", 9007, 2207027)
        if _published_last_day(ig_user["id"]) >= PUBLISH_QUOTA:
            return graph_error("Application request limit reached", 9, 2207042)
        container["status_code"] = "PUBLISHED"
        container["status"] = "Published"
        media_id = state.new_id()
        children = [state.objects[str(c)] for c in container["children"]]
        media = {"kind": "ig_media", "id": media_id, "ig_user": ig_user["id"], "owner": ig_user["owner"],
                 "caption": container["caption"], "media_type": "CAROUSEL_ALBUM" if children else container[
                     "media_type"].replace("REELS", "VIDEO"),
                 "media_product_type": "REELS" if container["media_type"] == "REELS" else (
                     "STORY" if container["media_type"] == "STORIES" else "FEED"),
                 "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
                 "permalink": _feed_url("instagram", ig_user["username"], media_id),
                 "collaborators": container["collaborators"], "media_url": container["image_url"] or container[
                     "video_url"], "children_urls": [c["image_url"] or c["video_url"] for c in children],
                 "username": ig_user["username"]}
        state.objects[media_id] = media
    state.add_record({
        "platform": "instagram", "action": "publish", "account_id": ig_user["id"], "account": ig_user["username"],
        "remote_id": media_id, "kind": container["media_type"], "text": container["caption"],
        "collaborators": container["collaborators"], "user_tags": container["user_tags"],
        "media": [{"url": c["image_url"] or c["video_url"], "media_type": c["media_type"],
                   "user_tags": c["user_tags"], "alt_text": c["alt_text"], **(c.get("uploaded") or {})}
                  for c in children]
        or [{"url": container["image_url"] or container["video_url"], "media_type": container["media_type"],
             "alt_text": container["alt_text"], **(container["uploaded"] or {})}],
        "fields": container["fields"],
    })
    return {"id": media_id}


def ig_media_list(ig_user: dict[str, Any]) -> ResponseReturnValue:
    limit = int(_param("limit", 25))
    with _state().lock:
        media = [o for o in _state().objects.values() if o["kind"] == "ig_media" and o["ig_user"] == ig_user["id"]]
    media.sort(key=lambda m: int(m["id"]), reverse=True)
    fields = [f for f in _param("fields", "id").split(",") if f]
    return {"data": [{k: m[k] for k in ["id", *fields] if k in m} for m in media[:limit]]}


def ig_publishing_limit(ig_user: dict[str, Any]) -> ResponseReturnValue:
    return {"data": [{"quota_usage": _published_last_day(ig_user["id"]),
                      "config": {"quota_total": PUBLISH_QUOTA, "quota_duration": 86400}}]}


def ig_collaborators(media: dict[str, Any]) -> ResponseReturnValue:
    if media["kind"] != "ig_media":
        return graph_error("(#100) Invalid parameter", 100)
    state = _state()
    return {"data": [{"id": (people.find(state, "instagram", name) or {}).get("id", f"sim-{name}"), "username": name,
                      "invite_status": people.invite_status(state, media["id"], name)}
                     for name in media["collaborators"]]}


# -- Facebook Pages -----------------------------------------------------------------------------


def _page_or_error(page: dict[str, Any]) -> ResponseReturnValue | None:
    if page["kind"] != "page":
        return graph_error("(#100) Invalid parameter", 100)
    return None


def _schedule_fields(values: Any) -> tuple[bool, int | None, ResponseReturnValue | None]:
    published = _bool(values.get("published"), default=True)
    scheduled = values.get("scheduled_publish_time")
    if scheduled is None:
        return published, None, None
    if published:
        return published, None, graph_error("(#100) You cannot specify a scheduled publish time on a published post",
                                            100)
    try:
        when = int(scheduled)
    except ValueError:
        return published, None, graph_error("(#100) Invalid scheduled publish time", 100)
    if not _in_schedule_window(when):
        return published, None, graph_error("(#100) The specified scheduled publish time is invalid.", 100)
    return published, when, None


def _in_schedule_window(when: int) -> bool:
    """Facebook takes a scheduled time 10 minutes to 6 months ahead (by the platform's clock)."""
    now = _state().now()
    return now + 600 <= when <= now + 30 * 86400 * 6


def _is_live(obj: dict[str, Any]) -> bool:
    if obj["kind"] == "fb_reel":
        return obj.get("video_state") == "PUBLISHED"
    return bool(obj.get("is_published"))


def go_live_due(state: SimState) -> list[str]:
    """Natively scheduled Page posts and Reels whose time has come (by `state.now()`) go live; each gets
    a `publish` entry in the record (`from_schedule: true`). Returns their ids."""
    with state.lock:
        scheduled = state.scratch("facebook").setdefault("scheduled", {})
        due = sorted((when, object_id) for object_id, when in scheduled.items() if when <= state.now())
        live = []
        for when, object_id in due:
            del scheduled[object_id]
            obj = state.objects.get(object_id)
            if obj is None or obj.get("deleted") or _is_live(obj):
                continue
            page = state.objects[obj["page"]]
            if obj["kind"] == "fb_reel":
                obj.update(video_state="PUBLISHED", publishing="complete", processing="complete")
                kind, text, media = "reel", obj["description"], [{"media_type": "VIDEO", **(obj["uploaded"] or {})}]
            else:
                obj.update(is_published=True, created_time=time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(when)))
                kind, text, media = obj["post_kind"], obj["message"], obj.get("media") or []
            state.add_record({"platform": "facebook", "action": "publish", "account_id": page["id"],
                              "account": page["name"], "remote_id": object_id, "kind": kind, "text": text,
                              "media": media, "scheduled_publish_time": when, "from_schedule": True, "fields": {}})
            live.append(object_id)
    return live


def _store_fb_post(page: dict[str, Any], kind: str, message: str, values: Any, published: bool,
                   scheduled: int | None, media: list[dict[str, Any]]) -> str:
    state = _state()
    post_id = f"{page['id']}_{state.new_id()}"
    with state.lock:
        state.objects[post_id] = {
            "kind": "fb_post", "id": post_id, "page": page["id"], "owner": page["owner"], "message": message,
            "link": values.get("link"), "is_published": published, "scheduled_publish_time": scheduled,
            "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()), "post_kind": kind,
            "permalink_url": _feed_url("facebook", page["id"], post_id), "media": media,
            "sponsor_id": values.get("sponsor_id"),
        }
        if not published and scheduled is not None:
            state.scratch("facebook").setdefault("scheduled", {})[post_id] = scheduled
    state.add_record({
        "platform": "facebook", "action": "publish" if published else "schedule", "account_id": page["id"],
        "account": page["name"], "remote_id": post_id, "kind": kind, "text": message, "media": media,
        "scheduled_publish_time": scheduled, "sponsor_id": values.get("sponsor_id"),
        "fields": dict(values.items()),
    })
    return post_id


def _duplicate(page: dict[str, Any], message: str) -> bool:
    cutoff = time.time() - 600
    return bool(message) and any(
        r["platform"] == "facebook" and r["account_id"] == page["id"] and r.get("text") == message
        and r["action"] in ("publish", "schedule") and r["recorded_at"] >= cutoff and not r.get("media")
        and not (_state().objects.get(r["remote_id"]) or {}).get("deleted")  # a cancelled scheduled post
        for r in _state().record)


def fb_feed_create(page: dict[str, Any]) -> ResponseReturnValue:
    if (problem := _page_or_error(page)) is not None:
        return problem
    values = request.values
    published, scheduled, error = _schedule_fields(values)
    if error is not None:
        return error
    message = values.get("message", "")
    attached = [a.get("media_fbid") if isinstance(a, dict) else a for a in _json_list(values.get("attached_media"))]
    if not message and not values.get("link") and not attached:
        return graph_error("(#100) Missing message or attachment", 100)
    if values.get("sponsor_id") and not message:
        return graph_error("(#100) Branded content posts require a message", 100)
    if not attached and _duplicate(page, message):
        return graph_error("(#506) Duplicate status message", 506)
    media = []
    with _state().lock:
        for photo_id in attached:
            photo = _state().objects.get(str(photo_id))
            if not photo or photo["kind"] != "fb_photo" or photo["page"] != page["id"]:
                return graph_error("(#100) Invalid media_fbid in attached_media", 100)
            media.append({"url": photo["url"], "media_type": "IMAGE", "alt_text": photo.get("alt_text")})
    kind = "multi_photo" if attached else ("link" if values.get("link") else "status")
    return {"id": _store_fb_post(page, kind, message, values, published, scheduled, media)}


def fb_photos_create(page: dict[str, Any]) -> ResponseReturnValue:
    if (problem := _page_or_error(page)) is not None:
        return problem
    values = request.values
    url = values.get("url", "")
    if not url.startswith(("http://", "https://")):
        return graph_error("(#324) Requires upload file", 324)
    published, scheduled, error = _schedule_fields(values)
    if error is not None:
        return error
    state = _state()
    photo_id = state.new_id()
    with state.lock:
        state.objects[photo_id] = {"kind": "fb_photo", "id": photo_id, "page": page["id"], "owner": page["owner"],
                                   "url": url, "alt_text": values.get("alt_text_custom")}
    # An unpublished photo without a schedule is a building block for a multi-photo post.
    if not published and scheduled is None:
        return {"id": photo_id}
    message = values.get("caption") or values.get("message") or ""
    media = [{"url": url, "media_type": "IMAGE", "alt_text": values.get("alt_text_custom")}]
    post_id = _store_fb_post(page, "photo", message, values, published, scheduled, media)
    return {"id": photo_id, "post_id": post_id}


def page_videos(version: str, page_id: str) -> ResponseReturnValue:
    if (fault := _guard("fb.videos_create")) is not None:
        return fault
    state = _state()
    page = state.objects.get(page_id)
    auth = _auth(require_page=page_id)
    if not isinstance(auth, dict):
        return auth
    if page is None or page["kind"] != "page":
        return graph_error("(#100) Invalid parameter", 100)
    values = request.values
    if not values.get("file_url", "").startswith(("http://", "https://")):
        return graph_error("(#100) Invalid file_url", 100)
    published, scheduled, error = _schedule_fields(values)
    if error is not None:
        return error
    media = [{"url": values["file_url"], "media_type": "VIDEO"}]
    post_id = _store_fb_post(page, "video", values.get("description", ""), values, published, scheduled, media)
    video_id = post_id.split("_", 1)[1]
    with state.lock:  # the video node is the same post, reached by its video id
        state.scratch("facebook").setdefault("video_posts", {})[video_id] = post_id
    return {"id": video_id}


def fb_feed_list(page: dict[str, Any]) -> ResponseReturnValue:
    go_live_due(_state())
    with _state().lock:
        posts = [o for o in _state().objects.values() if o["kind"] == "fb_post" and o["page"] == page["id"]
                 and o["is_published"] and not o.get("deleted")]
    posts.sort(key=lambda p: int(p["id"].split("_")[1]), reverse=True)
    fields = [f for f in _param("fields", "id,message,created_time").split(",") if f]
    return {"data": [{k: p[k] for k in ["id", *fields] if k in p} for p in posts[: int(_param("limit", 25))]]}


def fb_scheduled_posts(page: dict[str, Any]) -> ResponseReturnValue:
    go_live_due(_state())
    with _state().lock:
        posts = [o for o in _state().objects.values() if o["kind"] == "fb_post" and o["page"] == page["id"]
                 and not o["is_published"] and o.get("scheduled_publish_time") and not o.get("deleted")]
    fields = [f for f in _param("fields", "id,message,scheduled_publish_time").split(",") if f]
    return {"data": [{k: p[k] for k in ["id", *fields] if k in p} for p in posts]}


def fb_assigned_users(page: dict[str, Any]) -> ResponseReturnValue:
    user = _state().objects[USER_ID]
    return {"data": [{"id": user["id"], "name": user["name"], "tasks": page.get("tasks", [])}]}


# -- uploads (rupload host) and Facebook Reels ------------------------------------------------------


def _version() -> str:
    return str((request.view_args or {}).get("version") or "v25.0")


def _upload_error(message: str, error_type: str = "ParameterValidationError", status: int = 400,
                  retriable: bool = False) -> ResponseReturnValue:
    """rupload's own error body (not a Graph error)."""
    return {"debug_info": {"retriable": retriable, "type": error_type, "message": message}}, status


def _receive_upload(target: dict[str, Any]) -> dict[str, Any] | ResponseReturnValue:
    """Read `offset`/`file_size`/`file_url` headers and the body into `target["uploaded"]`."""
    offset = request.headers.get("offset")
    if offset is None or not offset.isdigit():
        return _upload_error("HeaderValuePredicate: Header Offset not convertable to unsigned long")
    file_url = request.headers.get("file_url")
    size_header = request.headers.get("file_size")
    if size_header is not None and not size_header.isdigit():
        return _upload_error("HeaderValuePredicate: Header file_size not convertable to unsigned long")
    uploaded = dict(target.get("uploaded") or {"url": None, "bytes": 0, "total": None})
    if file_url:
        if not file_url.startswith(("http://", "https://")):
            return _upload_error("Invalid file_url", "ParameterValidationError")
        uploaded.update(url=file_url, file_url=file_url, total=int(size_header) if size_header else None)
        return uploaded
    body = request.get_data()
    if int(offset) != uploaded["bytes"]:
        return _upload_error(f"Start offset {offset} does not match the {uploaded['bytes']} bytes received",
                             "ProcessingFailedError")
    if not body:
        return _upload_error("No data in the request body", "ProcessingFailedError")
    uploaded["bytes"] += len(body)
    uploaded["total"] = int(size_header) if size_header else uploaded["bytes"]
    return uploaded


def ig_upload(container_id: str, version: str | None = None) -> ResponseReturnValue:
    """Instagram resumable upload: the video's bytes (or `file_url`) for a `upload_type=resumable` container."""
    if (fault := _guard("ig.rupload")) is not None:
        return fault
    state = _state()
    container = state.objects.get(container_id)
    if container is None or container["kind"] != "container" or "awaiting_upload" not in container:
        return _upload_error(f"Unknown upload session {container_id}", "NotFoundError", 404)
    auth = _auth(require_page=state.objects[container["ig_user"]]["page"])
    if not isinstance(auth, dict):
        return auth
    with state.lock:
        received = _receive_upload(container)
        if not isinstance(received, dict):
            return received
        container["uploaded"] = received
        if received["url"] or received["total"] is None or received["bytes"] >= received["total"]:
            container["awaiting_upload"] = False
            if container["polls_left"] <= 0:
                _advance_container(container)
    return {"success": True, "message": "Upload successful."}


def fb_reels(page: dict[str, Any]) -> ResponseReturnValue:
    """`POST /{page}/video_reels`: `upload_phase=start` opens an upload, `finish` publishes it."""
    if (problem := _page_or_error(page)) is not None:
        return problem
    state = _state()
    phase = _param("upload_phase")
    if phase == "start":
        video_id = state.new_id()
        with state.lock:
            state.objects[video_id] = {
                "kind": "fb_reel", "id": video_id, "page": page["id"], "owner": page["owner"], "uploaded": None,
                "upload": "not_started", "processing": "not_started", "publishing": "not_started",
                "polls_left": state.container_polls, "description": "", "video_state": None,
                "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
                "permalink_url": f"/reel/{video_id}"}
        return {"video_id": video_id, "upload_url": f"https://rupload.facebook.com/video-upload/{_version()}/{video_id}"}
    if phase != "finish":
        return graph_error("(#100) upload_phase must be one of {start, finish}", 100)
    values = request.values
    reel = state.objects.get(_param("video_id", ""))
    if reel is None or reel["kind"] != "fb_reel" or reel["page"] != page["id"]:
        return graph_error("(#100) Invalid video_id", 100)
    if reel["upload"] != "complete":
        return graph_error("Video Upload Is Missing: the video has not been uploaded", 100)
    if reel["video_state"] is not None:
        return graph_error("(#100) The reel has already been finished", 100)
    video_state = values.get("video_state", "")
    if video_state not in ("PUBLISHED", "DRAFT", "SCHEDULED"):
        return graph_error("(#100) video_state must be one of {DRAFT, PUBLISHED, SCHEDULED}", 100)
    scheduled = None
    if video_state == "SCHEDULED":
        try:
            scheduled = int(values.get("scheduled_publish_time", ""))
        except ValueError:
            return graph_error("(#100) scheduled_publish_time is required for a scheduled reel", 100)
        if not _in_schedule_window(scheduled):
            return graph_error("(#100) The specified scheduled publish time is invalid.", 100)
    with state.lock:
        reel.update(video_state=video_state, description=values.get("description", ""),
                    title=values.get("title"), scheduled_publish_time=scheduled)
        if scheduled is not None:
            state.scratch("facebook").setdefault("scheduled", {})[reel["id"]] = scheduled
        if video_state == "PUBLISHED":
            reel["publishing"] = "complete" if reel["processing"] == "complete" else "in_progress"
    if video_state != "DRAFT":
        media = [{"media_type": "VIDEO", **(reel["uploaded"] or {})}]
        state.add_record({
            "platform": "facebook", "action": "publish" if video_state == "PUBLISHED" else "schedule",
            "account_id": page["id"], "account": page["name"], "remote_id": reel["id"], "kind": "reel",
            "text": reel["description"], "media": media, "scheduled_publish_time": scheduled,
            "fields": dict(values.items())})
    return {"success": True}


def reel_upload(version: str, video_id: str) -> ResponseReturnValue:
    """`POST rupload.facebook.com/video-upload/<version>/<video>`: the Reel's bytes or `file_url`."""
    if (fault := _guard("fb.rupload")) is not None:
        return fault
    state = _state()
    reel = state.objects.get(video_id)
    if reel is None or reel["kind"] != "fb_reel":
        return _upload_error(f"Unknown upload session {video_id}", "NotFoundError", 404)
    auth = _auth(require_page=reel["page"])
    if not isinstance(auth, dict):
        return auth
    with state.lock:
        received = _receive_upload(reel)
        if not isinstance(received, dict):
            return received
        reel["uploaded"] = received
        done = bool(received["url"]) or received["total"] is None or received["bytes"] >= received["total"]
        reel["upload"] = "complete" if done else "in_progress"
        if done:
            reel["processing"] = "in_progress"
            if reel["polls_left"] <= 0:
                _advance_reel(reel)
    return {"success": True}


def _advance_reel(reel: dict[str, Any]) -> None:
    if reel["processing"] == "in_progress":
        reel["polls_left"] -= 1
        if reel["polls_left"] <= 0:
            reel["processing"] = "complete"
            if reel["publishing"] == "in_progress":
                reel["publishing"] = "complete"


def _reel_view(reel: dict[str, Any]) -> dict[str, Any]:
    """A Reel as `GET /{video}` shows it: `status` with the three phases, description, permalink."""
    uploaded = reel["uploaded"] or {}
    video_status = {"not_started": "upload_pending", "in_progress": "uploading"}.get(reel["upload"]) or (
        "ready" if reel["processing"] == "complete" else "processing")
    publishing: dict[str, Any] = {"status": reel["publishing"]}
    if reel["publishing"] == "complete":
        publishing.update(publish_status="published", publish_time=int(time.time()))
    return {"id": reel["id"], "description": reel["description"], "permalink_url": reel["permalink_url"],
            "updated_time": reel["created_time"],
            "status": {"video_status": video_status,
                       "uploading_phase": {"status": reel["upload"], "bytes_transferred": uploaded.get("bytes", 0)},
                       "processing_phase": {"status": reel["processing"]}, "publishing_phase": publishing}}


def fb_reels_list(page: dict[str, Any]) -> ResponseReturnValue:
    """`GET /{page}/video_reels`: the Page's finished Reels, newest first."""
    go_live_due(_state())
    with _state().lock:
        reels = [_reel_view(o) for o in _state().objects.values() if o["kind"] == "fb_reel"
                 and o["page"] == page["id"] and o["video_state"] in ("PUBLISHED", "SCHEDULED")]
    reels.sort(key=lambda r: int(r["id"]), reverse=True)
    fields = [f for f in _param("fields", "id,description").split(",") if f]
    return {"data": [{k: r[k] for k in ["id", *fields] if k in r} for r in reels[: int(_param("limit", 25))]]}
