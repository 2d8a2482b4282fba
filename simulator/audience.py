"""Simulated audience figures (followers, per-post views/likes/…) for all five platforms.

A separate family so the platform modules stay untouched; the routes are the platforms' own read
endpoints that the other modules do not serve:

- Graph: `GET /graph.facebook.com/<v>/<id>/insights?metric=...` (IG media: reach, views, likes,
  comments, shares; Page post: post_impressions, post_impressions_unique); followers are the
  `followers_count` field of Page / IG user nodes, seeded here into the graph objects;
- X: `GET /x/2/users/<id>?user.fields=public_metrics`, `GET /x/2/tweets/<id>?tweet.fields=public_metrics`;
- YouTube: `GET /youtube/youtube/v3/videos?part=statistics&id=...`; subscribers come from
  `channels?part=statistics` (simulator/youtube.py calls `youtube_channel_statistics`);
- TikTok: `POST /tiktok/v2/video/query/`; `follower_count` in `/v2/user/info/` (simulator/tiktok.py
  calls `tiktok_user_stats`).

Figures are deterministic per id (`figures_for`); `POST /_sim/audience {"key": ..., "followers": ...}`
overrides them for a test. Fault keys: audience.graph_insights, audience.x_user, audience.x_tweet,
audience.youtube_videos, audience.tiktok_videos (generic status/delay faults).
"""
from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Flask, jsonify, request
from werkzeug.wrappers import Response

from simulator.control import apply_fault
from simulator.state import SimState

FAULT_NAMES: frozenset[str] = frozenset()
FIGURES = ("followers", "views", "reach", "likes", "comments", "shares")


def figures_for(key: str, overrides: dict[str, dict[str, int]] | None = None) -> dict[str, int]:
    """Stable figures for an account or post id (different ids give different numbers)."""
    digest = hashlib.sha256(key.encode()).digest()
    base = {name: 10 + int.from_bytes(digest[2 * i:2 * i + 2], "big") % (50_000 if name in ("followers", "views")
                                                                             else 2_000)
            for i, name in enumerate(FIGURES)}
    base["reach"] = min(base["reach"] + base["views"] // 2, base["views"])
    return {**base, **((overrides or {}).get(key) or {})}


def tiktok_user_stats(state: SimState, account: str) -> dict[str, int]:
    """The stats fields of TikTok's user info (scope user.info.stats)."""
    with state.lock:
        f = figures_for(account, _overrides(state))
    return {"follower_count": f["followers"], "likes_count": f["likes"], "video_count": 10}


def youtube_channel_statistics(state: SimState, account: str) -> dict[str, Any]:
    """The `statistics` part of a channel, when the request asked for it."""
    if "statistics" not in request.args.get("part", ""):
        return {}
    with state.lock:
        f = figures_for(account, _overrides(state))
    return {"statistics": {"viewCount": str(f["views"]), "subscriberCount": str(f["followers"]),
                           "hiddenSubscriberCount": False, "videoCount": "10"}}


def register(app: Flask, state: SimState) -> None:
    app.register_blueprint(_blueprint(state))


def seed(state: SimState) -> None:
    """Follower counts on the seeded Pages and Instagram users (graph nodes read them as fields)."""
    with state.lock:
        for node_id, obj in state.objects.items():
            if obj.get("kind") in ("page", "ig_user"):
                obj.setdefault("followers_count", figures_for(node_id)["followers"])


def _overrides(state: SimState) -> dict[str, dict[str, int]]:
    return state.store.setdefault("audience", {})


def _bearer(state: SimState, platform: str) -> str | None:
    return state.account_for(platform, request.headers.get("Authorization", "").removeprefix("Bearer "))


def _unauthorized() -> Response:
    resp = jsonify({"error": {"code": "access_token_invalid", "message": "The access token is invalid."}})
    resp.status_code = 401
    return resp


def _blueprint(state: SimState) -> Blueprint:
    bp = Blueprint("sim_audience", __name__)

    def figures(key: str) -> dict[str, int]:
        with state.lock:
            return figures_for(key, _overrides(state))

    @bp.post("/_sim/audience")
    def override() -> Response:
        body = request.get_json(silent=True) or {}
        key = str(body.get("key", ""))
        values = {k: int(v) for k, v in body.items() if k in FIGURES}
        with state.lock:
            _overrides(state).setdefault(key, {}).update(values)
            node = state.objects.get(key)
            if node is not None and "followers" in values:
                node["followers_count"] = values["followers"]
        return jsonify({"key": key, **figures(key)})

    @bp.get("/graph.facebook.com/<version>/<node_id>/insights")
    def graph_insights(version: str, node_id: str) -> Any:
        if (fault := apply_fault(state, "audience.graph_insights")) is not None:
            return fault
        token = request.args.get("access_token") or request.headers.get("Authorization", "").removeprefix("Bearer ")
        with state.lock:
            known = token in state.tokens and node_id in state.objects
        if not known:
            resp = jsonify({"error": {"message": "Invalid OAuth access token or unknown object.", "type":
                                      "OAuthException", "code": 190}})
            resp.status_code = 400
            return resp
        f = figures(node_id)
        names = {"views": f["views"], "reach": f["reach"], "likes": f["likes"], "comments": f["comments"],
                 "shares": f["shares"], "post_impressions": f["views"], "post_impressions_unique": f["reach"]}
        wanted = [m for m in request.args.get("metric", "").split(",") if m in names]
        return jsonify({"data": [{"name": m, "period": "lifetime", "values": [{"value": names[m]}],
                                  "id": f"{node_id}/insights/{m}/lifetime"} for m in wanted]})

    @bp.get("/x/2/users/<user_id>")
    def x_user(user_id: str) -> Any:
        if (fault := apply_fault(state, "audience.x_user")) is not None:
            return fault
        if _bearer(state, "x") is None:
            return _unauthorized()
        f = figures(user_id)
        return jsonify({"data": {"id": user_id, "public_metrics": {
            "followers_count": f["followers"], "following_count": 12, "tweet_count": 100, "listed_count": 3}}})

    @bp.get("/x/2/tweets/<tweet_id>")
    def x_tweet(tweet_id: str) -> Any:
        if (fault := apply_fault(state, "audience.x_tweet")) is not None:
            return fault
        if _bearer(state, "x") is None:
            return _unauthorized()
        f = figures(tweet_id)
        return jsonify({"data": {"id": tweet_id, "public_metrics": {
            "retweet_count": f["shares"], "reply_count": f["comments"], "like_count": f["likes"], "quote_count": 0,
            "bookmark_count": 0, "impression_count": f["views"]}}})

    @bp.get("/youtube/youtube/v3/videos")
    def youtube_videos() -> Any:
        if (fault := apply_fault(state, "audience.youtube_videos")) is not None:
            return fault
        if _bearer(state, "youtube") is None:
            return _unauthorized()
        items = []
        for video_id in [v for v in request.args.get("id", "").split(",") if v]:
            f = figures(video_id)
            items.append({"id": video_id, "statistics": {"viewCount": str(f["views"]), "likeCount": str(f["likes"]),
                                                         "favoriteCount": "0", "commentCount": str(f["comments"])}})
        return jsonify({"kind": "youtube#videoListResponse", "items": items})

    def tiktok_answer(data: dict[str, Any]) -> Response:
        return jsonify({"data": data, "error": {"code": "ok", "message": "", "log_id": "sim"}})

    @bp.post("/tiktok/v2/video/query/")
    def tiktok_videos() -> Any:
        if (fault := apply_fault(state, "audience.tiktok_videos")) is not None:
            return fault
        if _bearer(state, "tiktok") is None:
            return _unauthorized()
        ids = ((request.get_json(silent=True) or {}).get("filters") or {}).get("video_ids") or []
        videos = [{"id": vid, "view_count": figures(vid)["views"], "like_count": figures(vid)["likes"],
                   "comment_count": figures(vid)["comments"], "share_count": figures(vid)["shares"]}
                  for vid in ids[:20]]
        return tiktok_answer({"videos": videos})

    return bp
