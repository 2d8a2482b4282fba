"""Audience figures for the Graph family (Instagram and Facebook Pages), mixed into MetaGraphAdapter.

- followers: the `followers_count` field of the IG user / Page node;
- per post: `GET /{id}/insights` — Instagram media `views,reach,likes,comments,shares`,
  Facebook Page posts `post_impressions,post_impressions_unique` (views, reach).
Kept apart from the publishing code of adapters/instagram.py and facebook.py.
"""
from __future__ import annotations

from typing import Any

from adapters.base import AccountRef, AudienceFigures

#: Platform slug → (insights metrics, metric name → AudienceFigures field).
INSIGHTS: dict[str, tuple[str, dict[str, str]]] = {
    "instagram": ("views,reach,likes,comments,shares",
                  {"views": "views", "reach": "reach", "likes": "likes", "comments": "comments", "shares": "shares"}),
    "facebook": ("post_impressions,post_impressions_unique",
                 {"post_impressions": "views", "post_impressions_unique": "reach"}),
}


class GraphAudienceMixin:
    """`audience` and `post_metrics` on top of a Graph adapter's `client` and `slug`."""

    client: Any
    slug: str

    def audience(self, account: AccountRef) -> AudienceFigures:
        node = self.client.request("GET", account.external_id, token=account.credentials["access_token"],
                                   params={"fields": "followers_count"})
        value = node.get("followers_count")
        return AudienceFigures(followers=int(value) if value is not None else None)

    def post_metrics(self, account: AccountRef, remote_id: str) -> AudienceFigures:
        metrics, fields = INSIGHTS[self.slug]
        body = self.client.request("GET", f"{remote_id}/insights", token=account.credentials["access_token"],
                                   params={"metric": metrics})
        values: dict[str, int] = {}
        for entry in body.get("data") or []:
            field = fields.get(entry.get("name", ""))
            points = entry.get("values") or []
            if field and points and isinstance(points[-1].get("value"), int | float):
                values[field] = int(points[-1]["value"])
        return AudienceFigures(**values)
