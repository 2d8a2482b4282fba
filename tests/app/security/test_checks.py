from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.base import AccountFacts
from app.security.checks import (
    check_meta_business_2fa,
    check_token,
    check_verified_badge,
    profile_changes,
    snapshot_profile,
)

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def test_token_check_needs_validity_scopes_and_time_left():
    ok = AccountFacts(token_valid=True, scopes=("a", "b"), expires_at=NOW + timedelta(days=10))
    assert check_token(ok, ("a",), NOW)[0] is True
    assert check_token(ok, ("a", "c"), NOW) == (False, {"token_valid": True, "scopes": ["a", "b"],
                                                       "missing_scopes": ["c"],
                                                       "expires_at": (NOW + timedelta(days=10)).isoformat()})
    expiring = AccountFacts(token_valid=True, expires_at=NOW + timedelta(days=1))
    assert check_token(expiring, (), NOW)[0] is False
    assert check_token(AccountFacts(token_valid=False), (), NOW)[0] is False


def test_meta_business_2fa_only_when_readable():
    assert check_meta_business_2fa(AccountFacts(token_valid=True), (), NOW) is None
    facts = AccountFacts(token_valid=True, extra={"business_two_factor_type": "admin_required"})
    assert check_meta_business_2fa(facts, (), NOW)[0] is False
    facts = AccountFacts(token_valid=True, extra={"business_two_factor_type": "all_required"})
    assert check_meta_business_2fa(facts, (), NOW)[0] is True


def test_verified_badge_reads_profile_or_x_verified_type():
    assert check_verified_badge(AccountFacts(token_valid=True), (), NOW) is None
    assert check_verified_badge(AccountFacts(token_valid=True, profile={"verified": False}), (), NOW)[0] is False
    facts = AccountFacts(token_valid=True, extra={"verified_type": "government"})
    assert check_verified_badge(facts, (), NOW)[0] is True


def test_snapshot_compares_only_watched_fields_present_in_both():
    before = snapshot_profile(AccountFacts(token_valid=True, profile={"display_name": "A", "followers": 5},
                                           extra={"page_tasks": ["MODERATE", "CREATE_CONTENT"]}))
    assert before == {"display_name": "A", "page_tasks": ["CREATE_CONTENT", "MODERATE"]}
    after = {"display_name": "A", "page_tasks": ["CREATE_CONTENT", "MANAGE", "MODERATE"], "bio": "new"}
    assert profile_changes(before, after) == {
        "page_tasks": [["CREATE_CONTENT", "MODERATE"], ["CREATE_CONTENT", "MANAGE", "MODERATE"]]}
