"""A local stand-in for the social platforms' APIs (development, demo, tests, benchmarks).

Each platform family is one module (`simulator/graph.py` for Instagram and
Facebook; X, YouTube and TikTok add theirs to `FAMILIES`). A family module
exposes `register(app, state)`, which adds its routes under a URL prefix named
after the real host (e.g. `/graph.facebook.com/v25.0/...`), so an adapter's
configured base URL is the only thing that differs from production.

Control endpoints (tests, benchmarks, demo) live in `simulator/control.py`.
State is in memory, guarded by one lock; run the server threaded.
"""
from __future__ import annotations

import importlib
from typing import Any

from flask import Flask

from simulator.state import SimState

#: Family module paths; each has `register(app: Flask, state: SimState) -> None`.
FAMILIES: dict[str, str] = {
    "graph": "simulator.graph",
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the simulator app; `config` may set SIM_CONTAINER_POLLS, SIM_SEED (bool)."""
    from simulator import control

    app = Flask(__name__)
    app.config.update(SIM_CONTAINER_POLLS=2, SIM_SEED=True)
    app.config.update(config or {})
    state = SimState(container_polls=int(app.config["SIM_CONTAINER_POLLS"]))
    app.extensions["sim_state"] = state
    control.register(app, state)
    for module_path in FAMILIES.values():
        module = importlib.import_module(module_path)
        module.register(app, state)
        if app.config["SIM_SEED"]:
            module.seed(state)
    return app
