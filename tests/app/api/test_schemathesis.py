"""Property-based test of /api/v1 with schemathesis, against the WSGI app with a real token.

Every operation of the OpenAPI document gets `MAX_EXAMPLES` generated requests (valid and
invalid bodies, query strings and ids); each answer must be no 5xx, have a documented status
and content type, and match its response schema (the error envelope included).
"""
from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from app.models import Hold, HoldScope, OrgKind, PostTarget
from tests.app.api.conftest import token_for

MAX_EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def seeded(app: Any, factory: Any) -> str:
    """An admin + reviewer of a small tree with accounts, posts and a hold; returns their token."""
    root = factory.org("Diskominfo Balikpapan", kind=OrgKind.DISKOMINFO)
    opd = factory.org("Dinas Pendidikan", parent=root)
    admin = factory.user(root, "admin", totp_enabled=True)
    factory.member(admin, opd, "reviewer")
    author = factory.user(opd, "admin", totp_enabled=True)
    account = factory.account(opd, "x", handle="disdik_bpp")
    for n in range(3):
        post = factory.post(opd, author, body=f"Pengumuman {n}")
        db.session.add(PostTarget(post_id=post.id, account_id=account.id))
    db.session.add(Hold(organisation_id=opd.id, scope=HoldScope.ORGANISATION, reason="Uji", created_by_id=admin.id))
    db.session.commit()
    return token_for(admin, "read", "write", "approve")


def test_api_answers_conform_to_the_openapi_document(app: Any, seeded: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {seeded}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19
    failures: list[str] = []
    cases = 0

    for operation in operations:
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            nonlocal cases
            cases += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as error:
            failures.append(f"{operation.label}: {error}")
    print(f"schemathesis: {len(operations)} operations, {cases} generated requests, {len(failures)} failures")
    assert not failures, "\n\n".join(failures)
    assert cases >= len(operations) * 3  # the generator really ran
