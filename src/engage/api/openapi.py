"""The OpenAPI document: problem+json on every operation, id ranges the database can hold."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from engage.api.problems import PROBLEM
from engage.api.schemas.base import MAX_ID

#: Every operation can answer these with problem+json (auth, visibility, input, throttling).
COMMON = {
    "400": "Bad request",
    "409": "Conflicts with the current state (or a concurrent update)",
    "401": "Missing, invalid, expired or revoked API token",
    "403": "Not allowed for your role or token",
    "404": "Not found, or not visible to you",
    "413": "Request body too large",
    "422": "Invalid input",
    "429": "Too many requests; see Retry-After",
    "503": "Database busy; retry after Retry-After seconds",
}
WRITES = {
    "412": "If-Match names an older version",
    "415": "Unsupported media type",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}


def _problem_response(description: str) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {PROBLEM: {"schema": ref}}}


def _bound_ids(schema: dict[str, Any]) -> None:
    """Say in the schema what the API enforces: ids are 1..MAX_ID."""
    targets = [schema, *schema.get("anyOf", [])]
    for target in targets:
        if target.get("type") == "integer":
            target.setdefault("minimum", 1)
            target.setdefault("maximum", MAX_ID)
        if target.get("type") == "array" and target.get("items", {}).get("type") == "integer":
            target["items"].setdefault("minimum", 1)
            target["items"].setdefault("maximum", MAX_ID)


def _plain_tuples(node: Any) -> None:
    """A fixed-length array of one type as `items` + min/maxItems: the same constraint, in the
    form every OpenAPI tool reads (pydantic writes tuples as `prefixItems`)."""
    if isinstance(node, dict):
        prefix = node.get("prefixItems")
        if isinstance(prefix, list) and prefix and all(p == prefix[0] for p in prefix):
            node.pop("prefixItems")
            node["items"] = prefix[0]
        for value in node.values():
            _plain_tuples(value)
    elif isinstance(node, list):
        for value in node:
            _plain_tuples(value)


def document(spec: dict[str, Any]) -> dict[str, Any]:
    """Add problem responses and id ranges to a generated OpenAPI document (in place)."""
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for ops in spec.get("paths", {}).values():
        for method, op in ops.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            wanted = {**COMMON, **(WRITES if method != "get" else {})}
            for code, text in wanted.items():
                op["responses"][code] = _problem_response(text)
            for param in op.get("parameters", []):
                if param.get("name", "").endswith("_id") or param.get("name") == "id":
                    _bound_ids(param.get("schema", {}))
    _plain_tuples(spec)
    for component in spec["components"]["schemas"].values():
        for name, prop in component.get("properties", {}).items():
            if name.endswith(("_id", "_ids")):
                _bound_ids(prop)
    return spec


def install(app: FastAPI) -> None:
    """Serve the documented schema (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(
                get_openapi(title=app.title, version=app.version, routes=app.routes)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
