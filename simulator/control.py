"""Control API of the simulator: faults, latency, record, feeds, reset (`/_sim/...`).

    POST   /_sim/faults   {"endpoint", "preset"?, "status"?, "body"?, "headers"?, "delay"?, "times"?}
    GET    /_sim/faults   DELETE /_sim/faults
    POST   /_sim/latency  {"endpoint": "*" | key, "seconds": float}
    POST   /_sim/config   {"container_polls": int, "processing_polls": int}
    POST   /_sim/tokens/expire {"token": "..."} | {"platform": "x", "account": "<id>"} | {"all": true}
    POST   /_sim/profile  {"platform", "account": id or name, "changes": {field: value}}  (PROFILE_FIELDS)
    POST   /_sim/reset    {"seed": true}
    POST   /_sim/clock    {"advance": seconds}   (the platforms' clock; due scheduled posts go live)
    GET    /_sim/record   ?platform=&account=&action=   (read-only list of every publish)
    GET    /_sim/feed/<platform>/<account>   HTML feed of one simulated account (id or username)

Endpoint keys are `graph.*`, `ig.*`, `fb.*` (simulator/graph.py) and `x.*`, `youtube.*`,
`tiktok.*` (simulator/x.py, youtube.py, tiktok.py). A `preset` on a Graph key expands to
the Graph error in `PRESETS`; on an X/YouTube/TikTok key it names that family's fault
(its `FAULT_NAMES`), which the family renders as the platform's own error. A literal
`status`/`body`/`headers` fault works on every key.
"""
from __future__ import annotations

import importlib
import time
from html import escape
from typing import Any

from flask import Blueprint, Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from simulator.state import Fault, SimState

#: Named faults; each expands to a status, body and headers like the real platform's.
PRESETS: dict[str, dict[str, Any]] = {
    "rate_limited": {"status": 400, "body": {"error": {
        "message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4,
        "is_transient": True, "fbtrace_id": "sim"}},
        "headers": {"X-Business-Use-Case-Usage": '{"300000000000001":[{"type":"pages","call_count":100,'
                    '"total_cputime":30,"total_time":40,"estimated_time_to_regain_access":7}]}'}},
    "user_rate_limited": {"status": 400, "body": {"error": {
        "message": "(#17) User request limit reached", "type": "OAuthException", "code": 17, "fbtrace_id": "sim"}},
        "headers": {"X-App-Usage": '{"call_count":100,"total_cputime":12,"total_time":20}'}},
    "too_many_requests": {"status": 429, "body": {}, "headers": {"Retry-After": "30"}},
    "daily_publish_cap": {"status": 400, "body": {"error": {
        "message": "Application request limit reached", "type": "OAuthException", "code": 9,
        "error_subcode": 2207042, "fbtrace_id": "sim"}}},
    "server_error": {"status": 500, "body": {"error": {
        "message": "An unknown error has occurred.", "type": "OAuthException", "code": 1, "fbtrace_id": "sim"}}},
    "bad_gateway": {"status": 502, "body": {}},
    "expired_token": {"status": 400, "body": {"error": {
        "message": "Error validating access token: Session has expired.", "type": "OAuthException",
        "code": 190, "error_subcode": 463, "fbtrace_id": "sim"}}},
    "content_rejected": {"status": 400, "body": {"error": {
        "message": "The image size is too large.", "type": "OAuthException", "code": 36000,
        "error_subcode": 2207004, "error_user_msg": "The image is too large (max 8 MB).", "fbtrace_id": "sim"}}},
    "spam": {"status": 400, "body": {"error": {
        "message": "The action is blocked as spam.", "type": "OAuthException", "code": 4,
        "error_subcode": 2207051, "fbtrace_id": "sim"}}},
    "media_not_ready": {"status": 400, "body": {"error": {
        "message": "Media ID is not available", "type": "OAuthException", "code": 9007,
        "error_subcode": 2207027, "fbtrace_id": "sim"}}},
    "timeout": {"status": 0, "delay": 35.0},
}


#: Profile facts `POST /_sim/profile` may change, per platform, named as that platform's API names them
#: (what the adapters' `account_facts` read: display name, handle, bio, avatar, verification, Page tasks).
PROFILE_FIELDS: dict[str, tuple[str, ...]] = {
    "facebook": ("name", "about", "verified", "picture_url", "tasks"),
    "instagram": ("username", "name", "biography", "profile_picture_url"),
    "x": ("username", "name", "description", "verified_type", "profile_image_url"),
    "youtube": ("title", "customUrl", "description", "thumbnail_url"),
    "tiktok": ("username", "display_name", "bio_description", "avatar_url", "is_verified"),
}
GRAPH_KINDS = {"facebook": "page", "instagram": "ig_user"}


def find_profile(state: SimState, platform: str, account: str) -> dict[str, Any] | None:
    """The stored profile of `account` (id, username, Page name or channel title) on `platform`."""
    if platform in GRAPH_KINDS:
        entries = [(o["id"], o) for o in state.objects.values() if o["kind"] == GRAPH_KINDS[platform]]
    else:
        entries = list(state.accounts.get(platform, {}).items())
    for key, profile in entries:
        if account in {str(key), *(str(profile[k]) for k in ("username", "name", "title") if profile.get(k))}:
            return profile
    return None


def take_fault(state: SimState, endpoint: str) -> Fault | None:
    """Sleep for the configured latency (plus the fault's delay); the fault for `endpoint`, if any."""
    delay = state.delay_for(endpoint)
    fault = state.take_fault(endpoint)
    if fault is not None:
        delay += fault.delay
    if delay:
        time.sleep(delay)
    return fault


def fault_response(fault: Fault | None) -> ResponseReturnValue | None:
    """The literal error response of a status fault (None for delay-only or named faults)."""
    if fault is None or not fault.status:
        return None
    return jsonify(fault.body) if fault.body else "", fault.status, fault.headers


def apply_fault(state: SimState, endpoint: str) -> ResponseReturnValue | None:
    """Sleep for configured latency; return an injected error response for `endpoint`, if any."""
    return fault_response(take_fault(state, endpoint))


def _named_fault_family(endpoint: str) -> Any:
    """The family module whose platform-specific fault names apply to `endpoint` (x., youtube., tiktok.)."""
    from simulator import FAMILIES

    family, _, rest = endpoint.partition(".")
    if not rest or family not in FAMILIES:
        return None
    module = importlib.import_module(FAMILIES[family])
    return module if hasattr(module, "FAULT_NAMES") else None


def register(app: Flask, state: SimState) -> None:
    bp = Blueprint("sim_control", __name__, url_prefix="/_sim", template_folder="templates")

    @bp.post("/faults")
    def add_fault() -> ResponseReturnValue:
        spec = dict(request.get_json(force=True) or {})
        if not spec.get("endpoint"):
            return {"error": "endpoint is required ('*' for all)"}, 400
        family = _named_fault_family(str(spec["endpoint"]))
        name = ""
        if family is not None and "preset" in spec:
            name = str(spec.pop("preset"))
            if name not in family.FAULT_NAMES and spec["endpoint"] not in getattr(family, "FREE_FAULT_ENDPOINTS", ()):
                return {"error": f"unknown preset; known: {sorted(family.FAULT_NAMES)}"}, 400
            preset: dict[str, Any] = {}
        else:
            preset = PRESETS.get(spec.pop("preset", ""), {}) if "preset" in spec else {}
            if "preset" in (request.get_json(force=True) or {}) and not preset:
                return {"error": f"unknown preset; known: {sorted(PRESETS)}"}, 400
        merged = {**preset, **spec}
        fault = state.add_fault(Fault(endpoint=merged["endpoint"], name=name, status=int(merged.get("status", 0)),
                                      body=merged.get("body", {}), headers=merged.get("headers", {}),
                                      delay=float(merged.get("delay", 0)), times=int(merged.get("times", 1))))
        return fault.as_dict(), 201

    @bp.get("/faults")
    def list_faults() -> ResponseReturnValue:
        with state.lock:
            return {"faults": [f.as_dict() for f in state.faults], "presets": sorted(PRESETS)}

    @bp.delete("/faults")
    def clear_faults() -> ResponseReturnValue:
        with state.lock:
            state.faults.clear()
            state.latency.clear()
        return {"cleared": True}

    @bp.post("/latency")
    def set_latency() -> ResponseReturnValue:
        spec = request.get_json(force=True) or {}
        with state.lock:
            state.latency[str(spec.get("endpoint", "*"))] = float(spec.get("seconds", 0))
        return {"latency": state.latency}

    @bp.post("/config")
    def set_config() -> ResponseReturnValue:
        spec = request.get_json(force=True) or {}
        with state.lock:
            if "container_polls" in spec:
                state.container_polls = int(spec["container_polls"])
            if "processing_polls" in spec:
                state.processing_polls = int(spec["processing_polls"])
        return {"container_polls": state.container_polls, "processing_polls": state.processing_polls}

    @bp.post("/clock")
    def advance_clock() -> ResponseReturnValue:
        """Move the platforms' clock on by `advance` seconds: natively scheduled posts that are due go live."""
        spec = request.get_json(force=True) or {}
        with state.lock:
            state.clock_offset += float(spec.get("advance", 0))
        from simulator.graph import go_live_due

        return {"clock_offset": state.clock_offset, "went_live": go_live_due(state)}

    @bp.post("/tokens/expire")
    def expire_tokens() -> ResponseReturnValue:
        spec = request.get_json(force=True) or {}
        count = 0
        with state.lock:
            for value, record in state.tokens.items():
                of_account = bool(spec.get("platform")) and record.get("platform") == spec["platform"] \
                    and str(spec.get("account", "")) in ("", str(record.get("account")))
                if spec.get("all") or value == spec.get("token") or of_account:
                    record["expires_at"] = int(time.time()) - 1
                    count += 1
        return {"expired": count}

    @bp.post("/profile")
    def change_profile() -> ResponseReturnValue:
        """Change an account's profile on the platform (as a hijacker would): the next facts read see it."""
        spec = request.get_json(force=True) or {}
        platform, changes = str(spec.get("platform", "")), spec.get("changes") or {}
        if platform not in PROFILE_FIELDS:
            return {"error": f"unknown platform; known: {sorted(PROFILE_FIELDS)}"}, 400
        unknown = sorted(set(changes) - set(PROFILE_FIELDS[platform]))
        if unknown or not isinstance(changes, dict) or not changes:
            return {"error": f"changes must set some of {list(PROFILE_FIELDS[platform])}; unknown: {unknown}"}, 400
        with state.lock:
            profile = find_profile(state, platform, str(spec.get("account", "")))
            if profile is None:
                return {"error": f"no {platform} account {spec.get('account')!r}"}, 404
            before = {key: profile.get(key) for key in changes}
            profile.update(changes)
        return {"platform": platform, "before": before, "after": changes}

    @bp.post("/reset")
    def reset() -> ResponseReturnValue:
        spec = request.get_json(silent=True) or {}
        state.reset()
        if spec.get("seed", True):
            from simulator import FAMILIES

            for module_path in FAMILIES.values():
                importlib.import_module(module_path).seed(state)
        return {"reset": True}

    @bp.get("/record")
    def record() -> ResponseReturnValue:
        from simulator.graph import go_live_due

        go_live_due(state)
        args = request.args
        with state.lock:
            entries = [dict(r) for r in state.record
                       if (not args.get("platform") or r["platform"] == args["platform"])
                       and (not args.get("account") or args["account"] in (str(r["account_id"]), r["account"]))
                       and (not args.get("action") or r["action"] == args["action"])]
        return {"count": len(entries), "record": entries}

    @bp.get("/feed/<platform>/<account>")
    def feed(platform: str, account: str) -> ResponseReturnValue:
        from simulator.graph import go_live_due

        go_live_due(state)
        with state.lock:
            live = {r["remote_id"] for r in state.record if r["action"] == "publish"}
            # A scheduled post shows as scheduled until it goes live; a cancelled (deleted) one not at all.
            entries = [dict(r) for r in state.record if r["platform"] == platform
                       and account in (str(r["account_id"]), str(r["account"]))
                       and (r["action"] == "publish" or (r["action"] == "schedule" and r["remote_id"] not in live))
                       and not (state.objects.get(str(r.get("remote_id"))) or {}).get("deleted")]
        entries.reverse()
        return render_template("sim_feed.html", platform=platform, account=account, entries=entries,
                               when=lambda ts: time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts)))

    @bp.get("/avatar/<object_id>.svg")
    def avatar(object_id: str) -> ResponseReturnValue:
        letter = escape(object_id[-1:])
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" '
               f'fill="#3b5998"/><text x="32" y="42" font-size="28" text-anchor="middle" fill="#fff">{letter}'
               "</text></svg>")
        return svg, 200, {"Content-Type": "image/svg+xml"}

    app.register_blueprint(bp)
    app.extensions["sim_presets"] = PRESETS
