"""The adapter contract: one subclass of `PlatformAdapter` per platform.

An adapter turns a prepared `PublishJob` (plain data, no ORM objects) into
calls to the platform's real HTTP API, and turns the platform's errors into
the four typed errors below, which the publishing worker maps to target states:

    RateLimited(retry_at) -> re-queued at the platform's reset time
    Transient             -> retried with backoff, bounded attempts
    AuthExpired           -> needs_reconnect, the account is flagged
    Permanent             -> failed, with the platform's own message

Limits are declared as commented class attributes with conservative defaults
(the Apprise pattern) so validation, the composer and the docs read one source.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

# -- typed errors -------------------------------------------------------------


class AdapterError(Exception):
    """Base of every error an adapter raises; `platform_message` is the platform's own words."""

    def __init__(self, message: str, *, platform_message: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.platform_message = platform_message or message
        self.code = code


class RateLimited(AdapterError):
    """The platform refused for now; try again at `retry_at` (UTC)."""

    def __init__(self, message: str, *, retry_at: datetime, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_at = retry_at


class Transient(AdapterError):
    """A temporary failure (5xx, timeout, media still processing): retry with backoff."""


class AuthExpired(AdapterError):
    """The token is expired, revoked or lacks permission: a person must reconnect the account."""


class Permanent(AdapterError):
    """The platform rejected the content or request; retrying will not help."""


class NotSupported(AdapterError):
    """The platform (or this adapter) cannot read what was asked, e.g. audience figures."""


#: `Transient.code` of a native-schedule request whose time is in the future but closer than the platform's
#: minimum lead: nothing was sent; the pipeline publishes it at its time instead (never early).
NATIVE_TOO_CLOSE = "native_too_close"


class OutcomeUnknown(AdapterError):
    """The call may or may not have published (e.g. a timeout after sending): reconcile, never blindly retry."""


# -- data passed in and out ---------------------------------------------------


@dataclass(frozen=True)
class MediaItem:
    """One media file as the platform will fetch or receive it."""

    url: str  # signed public URL the platform can fetch
    kind: str  # "image" | "video"
    content_type: str
    size_bytes: int = 0
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    alt_text: str = ""
    path: str | None = None  # local file, for adapters that upload bytes


@dataclass(frozen=True)
class Collaboration:
    """An influencer tagged on a post, resolved for one platform."""

    handle: str
    platform_user_id: str | None = None
    paid: bool = False


@dataclass(frozen=True)
class Variant:
    """What the author wants on one platform; validated before scheduling."""

    text: str
    media: tuple[MediaItem, ...] = ()
    title: str = ""
    collaborations: tuple[Collaboration, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)  # platform-specific (privacy, media_type, ...)


@dataclass(frozen=True)
class AccountRef:
    """The account to act on, with decrypted credentials (never logged)."""

    account_id: int
    external_id: str
    handle: str
    credentials: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class PublishJob:
    """Everything an adapter needs to publish one target."""

    target_id: int
    account: AccountRef
    variant: Variant
    idempotency_marker: str  # unique per target; lets find_published recognise our post
    scheduled_at: datetime | None = None


@dataclass(frozen=True)
class PublishResult:
    remote_id: str
    permalink: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """A validation problem shown to the author; `message` is already translated."""

    code: str
    message: str
    field: str = "text"


@dataclass
class TokenSet:
    """Credentials as stored (encrypted) on the account."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectableAccount:
    """An account found after OAuth that an admin may connect to an organisation.

    One consent can yield accounts of several platforms (a Facebook login lists
    Pages and their linked Instagram accounts), so each carries its `platform` slug.
    """

    platform: str
    external_id: str
    handle: str
    display_name: str
    tokens: TokenSet
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResolvedUser:
    """Another person's account found on the platform by its handle (an influencer's)."""

    user_id: str
    username: str
    display_name: str = ""


@dataclass(frozen=True)
class AccountFacts:
    """Security-relevant facts the API exposes (used by the security checklist)."""

    token_valid: bool
    scopes: tuple[str, ...] = ()
    expires_at: datetime | None = None
    profile: dict[str, Any] = field(default_factory=dict)  # display_name, avatar_url, bio, verified
    extra: dict[str, Any] = field(default_factory=dict)


def planned_disclosure(variant: Variant) -> dict[str, Any] | None:
    """The collaboration plan's exact request fields for this platform, or None when there is no plan.

    Warta's influencer mapping (app/influencers/mapping.py) stores them in `options["disclosure_fields"]`;
    adapters send them instead of their own guess from `variant.collaborations` (which lists everyone
    with a handle, whatever the kind of collaboration).
    """
    planned = variant.options.get("disclosure_fields")
    return dict(planned) if isinstance(planned, dict) else None


@dataclass(frozen=True)
class AudienceFigures:
    """Audience numbers as the platform reports them; a figure it does not expose stays None (never 0)."""

    followers: int | None = None
    views: int | None = None  # views / impressions / plays
    reach: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None

    def as_columns(self) -> dict[str, int | None]:
        return {"followers": self.followers, "views": self.views, "reach": self.reach, "likes": self.likes,
                "comments": self.comments, "shares": self.shares}


# -- the base class -------------------------------------------------------------


class PlatformAdapter(ABC):
    """Base of every platform adapter. Subclasses set the limits and implement the methods."""

    # Stable identifier used in the database, config and entry points ("instagram").
    slug: ClassVar[str] = ""
    # Name shown to people.
    display_name: ClassVar[str] = ""
    # Maximum text length, as `count_text` counts it; 0 means the platform takes no text.
    text_maxlen: ClassVar[int] = 2200
    # Maximum title length (YouTube); 0 means the platform has no title.
    title_maxlen: ClassVar[int] = 0
    # Maximum number of hashtags / @-mentions in the text (None: no limit).
    hashtag_max: ClassVar[int | None] = None
    mention_max: ClassVar[int | None] = None
    # Media the platform accepts and how many per post; `requires_media` for IG, YouTube, TikTok.
    media_kinds: ClassVar[frozenset[str]] = frozenset({"image", "video"})
    max_media_per_post: ClassVar[int] = 1
    requires_media: ClassVar[bool] = False
    # Collaborators / co-authors per post (0: none).
    collaborator_max: ClassVar[int] = 0
    # Whether the platform can hold a post and publish it itself at a time, and how far ahead
    # (at least `native_schedule_min`, at most `native_schedule_max` before that time).
    supports_native_scheduling: ClassVar[bool] = False
    # Whether `resolve_user` can look up another person's account by handle (TikTok has no such API).
    supports_user_lookup: ClassVar[bool] = False
    # Whether `collaborator_statuses` reads the fate of collaborator invites on a published post.
    supports_collaborator_status: ClassVar[bool] = False
    native_schedule_min: ClassVar[timedelta] = timedelta(0)
    native_schedule_max: ClassVar[timedelta] = timedelta(0)

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        """`settings` comes from config (base URLs, API version, app id/secret, timeouts)."""
        self.settings = dict(settings or {})

    # Text ---------------------------------------------------------------------
    def count_text(self, text: str) -> int:
        """Length of `text` as the platform counts it (X overrides with weighted counting)."""
        return len(text)

    # Contract -----------------------------------------------------------------
    @abstractmethod
    def validate(self, variant: Variant) -> list[Problem]:
        """Problems that would make the platform reject this variant (empty when fine)."""

    @abstractmethod
    def publish(self, job: PublishJob) -> PublishResult:
        """Publish one target; raise a typed `AdapterError` on failure."""

    @abstractmethod
    def find_published(self, job: PublishJob) -> PublishResult | None:
        """Look on the platform for a post made by `job` (by its idempotency marker); None if absent."""

    @abstractmethod
    def refresh_credentials(self, tokens: TokenSet) -> TokenSet:
        """Return fresh tokens (keeping the newest refresh token); AuthExpired if impossible."""

    @abstractmethod
    def authorize_url(self, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        """The platform's OAuth consent URL."""

    @abstractmethod
    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str | None = None) -> list[ConnectableAccount]:
        """Trade an OAuth code for tokens and list the accounts that can be connected."""

    @abstractmethod
    def account_facts(self, account: AccountRef) -> AccountFacts:
        """Token scopes and expiry and the security-relevant profile facts of an account."""

    def disclosure_fields(self, variant: Variant) -> dict[str, Any]:
        """The platform's collaboration / paid-partnership request fields for `variant`."""
        return {}

    def publishing_quota(self, account: AccountRef) -> dict[str, Any] | None:
        """The platform's own publishing quota for the quota ledger ({"used", "total", "window_seconds"}),
        or None when the platform does not expose one."""
        return None

    def cancel_native_schedule(self, account: AccountRef, remote_id: str) -> None:
        """Remove a post the platform holds for later (crisis hold); only with native scheduling."""
        raise Permanent(f"{self.slug} holds no natively scheduled posts")

    def update_native_schedule(self, job: PublishJob, remote_id: str) -> None:
        """Change the text or time of a natively scheduled post (an edit after scheduling)."""
        raise Permanent(f"{self.slug} holds no natively scheduled posts")

    def audience(self, account: AccountRef) -> AudienceFigures:
        """The account's audience (followers) for the activity dashboard; optional."""
        raise NotSupported(f"{self.slug} does not report audience figures")

    def post_metrics(self, account: AccountRef, remote_id: str) -> AudienceFigures:
        """Views / reach / likes / comments / shares of one published post; optional."""
        raise NotSupported(f"{self.slug} does not report post metrics")

    def resolve_user(self, account: AccountRef, handle: str) -> ResolvedUser | None:
        """Look up another person's account by `handle` with `account`'s token; None when it does not exist."""
        raise Permanent(f"{self.slug} cannot look up other users' accounts", code="unsupported")

    def collaborator_statuses(self, account: AccountRef, remote_id: str) -> dict[str, str]:
        """{username: "pending" | "accepted" | "declined"} of the collaborators invited on a published post."""
        raise Permanent(f"{self.slug} reports no collaborator invite status", code="unsupported")

    def native_schedule_status(self, account: AccountRef, remote_id: str) -> PublishResult | None:
        """A natively scheduled post as the platform shows it: a result once it is live, None while
        the platform still holds it; `Permanent` when it is not there any more (deleted on the platform)."""
        raise Permanent(f"{self.slug} holds no natively scheduled posts")
