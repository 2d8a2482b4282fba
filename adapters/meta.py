"""What Instagram and Facebook Pages share: Facebook Login, tokens, /debug_token facts.

One consent (Facebook Login for Business) yields a long-lived user token, the
Pages the person manages (each with a Page token that does not expire) and the
Instagram professional accounts linked to them (published to with the Page
token). Both adapters return all of them from `exchange_code`; the admin picks
which to connect to which organisation.
"""
from __future__ import annotations

import re
from abc import abstractmethod
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from adapters.base import (
    AccountFacts,
    AccountRef,
    AdapterError,
    AuthExpired,
    ConnectableAccount,
    PlatformAdapter,
    TokenSet,
)
from adapters.graph import GraphClient
from adapters.graph_audience import GraphAudienceMixin

HASHTAG_RE = re.compile(r"(?<!\w)#\w+")
MENTION_RE = re.compile(r"(?<![\w@])@[\w.]+")

#: Business `two_factor_type` values, weakest first (PLATFORMS.md §6).
TWO_FACTOR_STRENGTH = {"none": 0, "admin_required": 1, "all_required": 2}

#: Permissions asked for at connect time (PLATFORMS.md §1, §2, §6).
META_SCOPES = ("pages_show_list", "pages_read_engagement", "pages_manage_posts", "publish_video",
               "instagram_basic", "instagram_content_publish", "business_management")


def _timestamp(value: Any) -> datetime | None:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


class MetaGraphAdapter(GraphAudienceMixin, PlatformAdapter):
    """Base of the Graph family adapters; subclasses publish."""

    # Facebook Login supports PKCE for the authorisation-code flow.
    supports_pkce: ClassVar[bool] = True
    # Seconds between container / upload status polls, and how many polls before giving up.
    poll_interval_default: ClassVar[float] = 2.0
    poll_max_default: ClassVar[int] = 15

    def __init__(self, settings: dict[str, Any] | None = None, client: GraphClient | None = None) -> None:
        super().__init__(settings)
        self.client = client or GraphClient(self.settings)

    @property
    def app_id(self) -> str:
        return str(self.settings.get("app_id", ""))

    @property
    def _app_token(self) -> str:
        return f"{self.app_id}|{self.settings.get('app_secret', '')}"

    # OAuth ---------------------------------------------------------------------------------
    def authorize_url(self, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        www = str(self.settings.get("www_url", "https://www.facebook.com")).rstrip("/")
        params = {"client_id": self.app_id, "redirect_uri": redirect_uri, "state": state,
                  "response_type": "code", "scope": ",".join(META_SCOPES)}
        if code_challenge:
            params.update(code_challenge=code_challenge, code_challenge_method="S256")
        return f"{www}/{self.client.api_version}/dialog/oauth?{urlencode(params)}"

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str | None = None) -> list[ConnectableAccount]:
        """Code → short-lived user token → long-lived user token → Pages and linked IG accounts."""
        short = self.client.request("GET", "oauth/access_token", params={
            "client_id": self.app_id, "client_secret": self.settings.get("app_secret", ""),
            "redirect_uri": redirect_uri, "code": code, "code_verifier": code_verifier})
        long_lived = self.exchange_long_lived(short["access_token"])
        user_facts = self.debug_token(long_lived.access_token)
        pages = self.client.request("GET", "me/accounts", token=long_lived.access_token, params={
            "fields": "id,name,access_token,tasks,verification_status,picture,"
                      "instagram_business_account{id,username,name,profile_picture_url}"})
        found: list[ConnectableAccount] = []
        for page in pages.get("data", []):
            extra = {"user_access_token": long_lived.access_token,
                     "user_token_expires_at": long_lived.expires_at.isoformat() if long_lived.expires_at else None}
            tokens = TokenSet(access_token=page["access_token"], scopes=user_facts.scopes, extra=extra)
            facts = {"tasks": page.get("tasks", []), "verified": page.get("verification_status") == "blue_verified",
                     "scopes": list(user_facts.scopes),
                     "data_access_expires_at": user_facts.extra.get("data_access_expires_at")}
            found.append(ConnectableAccount(platform="facebook", external_id=page["id"], handle=page["name"],
                                            display_name=page["name"], tokens=tokens, facts=facts))
            ig = page.get("instagram_business_account")
            if ig:
                ig_tokens = TokenSet(access_token=page["access_token"], scopes=user_facts.scopes,
                                     extra={**extra, "page_id": page["id"]})
                found.append(ConnectableAccount(platform="instagram", external_id=ig["id"],
                                                handle=ig.get("username", ig["id"]),
                                                display_name=ig.get("name", ig.get("username", "")),
                                                tokens=ig_tokens, facts={**facts, "page_id": page["id"]}))
        return found

    def exchange_long_lived(self, user_token: str) -> TokenSet:
        """Trade a short-lived user token for a ~60-day one (grant_type=fb_exchange_token)."""
        body = self.client.request("GET", "oauth/access_token", params={
            "grant_type": "fb_exchange_token", "client_id": self.app_id,
            "client_secret": self.settings.get("app_secret", ""), "fb_exchange_token": user_token})
        expires_in = body.get("expires_in")
        expires_at = (datetime.now(UTC).timestamp() + int(expires_in)) if expires_in else None
        return TokenSet(access_token=body["access_token"],
                        expires_at=datetime.fromtimestamp(expires_at, UTC) if expires_at else None)

    def debug_token(self, token: str) -> AccountFacts:
        """`/debug_token` read with the app token: validity, scopes, expiry, data-access expiry."""
        data = self.client.request("GET", "debug_token", token=self._app_token,
                                   params={"input_token": token}).get("data", {})
        return AccountFacts(
            token_valid=bool(data.get("is_valid")), scopes=tuple(data.get("scopes", [])),
            expires_at=_timestamp(data.get("expires_at")),
            extra={"type": data.get("type"), "data_access_expires_at": (
                d.isoformat() if (d := _timestamp(data.get("data_access_expires_at"))) else None),
                "issued_at": (i.isoformat() if (i := _timestamp(data.get("issued_at"))) else None),
                "user_id": data.get("user_id")})

    def refresh_credentials(self, tokens: TokenSet) -> TokenSet:
        """Page tokens do not expire; re-check them and renew the long-lived user token we keep beside them."""
        facts = self.debug_token(tokens.access_token)
        if not facts.token_valid:
            raise AuthExpired("the Page token is no longer valid", code="190")
        extra = dict(tokens.extra)
        user_token = extra.get("user_access_token")
        if user_token:
            try:
                renewed = self.exchange_long_lived(user_token)
            except AuthExpired:
                extra.pop("user_access_token", None)  # the Page token still works; the user token is gone
                extra["user_token_expires_at"] = None
            else:
                extra["user_access_token"] = renewed.access_token
                extra["user_token_expires_at"] = renewed.expires_at.isoformat() if renewed.expires_at else None
        return TokenSet(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                        expires_at=facts.expires_at, scopes=facts.scopes, extra=extra)

    # Facts ---------------------------------------------------------------------------------
    @abstractmethod
    def profile(self, account: AccountRef) -> dict[str, Any]:
        """display_name, avatar_url, verified (and handle) of the connected account."""

    def account_facts(self, account: AccountRef) -> AccountFacts:
        """Scopes/expiry from /debug_token; profile; Business 2FA policy and Page roles when granted."""
        token = account.credentials["access_token"]
        facts = self.debug_token(token)
        extra = dict(facts.extra)
        profile = self.profile(account)
        page_id = self._page_id(account)
        if "business_management" in facts.scopes:
            extra.update(self._business_facts(account, page_id))
        return AccountFacts(token_valid=facts.token_valid, scopes=facts.scopes, expires_at=facts.expires_at,
                            profile=profile, extra=extra)

    def _page_id(self, account: AccountRef) -> str:
        return account.external_id

    def _business_facts(self, account: AccountRef, page_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        user_token = account.credentials.get("extra", {}).get("user_access_token")
        try:
            if user_token:
                businesses = self.client.request("GET", "me/businesses", token=user_token,
                                                 params={"fields": "id,name"}).get("data", [])
                out["businesses"] = [
                    {"id": b["id"], "name": b.get("name", ""),
                     "two_factor_type": self.client.request("GET", b["id"], token=user_token, params={
                         "fields": "two_factor_type"}).get("two_factor_type")}
                    for b in businesses]
            roles = self.client.request("GET", f"{page_id}/assigned_users", token=account.credentials["access_token"],
                                        params={"fields": "id,name,tasks"}).get("data", [])
            out["page_roles"] = [{"id": r["id"], "name": r.get("name", ""), "tasks": r.get("tasks", [])}
                                 for r in roles]
            # For the security checks: the weakest Business 2FA policy, and who may do what on the Page
            # (a new person or task there is a takeover signal, app/security/checks.py SNAPSHOT_FIELDS).
            policies = [b["two_factor_type"] for b in out.get("businesses", []) if b.get("two_factor_type")]
            if policies:
                out["business_two_factor_type"] = min(policies, key=lambda p: TWO_FACTOR_STRENGTH.get(p, 0))
            out["page_tasks"] = sorted(f"{r['id']}:{task}" for r in out["page_roles"] for task in r["tasks"])
        except AdapterError as exc:  # facts are best-effort; the reason is kept for the checklist
            out["business_facts_error"] = exc.platform_message
        return out


def count_hashtags(text: str) -> int:
    return len(HASHTAG_RE.findall(text))


def count_mentions(text: str) -> int:
    return len(MENTION_RE.findall(text))
