"""The click-through consent page shared by the X, YouTube and TikTok simulators."""
from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from flask import redirect, request
from werkzeug.wrappers import Response

from simulator.state import SimState

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:2rem auto">
<h1>{title}</h1><p>Simulated consent: <b>Warta</b> asks for <code>{scopes}</code>.</p>
<form method="post">{hidden}{buttons}
<button name="deny" value="1">Deny</button></form></body></html>"""


def consent(state: SimState, platform: str, title: str, scope: str, extra: dict[str, str] | None = None) -> Response:
    """GET shows the accounts to approve as; POST redirects back with `code` and `state`."""
    params = request.values
    redirect_uri = params.get("redirect_uri", "")
    if request.method == "POST":
        query = {"state": params.get("state", "")}
        if params.get("deny"):
            query["error"] = "access_denied"
        else:
            query["code"] = state.new_code(platform, params["account"], redirect_uri=redirect_uri,
                                           challenge=params.get("code_challenge", ""), scope=scope, **(extra or {}))
        return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(query)}")
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items())
    buttons = "".join(
        f'<p><button name="account" value="{escape(acc)}">Approve as {escape(str(info))}</button></p>'
        for acc, info in state.accounts.get(platform, {}).items())
    return Response(_PAGE.format(title=escape(title), scopes=escape(scope), hidden=hidden, buttons=buttons),
                    mimetype="text/html")
