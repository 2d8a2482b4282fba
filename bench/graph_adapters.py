"""Instagram carousel and Facebook photo publishes through the adapters against a local simulator.

Starts the simulator (threaded, on an ephemeral port), publishes concurrently
from 8 threads and reports throughput, latency percentiles and the number of
duplicates seen in the simulator's record (must be 0).
"""
from __future__ import annotations

import logging
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from werkzeug.serving import make_server

from adapters.base import AccountRef, Collaboration, MediaItem, PublishJob, Variant
from adapters.facebook import FacebookPageAdapter
from adapters.instagram import InstagramAdapter

POSTS_PER_PLATFORM = 60
THREADS = 8


def _settings(url: str) -> dict[str, Any]:
    from app.config import SIMULATOR_META_APP

    return {"graph_url": f"{url}/graph.facebook.com", "video_url": f"{url}/graph-video.facebook.com",
            "api_version": "v25.0", "app_id": SIMULATOR_META_APP[0], "app_secret": SIMULATOR_META_APP[1],
            "poll_interval": 0.0, "poll_max": 5, "timeout": 10}


def run() -> dict[str, Any]:
    from simulator import create_app
    from simulator.graph import DEMO_PAGES

    page_id, _page_name, token, ig_id, ig_name = DEMO_PAGES[0]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, create_app({"SIM_CONTAINER_POLLS": 1}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    image = MediaItem(url="https://warta.example/m/1.jpg", kind="image", content_type="image/jpeg",
                      size_bytes=100_000, width=1080, height=1080)
    ig = InstagramAdapter(_settings(url))
    fb = FacebookPageAdapter(_settings(url))
    latencies: dict[str, list[float]] = {"instagram": [], "facebook": []}

    def one(n: int) -> None:
        platform = "instagram" if n % 2 == 0 else "facebook"
        account = AccountRef(n, ig_id if platform == "instagram" else page_id, ig_name, {"access_token": token})
        variant = Variant(text=f"Bench {n}", media=(image, image) if platform == "instagram" else (image,),
                          collaborations=(Collaboration("rina"),) if platform == "instagram" else ())
        started = time.perf_counter()
        (ig if platform == "instagram" else fb).publish(PublishJob(n, account, variant, f"b{n}"))
        latencies[platform].append(time.perf_counter() - started)

    # Instagram's 50-per-day cap applies in the simulator too: stay under it.
    total = min(2 * POSTS_PER_PLATFORM, 2 * 45)
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(one, range(total)))
        elapsed = time.perf_counter() - started
        record = httpx.get(f"{url}/_sim/record").json()["record"]
    finally:
        server.shutdown()
    texts = [r["text"] for r in record]
    return {
        "bench": "graph_adapters", "publishes": total, "threads": THREADS, "seconds": round(elapsed, 3),
        "publishes_per_second": round(total / elapsed, 1),
        "instagram_carousel_p50_ms": round(statistics.median(latencies["instagram"]) * 1000, 1),
        "facebook_photo_p50_ms": round(statistics.median(latencies["facebook"]) * 1000, 1),
        "recorded": len(record), "duplicates": len(texts) - len(set(texts)),
    }
