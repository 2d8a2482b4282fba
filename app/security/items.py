"""Which checklist items apply to an account: built-in, plugin and organisation items."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.extensions import db
from app.models import CustomItem, Organisation, SocialAccount
from app.security.catalogue import (
    BUILTIN_ITEMS,
    ChecklistItem,
    Severity,
    Verification,
    extra_items_from_plugins,
)


def custom_to_item(custom: CustomItem) -> ChecklistItem:
    """An organisation's own item as a catalogue item (always attested)."""
    return ChecklistItem(
        id=custom.item_id,
        title={"id": custom.title_id, "en": custom.title_en},
        explanation={"id": custom.explanation_id, "en": custom.explanation_en},
        evidence={"id": custom.evidence_id, "en": custom.evidence_en},
        severity=Severity(custom.severity),
        verification=Verification.ATTESTED,
        interval_days=custom.interval_days,
        platforms=frozenset({custom.platform or "*"}),
        regulation_reference=custom.regulation_reference,
        source=f"organisation:{custom.organisation_id}",
        organisation_id=custom.organisation_id,
    )


def custom_items_for(organisations: Iterable[Organisation]) -> dict[int, list[ChecklistItem]]:
    """Organisation id → its own active items plus those inherited from its ancestors."""
    organisations = list(organisations)
    ancestor_ids = {a for org in organisations for a in org.ancestor_ids}
    if not ancestor_ids:
        return {}
    rows = db.session.scalars(
        select(CustomItem).where(CustomItem.organisation_id.in_(ancestor_ids), CustomItem.active.is_(True))
        .order_by(CustomItem.id)
    ).all()
    by_owner: dict[int, list[ChecklistItem]] = {}
    for row in rows:
        by_owner.setdefault(row.organisation_id, []).append(custom_to_item(row))
    return {org.id: [item for a in org.ancestor_ids for item in by_owner.get(a, [])] for org in organisations}


def catalogue_items() -> list[ChecklistItem]:
    """Built-in items followed by plugin items (no organisation items)."""
    return [*BUILTIN_ITEMS, *extra_items_from_plugins()]


def items_for_account(account: SocialAccount, custom: list[ChecklistItem] | None = None) -> list[ChecklistItem]:
    """Every item that applies to `account`'s platform."""
    if custom is None:
        custom = custom_items_for([account.organisation]).get(account.organisation_id, [])
    return [item for item in [*catalogue_items(), *custom] if item.applies_to(account.platform)]


def find_item(account: SocialAccount, item_id: str) -> ChecklistItem | None:
    return next((item for item in items_for_account(account) if item.id == item_id), None)
