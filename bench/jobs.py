"""Job functions for the raw-RQ reference runs."""
from __future__ import annotations


def noop() -> None:
    """Does nothing: measures RQ's own cost per job."""
