"""The role × tenant checker: every route of `app.url_map`, with tenant A's ids, as tenant B.

Used by tests/test_role_tenant.py (which also proves the checker catches leaks).
Rules:
- anonymous: a redirect to the sign-in page or 401, never anything else;
- each of the five roles of tenant B: 302/303/400/401/403/404/405; a 2xx only on a route
  without object ids and only when the page holds none of tenant A's data; never a 5xx;
- afterwards tenant A's rows are unchanged and no audit event was written for A's organisations.
Routes under /api/ take no session: there each role of tenant B calls with its own personal API token
(every scope it may hold) and a JSON body `{}` on writes, so tenancy is checked behind authentication.
Routes exempt from the check are listed in `EXEMPT` with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import inspect, text
from werkzeug.routing import Rule

from app.extensions import db
from app.models import (
    AuditEvent,
    Media,
    Membership,
    Organisation,
    OrgKind,
    Post,
    PostMedia,
    PostTarget,
    Role,
    SocialAccount,
    User,
)
from tests.factories import Factory, sign_in
from tests.route_params import EXTRA_BUILDERS, ROUTE_PARAMS

#: Endpoints not checked, with the reason. Keep this short; every entry is a public page.
EXEMPT: dict[str, str] = {
    "static": "public CSS and images, no tenant data",
    "auth.login": "the sign-in page is public by design (its POST is throttled and audited)",
    "main.set_language": "visitors pick a language on the sign-in page; it only stores that choice",
    "publishing.health": "operator endpoint for monitors: operator token or allowed networks only, installation-wide "
                         "counts without tenant data; answers 503 when degraded by design (tests/app/publishing)",
    "publishing.metrics": "Prometheus endpoint: operator token or allowed networks only, aggregate counters without "
                          "tenant data (tests/app/publishing)",
    "media.public_file": "platforms fetch media by a signed, expiring URL without signing in; a bad, foreign or "
                         "expired signature is 404 (tests/app/test_media.py)",
    "api-docs.openapi_json": "the public OpenAPI document of /api/v1: schemas and paths only, no tenant data",
    "api_docs.reference": "the public HTML rendering of that OpenAPI document, no tenant data",
}

API_PREFIX = "/api/"

CHECKED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
FOREIGN_OK = {302, 303, 400, 401, 403, 404, 405}


@dataclass
class Tenant:
    """One Pemda tree with every kind of object; `marker` is in every visible text field."""

    label: str
    marker: str
    root: Organisation
    org: Organisation
    users: dict[str, User]
    member: Membership
    account: SocialAccount
    post: Post
    target: PostTarget
    media: Media
    objects: dict[str, Any] = field(default_factory=dict)

    @property
    def organisation_ids(self) -> set[int]:
        return {self.root.id, self.org.id}


def build_tenant(factory: Factory, label: str) -> Tenant:
    marker = f"TENANT-{label}-MARKER-93b1"
    root = factory.org(f"Diskominfo {marker}", kind=OrgKind.DISKOMINFO)
    org = factory.org(f"Dinas {marker}", parent=root)
    users = {role.value: factory.user(root, role.value, email=f"{role.value}.{label.lower()}@tenant.example.org",
                                      name=f"{role.value} {marker}") for role in Role}
    staff = factory.user(org, Role.ADMIN.value, email=f"staff.{label.lower()}@tenant.example.org",
                         name=f"Staff {marker}")
    member = db.session.scalar(db.select(Membership).where(Membership.user_id == staff.id))
    account = factory.account(org, "instagram", handle=f"acct_{label.lower()}_{marker}",
                              credentials={"access_token": f"token-{marker}"})
    post = factory.post(org, staff, body=f"Pengumuman {marker}", title=f"Judul {marker}")
    target = PostTarget(post_id=post.id, account_id=account.id, remote_url=f"https://example.org/{marker}")
    media = Media(organisation_id=org.id, uploaded_by_id=staff.id, filename=f"{marker}.jpg",
                  content_type="image/jpeg", size_bytes=1234, sha256="0" * 64,
                  storage_key=f"media/{label}/{marker}.jpg", alt_text=f"Foto {marker}")
    db.session.add_all([target, media])
    db.session.flush()
    db.session.add(PostMedia(post_id=post.id, media_id=media.id, position=0))
    db.session.commit()
    tenant = Tenant(label, marker, root, org, users, member, account, post, target, media)
    for builder in EXTRA_BUILDERS:
        builder(tenant, factory)
    return tenant


@dataclass
class Report:
    checked: set[tuple[str, str]] = field(default_factory=set)  # (rule, method)
    problems: list[str] = field(default_factory=list)

    @property
    def checked_rules(self) -> set[str]:
        return {rule for rule, _method in self.checked}


def checkable_rules(app: Flask, only: Any = None) -> list[Rule]:
    """Every rule of the app except the exempt ones (optionally filtered by `only(rule)`)."""
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint not in EXEMPT and (only is None or only(rule))]


def _url_for(rule: Rule, tenant: Tenant, report: Report) -> str | None:
    values = {}
    for name in sorted(rule.arguments):
        if name in (rule.defaults or {}):
            continue
        if name not in ROUTE_PARAMS:
            report.problems.append(
                f"{rule.rule}: unknown URL parameter <{name}>; register it in tests/route_params.py "
                f"(ROUTE_PARAMS['{name}'] = lambda t: <id of tenant A's object>, and an EXTRA_BUILDERS "
                f"entry if it is a new model), or exempt endpoint {rule.endpoint!r} in tests/role_tenant.py "
                f"EXEMPT with a reason")
            return None
        values[name] = ROUTE_PARAMS[name](tenant)
    built = rule.build(values, append_unknown=False)
    return built[1] if built else None


def _api_token(user: User, cache: dict[int, str]) -> dict[str, str]:
    """A personal API token for `user` with every scope the user may hold (made once per check)."""
    from app.api.tokens import create_token, may_approve

    if user.id not in cache:
        user.totp_enabled = True
        scopes = {"read", "write"} | ({"approve"} if may_approve(user) else set())
        cache[user.id] = create_token(user, "role-tenant check", scopes).secret
        db.session.commit()
    return {"Authorization": f"Bearer {cache[user.id]}"}


def _request(client: Any, method: str, url: str, **kwargs: Any) -> tuple[int | None, str, str]:
    try:
        response = client.open(url, method=method, **kwargs)
    except Exception as error:  # TESTING propagates exceptions: count them as a 500
        return None, f"{type(error).__name__}: {error}", ""
    return response.status_code, response.get_data(as_text=True), response.headers.get("Location", "")


def _snapshot(tenant: Tenant) -> dict[str, list[tuple]]:
    """Every row that belongs to the tenant, in every table of the database (new models included)."""
    db.session.expire_all()
    orgs = tenant.organisation_ids
    users = {u.id for u in db.session.scalars(db.select(User).join(Membership).join(Organisation)
                                              .where(Organisation.id.in_(orgs)))}
    posts = {p.id for p in db.session.scalars(db.select(Post).where(Post.organisation_id.in_(orgs)))}
    by_column = {"organisation_id": orgs, "user_id": users, "post_id": posts, "author_id": users}
    snapshot: dict[str, list[tuple]] = {}
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if table in ("audit_event", "alembic_version"):
                continue
            columns = {c["name"] for c in inspect(conn).get_columns(table)}
            conditions = []
            if table == "organisation":
                conditions.append(("id", orgs))
            if table == "user":
                conditions.append(("id", users))
            conditions += [(column, ids) for column, ids in by_column.items() if column in columns and ids]
            rows: list[tuple] = []
            for column, ids in conditions:
                id_list = ", ".join(str(int(i)) for i in ids)
                query = f'SELECT * FROM "{table}" WHERE "{column}" IN ({id_list}) ORDER BY 1'  # noqa: S608
                rows += [tuple(str(v) for v in row) for row in conn.execute(text(query))]
            if conditions:
                snapshot[table] = sorted(rows)
    return snapshot


def _leaks(body: str, location: str, tenant_a: Tenant) -> bool:
    return tenant_a.marker in body or tenant_a.marker in location


def check_routes(app: Flask, tenant_a: Tenant, tenant_b: Tenant, only: Any = None) -> Report:
    """Request every checkable rule and method as anonymous and as each role of tenant B."""
    report = Report()
    before = _snapshot(tenant_a)
    last_audit = db.session.scalar(db.select(db.func.max(AuditEvent.id))) or 0
    identities: list[tuple[str, User | None]] = [("anonymous", None)]
    identities += [(f"tenant {tenant_b.label} {role}", user) for role, user in tenant_b.users.items()]
    api_tokens: dict[int, str] = {}
    for rule in checkable_rules(app, only):
        url = _url_for(rule, tenant_a, report)
        if url is None:
            continue
        has_ids = bool(set(rule.arguments) - set(rule.defaults or {}))
        for method in CHECKED_METHODS:
            if method not in (rule.methods or ()):
                continue
            report.checked.add((rule.rule, method))
            for who, user in identities:
                client = app.test_client()
                kwargs: dict[str, Any] = {}
                if rule.rule.startswith(API_PREFIX):
                    if method in ("POST", "PUT", "PATCH"):
                        kwargs["json"] = {}
                    if user is not None:
                        kwargs["headers"] = _api_token(user, api_tokens)
                elif user is not None:
                    db.session.refresh(user)  # a request may have rotated the session token
                    sign_in(client, user)
                status, body, location = _request(client, method, url, **kwargs)
                problem = _judge(who, user, status, body, location, has_ids, tenant_a)
                if problem:
                    report.problems.append(f"{method} {url} ({rule.endpoint}) as {who}: {problem}")
    after = _snapshot(tenant_a)
    for table in sorted(set(before) | set(after)):
        if before.get(table) != after.get(table):
            report.problems.append(f"tenant {tenant_a.label}'s rows in table {table!r} were changed by foreign "
                                   f"requests: before {before.get(table)} after {after.get(table)}")
    foreign_events = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.id > last_audit, AuditEvent.organisation_id.in_(tenant_a.organisation_ids))).all()
    for event in foreign_events:
        report.problems.append(f"audit event {event.action!r} written for tenant {tenant_a.label} "
                               f"by a foreign request (actor {event.actor_id})")
    return report


def _judge(who: str, user: User | None, status: int | None, body: str, location: str, has_ids: bool,
           tenant_a: Tenant) -> str | None:
    if status is None:
        return f"server error ({body})"
    if status >= 500:
        return f"server error {status}"
    if user is None:
        if status == 401 or (status in (302, 303) and "/auth/login" in location):
            return None
        return f"anonymous got {status} (expected a redirect to the sign-in page or 401)"
    if 200 <= status < 300:
        if has_ids:
            return f"{status} with tenant {tenant_a.label}'s object ids (expected 403/404)"
        if _leaks(body, location, tenant_a):
            return f"{status} showing tenant {tenant_a.label}'s data"
        return None
    if status not in FOREIGN_OK:
        return f"unexpected status {status}"
    if _leaks(body, location, tenant_a):
        return f"{status} response contains tenant {tenant_a.label}'s data"
    return None
