"""An example third-party adapter: registers the slug `mastodon` through the entry points."""
from __future__ import annotations

from adapters.base import (
    AccountFacts,
    AccountRef,
    ConnectableAccount,
    PlatformAdapter,
    Problem,
    PublishJob,
    PublishResult,
    TokenSet,
    Variant,
)


class MastodonAdapter(PlatformAdapter):
    slug = "mastodon"
    display_name = "Mastodon"
    # Toots are 500 characters on a default server.
    text_maxlen = 500

    def validate(self, variant: Variant) -> list[Problem]:
        too_long = self.count_text(variant.text) > self.text_maxlen
        return [Problem("text_too_long", "Toot is too long")] if too_long else []

    def publish(self, job: PublishJob) -> PublishResult:
        return PublishResult(remote_id=f"toot-{job.target_id}")

    def find_published(self, job: PublishJob) -> PublishResult | None:
        return None

    def refresh_credentials(self, tokens: TokenSet) -> TokenSet:
        return tokens

    def authorize_url(self, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        return f"{self.settings.get('base_url', 'https://mastodon.example')}/oauth/authorize?state={state}"

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str | None = None) -> list[ConnectableAccount]:
        return []

    def account_facts(self, account: AccountRef) -> AccountFacts:
        return AccountFacts(token_valid=True)
