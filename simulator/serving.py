"""The simulator's HTTP server: werkzeug's, keeping request headers whose names contain "_".

Werkzeug drops such headers (behind a proxy `file_url` and `file-url` would be the same WSGI
key). Meta's upload host takes exactly such headers (`file_url`, `file_size`), so the
simulator keeps them, as `HTTP_FILE_URL` etc.; the simulator is never behind a proxy.
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server, run_simple


class RequestHandler(WSGIRequestHandler):
    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        for key, value in self.headers.items():
            if "_" in key:
                environ.setdefault(f"HTTP_{key.upper()}", value.replace("\r\n", ""))
        return environ


def make_sim_server(host: str, port: int, app: Flask) -> BaseWSGIServer:
    """A threaded server for `app` (tests start it in a thread and call `serve_forever`)."""
    return make_server(host, port, app, threaded=True, request_handler=RequestHandler)


def serve(host: str, port: int, app: Flask) -> None:
    """Serve `app` until interrupted (`python -m simulator`)."""
    run_simple(host, port, app, threaded=True, use_reloader=False, request_handler=RequestHandler)
