"""Run every benchmark module listed in BENCHMARKS and print one JSON line each.

`python -m bench [name ...]` runs the named ones only. Each module exposes
`run() -> dict` whose result carries a "bench" name.
"""
from __future__ import annotations

import importlib
import json
import sys

#: Benchmark modules, in the order they run.
BENCHMARKS: list[str] = [
    "bench.dispatch_lag", "bench.burst", "bench.burst_io", "bench.publish_cost", "bench.graph_adapters", "bench.web",
]


def main(argv: list[str]) -> int:
    wanted = set(argv)
    for module_name in BENCHMARKS:
        short = module_name.rsplit(".", 1)[-1]
        if wanted and short not in wanted:
            continue
        result = importlib.import_module(module_name).run()
        print(json.dumps(result, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
