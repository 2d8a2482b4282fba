from tests.simulator.server import sim_server  # noqa: F401
