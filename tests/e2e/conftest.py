from tests.e2e.helpers import sim_app  # noqa: F401
from tests.simulator.server import sim_server  # noqa: F401
