"""The ASGI application: the API and the portal on one FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from engage.api.app import create_api
from engage.bootstrap import Engage, build
from engage.config import Settings
from engage.web.portal import install_portal


def create_app(engage: Engage | None = None) -> FastAPI:
    """Build the container (unless given) and the app serving /api/v1, /docs and the portal."""
    engage = engage or build(Settings())
    app = create_api(engage)
    install_portal(app, engage)
    return app
