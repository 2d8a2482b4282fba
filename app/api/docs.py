"""Browsable API reference at /api/v1/docs: a server-side HTML rendering of the OpenAPI document.

No Swagger UI or ReDoc: their bundles want inline styles (the CSP forbids them) or a CDN,
and this page needs neither JavaScript nor anything outside the app.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(schema: dict[str, Any] | None) -> str:
    """A short readable type for a schema object ("Post", "array of Target", "integer")."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return "array of " + _schema_name(schema.get("items"))
    if "anyOf" in schema:
        return " | ".join(_schema_name(s) for s in schema["anyOf"])
    kind = schema.get("type", "object")
    kind = " | ".join(kind) if isinstance(kind, list) else kind
    return f"{kind} ({schema['format']})" if schema.get("format") else kind


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the document, in path order, reduced to what the page shows."""
    result = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
            responses = [(code, response.get("description", ""),
                          _schema_name((response.get("content") or {}).get("application/json", {}).get("schema")))
                         for code, response in operation.get("responses", {}).items()]
            result.append({
                "method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                "description": operation.get("description", ""), "tag": (operation.get("tags") or [""])[0],
                "parameters": [(p["name"], p["in"], _schema_name(p.get("schema")), p.get("required", False),
                                p.get("description", "")) for p in [*item.get("parameters", []),
                                                                    *operation.get("parameters", [])]],
                "body": _schema_name(body.get("schema")), "responses": responses,
            })
    return result


def schemas(spec: dict[str, Any]) -> list[tuple[str, list[tuple[str, str, bool, str]]]]:
    """Each component schema with its fields (name, type, required, description)."""
    result = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        fields = [(field, _schema_name(body), field in required, body.get("description", ""))
                  for field, body in schema.get("properties", {}).items()]
        result.append((name, fields))
    return result


@bp.route("/docs")
def reference() -> str:
    """The API reference, public like the OpenAPI document it renders (no tenant data)."""
    spec = current_app.extensions["warta_api"].spec.to_dict()
    return render_template("api/docs.html", spec=spec, operations=operations(spec), schemas=schemas(spec))
