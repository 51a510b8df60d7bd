"""Routes are built when the app is made, never lazily by whichever thread serves a request.

FastAPI 0.16x builds included routers on the first request. That build hides a pydantic
UnsupportedFieldAttributeWarning (every parameter alias) with ``warnings.catch_warnings()``,
which is process-wide and not thread-safe: built in a server thread while another thread
enters or leaves ``catch_warnings`` (pytest does for every test), the warning escaped and,
with warnings as errors, a request failed in some test orders.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from engage.api.app import create_api
from engage.bootstrap import Engage
from engage.server import create_app


def _count_field_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every parameter/response model FastAPI builds from now on."""
    import fastapi.dependencies.utils as dep_utils
    import fastapi.routing as routing

    built: list[str] = []
    original: Callable[..., Any] = dep_utils.create_model_field

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(str(kwargs.get("name", args[0] if args else "?")))
        return original(*args, **kwargs)

    monkeypatch.setattr(dep_utils, "create_model_field", counting)
    monkeypatch.setattr(routing, "create_model_field", counting)
    return built


@pytest.mark.parametrize("factory", [create_api, create_app], ids=["api", "api+portal"])
def test_serving_requests_builds_no_route_state(
    engage: Engage, monkeypatch: pytest.MonkeyPatch, factory: Callable[[Engage], FastAPI]
) -> None:
    app = factory(engage)
    built = _count_field_builds(monkeypatch)
    client = TestClient(app)
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/cases/1/sessions/2/invite.ics").status_code == 401
    assert client.get("/login").status_code in (200, 404)
    assert built == [], f"built while serving: {sorted(set(built))[:10]}"


@pytest.mark.parametrize("factory", [create_api, create_app], ids=["api", "api+portal"])
def test_an_app_no_longer_used_is_freed(
    engage: Engage, factory: Callable[[Engage], FastAPI]
) -> None:
    """FastAPI keeps endpoint callables in module-level caches (4096 entries each); an endpoint
    that closed over its app kept the whole app alive, about 5 MB and 27,000 objects. The test
    run makes an app per test: the leak made it slower and minutes slower to exit."""
    app = factory(engage)  # FastAPI fills its caches while it builds the routes
    gone = weakref.ref(app)
    del app
    gc.collect()
    assert gone() is None
