"""The background job: POST one message to a chat webhook (JSON-serialisable arguments only)."""
from __future__ import annotations

import httpx


def forward(url: str, text: str) -> int:
    """Send `text` to the webhook at `url`; an HTTP error fails the job (RQ retries it)."""
    response = httpx.post(url, json={"text": text}, timeout=10.0)
    response.raise_for_status()
    return response.status_code
