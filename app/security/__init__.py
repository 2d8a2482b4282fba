"""Security officers: the account-hardening checklist, verification, review and the publish gate.

Integration points for other parts (see docs/ARCHITECTURE.md and the README):
- `app.security.gate.publish_gate(account_id)` / `accounts_released_by_gate()` for the pipeline;
- `app.security.actions.mark_due_for_organisation(org_id, reason)` for the members page;
- `workers.security.verify_accounts(account_ids=None)` as a periodic job;
- `app.security.catalogue.PLUGIN_ITEMS_KEY` filled from the plugin hook.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint and its menu entry."""
    from flask_babel import lazy_gettext as _l

    from app.navigation import add_nav_entry
    from app.security.views import OFFICER_ROLES, bp

    app.register_blueprint(bp)
    add_nav_entry(app, "security.overview", _l("Account security"), 70, roles=OFFICER_ROLES)
