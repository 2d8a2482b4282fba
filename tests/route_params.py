"""How the role × tenant test fills URL parameters: parameter name → id of tenant A's object.

When you add a route with a new parameter (`<int:checklist_id>`), register it here:

1. If the object is a new model, add a builder to `EXTRA_BUILDERS` that creates one for a
   tenant and stores it in `tenant.objects` (put `tenant.marker` into a visible text field,
   so a page that shows it to a foreign tenant is caught), e.g.

       def _checklist(tenant, factory):
           tenant.objects["checklist"] = Checklist(organisation=tenant.org, title=tenant.marker)
           db.session.add(tenant.objects["checklist"]); db.session.commit()

       EXTRA_BUILDERS.append(_checklist)

2. Map the parameter name to that object's id in `ROUTE_PARAMS`:

       "checklist_id": lambda t: t.objects["checklist"].id,

Every rule in `app.url_map` is requested with tenant A's ids as every role of tenant B;
an unregistered parameter name fails the test with a pointer to this file.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.role_tenant import Tenant

#: URL parameter name → function returning the id of tenant A's object of that kind.
ROUTE_PARAMS: dict[str, Callable[[Tenant], int]] = {
    "org_id": lambda t: t.org.id,  # A's child organisation (an OPD)
    "organisation_id": lambda t: t.org.id,
    "parent_id": lambda t: t.root.id,
    "user_id": lambda t: t.member.user_id,
    "membership_id": lambda t: t.member.id,
    "account_id": lambda t: t.account.id,
    "post_id": lambda t: t.post.id,
    "target_id": lambda t: t.target.id,
    "media_id": lambda t: t.media.id,
}

#: Functions `(tenant, factory) -> None` that add objects of new models to each tenant tree.
EXTRA_BUILDERS: list[Callable[[Tenant, Any], None]] = []
