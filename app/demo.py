"""Demo data: a Diskominfo Kota Balikpapan-like tree, one user per role, accounts and drafts.

Demo users have e-mail addresses under `demo.warta.example.org`; only for them can
`flask --app wsgi demo-logins` show the TOTP secret.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select

from app.auth.mfa import new_recovery_codes, set_totp_secret, totp_secret
from app.auth.passwords import hash_password
from app.crypto import encrypt_json
from app.extensions import db
from app.models import Campaign, Membership, Organisation, OrgKind, Post, PostTarget, Role, SocialAccount, User, utcnow

DEMO_DOMAIN = "demo.warta.example.org"
DEMO_PASSWORD = "warta-demo-2026"  # noqa: S105 - demo data, printed by `make run`

TREE = {
    "name": "Diskominfo Kota Balikpapan", "kind": OrgKind.DISKOMINFO, "children": [
        {"name": "Dinas Kesehatan", "kind": OrgKind.OPD},
        {"name": "Dinas Pendidikan dan Kebudayaan", "kind": OrgKind.OPD},
        {"name": "Dinas Perhubungan", "kind": OrgKind.OPD},
        {"name": "Badan Penanggulangan Bencana Daerah", "kind": OrgKind.OPD},
        {"name": "Dinas Pekerjaan Umum", "kind": OrgKind.OPD},
        {"name": "Kecamatan Balikpapan Kota", "kind": OrgKind.KECAMATAN, "children": [
            {"name": "Kelurahan Klandasan Ilir", "kind": OrgKind.KELURAHAN},
            {"name": "Kelurahan Prapatan", "kind": OrgKind.KELURAHAN},
        ]},
        {"name": "Kecamatan Balikpapan Selatan", "kind": OrgKind.KECAMATAN},
        {"name": "Kecamatan Balikpapan Utara", "kind": OrgKind.KECAMATAN},
    ],
}

# (key, name, role, organisation name)
USERS = [
    ("diskominfo", "Admin Diskominfo", Role.ADMIN, "Diskominfo Kota Balikpapan"),
    ("reviewer", "Reviewer Diskominfo", Role.REVIEWER, "Diskominfo Kota Balikpapan"),
    ("security", "Petugas Keamanan", Role.SECURITY_OFFICER, "Diskominfo Kota Balikpapan"),
    ("coordinator", "Koordinator Influencer", Role.COORDINATOR, "Diskominfo Kota Balikpapan"),
    ("pimpinan", "Pimpinan Daerah", Role.VIEWER, "Diskominfo Kota Balikpapan"),
    ("dinkes", "Admin Dinas Kesehatan", Role.ADMIN, "Dinas Kesehatan"),
    ("dishub", "Admin Dinas Perhubungan", Role.ADMIN, "Dinas Perhubungan"),
]

ACCOUNTS = [
    ("Diskominfo Kota Balikpapan", "instagram", "diskominfobpp"),
    ("Diskominfo Kota Balikpapan", "facebook", "Diskominfo Balikpapan"),
    ("Diskominfo Kota Balikpapan", "x", "diskominfobpp"),
    ("Dinas Kesehatan", "instagram", "dinkesbpp"),
    ("Dinas Kesehatan", "facebook", "Dinas Kesehatan Balikpapan"),
    ("Dinas Perhubungan", "x", "dishubbpp"),
    ("Dinas Perhubungan", "tiktok", "dishubbpp"),
    ("Kecamatan Balikpapan Kota", "instagram", "kec.balikpapankota"),
    ("Badan Penanggulangan Bencana Daerah", "youtube", "BPBD Balikpapan"),
]


#: Demo drafts are text only, so they target the platforms that publish text without media
#: (Instagram, YouTube and TikTok posts need an image or video first).
TEXT_PLATFORMS = ("facebook", "x")


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Organisation))


def create_organisation(name: str, kind: str, parent: Organisation | None = None,
                        timezone: str = "Asia/Makassar") -> Organisation:
    """Create an organisation and fill its materialised `path` (needs a flush for the id)."""
    org = Organisation(name=name, kind=kind, parent=parent, timezone=timezone,
                       require_2fa=kind == OrgKind.DISKOMINFO, settings={})
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    return org


def _build_tree(node: dict, parent: Organisation | None, by_name: dict[str, Organisation]) -> None:
    org = create_organisation(node["name"], node["kind"], parent)
    by_name[org.name] = org
    for child in node.get("children", []):
        _build_tree(child, org, by_name)


def seed_demo() -> list[str]:
    """Create the demo data in the current session; returns the demo e-mail addresses."""
    by_name: dict[str, Organisation] = {}
    _build_tree(TREE, None, by_name)
    password_hash = hash_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for key, name, role, org_name in USERS:
        user = User(email=f"{key}@{DEMO_DOMAIN}", name=name, password_hash=password_hash, locale="id")
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user=user, organisation=by_name[org_name], role=role))
        # Diskominfo requires 2FA; demo users are enrolled with derivable secrets (demo only).
        secret = _demo_secret(key)
        set_totp_secret(user, secret)
        user.totp_enabled = True
        new_recovery_codes(user)
        users[key] = user
    simulated = {**_simulator_graph_accounts(), **_simulator_xyt_accounts()}
    accounts_by_org: dict[str, list[SocialAccount]] = {}
    for org_name, platform, handle in ACCOUNTS:
        external_id, credentials = simulated[(platform, handle)]
        expires = credentials.get("expires_at")
        account = SocialAccount(
            organisation=by_name[org_name], platform=platform, handle=handle, display_name=handle,
            external_id=external_id, credentials_encrypted=encrypt_json(credentials),
            token_expires_at=datetime.fromisoformat(expires) if expires else None,
        )
        db.session.add(account)
        accounts_by_org.setdefault(org_name, []).append(account)
    now = utcnow()
    # City-wide campaigns (app/posts/campaigns.py): every OPD below the Diskominfo may use them.
    campaigns = {}
    for name, description in (("Stunting", "Percepatan penurunan stunting"),
                              ("HUT RI ke-81", "Peringatan kemerdekaan, Agustus")):
        campaigns[name] = Campaign(organisation=by_name["Diskominfo Kota Balikpapan"], description=description,
                                   created_by=users["diskominfo"])
        campaigns[name].rename(name)
        db.session.add(campaigns[name])
    drafts = [
        ("dinkes", "Dinas Kesehatan", "Posyandu serentak",
         "Posyandu serentak Sabtu ini di seluruh kelurahan. Bawa buku KIA ya! #BalikpapanSehat", "Stunting"),
        ("dishub", "Dinas Perhubungan", "Penutupan jalan",
         "Jl. Jend. Sudirman ditutup sementara Minggu pagi untuk car free day. #DishubBPP", None),
        ("diskominfo", "Diskominfo Kota Balikpapan", "Layanan aduan",
         "Sampaikan aduan Anda lewat aplikasi resmi Pemkot. #BalikpapanKotaKita", None),
    ]
    for key, org_name, title, body, campaign in drafts:
        db.session.add(Post(organisation=by_name[org_name], author=users[key], title=title, body=body,
                            campaign=campaigns.get(campaign or ""),
                            variants={}, scheduled_at=now + timedelta(days=1),
                            targets=[PostTarget(account=a) for a in accounts_by_org.get(org_name, [])
                                     if a.platform in TEXT_PLATFORMS]))
    from app.influencers.demo import seed_demo_influencers

    seed_demo_influencers(by_name["Diskominfo Kota Balikpapan"])
    db.session.flush()
    return [u.email for u in users.values()]


def _simulator_graph_accounts() -> dict[tuple[str, str], tuple[str, dict]]:
    """Instagram/Facebook demo accounts as they exist in the local simulator (ids and Page tokens)."""
    from simulator.graph import DEMO_PAGES

    out: dict[tuple[str, str], tuple[str, dict]] = {}
    for page_id, page_name, token, ig_id, ig_username in DEMO_PAGES:
        out[("facebook", page_name)] = (page_id, {"access_token": token, "scopes": [], "extra": {}})
        if ig_id:
            out[("instagram", ig_username)] = (ig_id, {"access_token": token, "scopes": [],
                                                       "extra": {"page_id": page_id}})
    return out


def _simulator_xyt_accounts() -> dict[tuple[str, str], tuple[str, dict]]:
    """X, YouTube and TikTok demo accounts as the local simulator seeds them (ids, access and refresh tokens).

    The simulator's seeded tokens live `SEEDED_TOKEN_LIFETIME` from its start, which is after this seeding.
    """
    from simulator import tiktok, x, youtube
    from simulator.state import SEEDED_TOKEN_LIFETIME

    expires = (utcnow() + timedelta(seconds=SEEDED_TOKEN_LIFETIME)).isoformat()

    def credentials(access: str, refresh: str, scopes: list[str]) -> dict:
        return {"access_token": access, "refresh_token": refresh, "expires_at": expires, "scopes": scopes,
                "extra": {}}

    out: dict[tuple[str, str], tuple[str, dict]] = {}
    for user_id, username, _name, _verified, access, refresh in x.DEMO_ACCOUNTS:
        out[("x", username)] = (user_id, credentials(access, refresh, x.SCOPE.split()))
    for channel_id, title, _custom_url, access, refresh in youtube.DEMO_ACCOUNTS:
        out[("youtube", title)] = (channel_id, credentials(access, refresh, youtube.SCOPE.split()))
    for open_id, username, _display_name, access, refresh in tiktok.DEMO_ACCOUNTS:
        out[("tiktok", username)] = (open_id, credentials(access, refresh, tiktok.SCOPE.split(",")))
    return out


def _demo_secret(key: str) -> str:
    """A deterministic base32 TOTP secret for a demo user (demo data only)."""
    import base64
    import hashlib

    return base64.b32encode(hashlib.sha256(f"warta-demo-{key}".encode()).digest()[:20]).decode()


def describe_demo_logins() -> list[str]:
    """Lines naming each demo user, their password and TOTP secret."""
    lines = []
    users = db.session.scalars(select(User).where(User.email.like(f"%@{DEMO_DOMAIN}")).order_by(User.id))
    for user in users:
        roles = ", ".join(sorted({m.role for m in user.memberships}))
        secret = totp_secret(user)
        code = pyotp.TOTP(secret).now() if secret else "-"
        lines.append(f"{user.email:<36} password: {DEMO_PASSWORD}  role: {roles:<17} "
                     f"TOTP secret: {secret}  (code now: {code})")
    return lines
