"""Page + limit pagination (limit at most schemas.MAX_LIMIT) with a total count."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from app.extensions import db


def paginate(query: Select, args: dict[str, Any], dump: Any) -> dict[str, Any]:
    """Run `query` for one page; `dump(row)` turns each row into a dict."""
    page, limit = args["page"], args["limit"]
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.scalars(query.limit(limit).offset((page - 1) * limit)).all()
    return {"items": [dump(row) for row in rows],
            "page": {"page": page, "limit": limit, "total": total,
                     "next_page": page + 1 if page * limit < total else None}}
