"""`python -m simulator --port 5100`: run the platform simulator (threaded)."""
from __future__ import annotations

import argparse

from simulator import create_app
from simulator.serving import serve


def main() -> None:
    parser = argparse.ArgumentParser(description="Warta local platform simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5100)
    parser.add_argument("--container-polls", type=int, default=2,
                        help="status polls before an Instagram container is FINISHED")
    args = parser.parse_args()
    app = create_app({"SIM_CONTAINER_POLLS": args.container_polls})
    # run_simple, not app.run: app.run refuses to start when launched from `flask ... up` (FLASK_RUN_FROM_CLI).
    serve(args.host, args.port, app)


if __name__ == "__main__":
    main()
