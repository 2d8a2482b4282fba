"""A local stand-in for the social platforms' APIs (development, demo, tests, benchmarks).

Each platform family is one module in `FAMILIES`: `simulator/graph.py` (Instagram and
Facebook, under host-named prefixes such as `/graph.facebook.com/v25.0/...`),
`simulator/x.py` (`/x`), `simulator/youtube.py` (`/youtube`) and `simulator/tiktok.py`
(`/tiktok`). A family module exposes `register(app, state)` (its routes) and
`seed(state)` (its demo accounts and tokens); an adapter's configured base URL is the
only thing that differs from production. X/YouTube/TikTok modules also list their
platform-specific fault names in `FAULT_NAMES`.

Control endpoints (tests, benchmarks, demo) live in `simulator/control.py` and act on all
five platforms. State (`simulator/state.py`) is in memory, guarded by one lock; run the
server threaded.
"""
from __future__ import annotations

import importlib
from typing import Any

from flask import Flask

from simulator.state import SimState

#: Family module paths; each has `register(app: Flask, state: SimState) -> None`.
FAMILIES: dict[str, str] = {
    "graph": "simulator.graph",
    "x": "simulator.x",
    "youtube": "simulator.youtube",
    "tiktok": "simulator.tiktok",
    "audience": "simulator.audience",  # followers and per-post figures for the activity dashboard
    "people": "simulator.people",  # influencers' accounts for the handle lookups, IG invite control
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the simulator app; `config` may set SIM_CONTAINER_POLLS, SIM_PROCESSING_POLLS, SIM_SEED (bool)."""
    from simulator import control

    app = Flask(__name__)
    app.config.update(SIM_CONTAINER_POLLS=2, SIM_PROCESSING_POLLS=2, SIM_SEED=True)
    app.config.update(config or {})
    state = SimState(container_polls=int(app.config["SIM_CONTAINER_POLLS"]),
                     processing_polls=int(app.config["SIM_PROCESSING_POLLS"]))
    app.extensions["sim_state"] = state
    control.register(app, state)
    for module_path in FAMILIES.values():
        module = importlib.import_module(module_path)
        module.register(app, state)
        if app.config["SIM_SEED"]:
            module.seed(state)
    return app
