"""One error format for every 4xx/5xx under /api:

    {"error": {"code": "machine_code", "message": "human message in the request's language", "details": ...}}

`ApiError` is raised by API code; any other HTTP error under /api (404 for an unknown
path, 405, 429 from the limiter, webargs' validation errors, a crash) is converted by
wrapping the app's error handlers, so HTML pages keep their own handlers.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.wrappers import Response

API_PREFIX = "/api/"

#: Default machine code and message per status.
STATUS_ERRORS: dict[int, tuple[str, Any]] = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthenticated", _l("A valid API token is required (Authorization: Bearer …).")),
    403: ("forbidden", _l("You are not allowed to do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("This action is not possible in the current state.")),
    413: ("too_large", _l("The request is too large.")),
    415: ("unsupported_media_type", _l("Send the request body as JSON (Content-Type: application/json).")),
    422: ("unprocessable", _l("The request was understood but cannot be carried out.")),
    429: ("rate_limited", _l("Too many requests. Please wait a moment and try again.")),
    500: ("server_error", _l("Something went wrong on our side. Please try again later.")),
}


class ApiError(HTTPException):
    """An API error with a machine code, a (translated) message and optional details."""

    def __init__(self, status: int, code: str, message: Any = None, details: Any = None) -> None:
        super().__init__(description=str(message) if message is not None else None)
        self.code = status
        self.error_code = code
        self.details = details


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(error: HTTPException) -> Response:
    status = error.code or 500
    default_code, default_message = STATUS_ERRORS.get(status, (f"http_{status}", error.name))
    code = getattr(error, "error_code", None) or default_code
    message = error.description if isinstance(error, ApiError) and error.description else str(default_message)
    details = getattr(error, "details", None)
    data = getattr(error, "data", None)  # webargs: {"messages": {location: {field: [...]}}}
    if isinstance(data, dict) and "messages" in data:
        code, message = "validation_failed", _("Some fields are not valid.")
        details = data["messages"]
    if status == 429:
        details = {"limit": str(getattr(error, "description", ""))}
    response = jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="warta-api"'
    if isinstance(data, dict) and data.get("headers"):
        response.headers.update(data["headers"])
    if status == 405 and error.get_headers():
        response.headers.update({k: v for k, v in error.get_headers() if k.lower() == "allow"})
    return response


def _wrap(previous: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    def handler(error: Any) -> Any:
        if is_api_request():
            if not isinstance(error, HTTPException):
                from werkzeug.exceptions import InternalServerError

                error = InternalServerError(original_exception=error)
            return error_response(error)
        if previous is not None:
            return previous(error)
        return error
    return handler


def init_app(app: Flask) -> None:
    """Route every HTTP error under /api to the JSON format, keeping the app's handlers elsewhere.

    Must run after the other blueprints registered their `app_errorhandler`s.
    """
    app.register_error_handler(ApiError, error_response)
    spec = app.error_handler_spec.setdefault(None, {})
    for status, exc_class in default_exceptions.items():
        handlers = spec.setdefault(status, {})
        classes = set(handlers) | {exc_class}
        for cls in classes:
            handlers[cls] = _wrap(handlers.get(cls))
