"""Mark the session cookie Secure whenever the request came over https, including through a
TLS-terminating proxy (uvicorn turns X-Forwarded-Proto from `--forwarded-allow-ips` into the
request scheme)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecureCookies:
    """Add `Secure` to the cookies the portal sets on https requests (plain ASGI)."""

    def __init__(self, app: ASGIApp, cookie_names: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = tuple(f"{name}=".encode() for name in cookie_names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, marking cookies Secure when it came over https."""
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [self._secure(h) for h in message["headers"]]}
            await send(message)

        await self.app(scope, receive, send_secure)

    def _secure(self, header: tuple[bytes, bytes]) -> tuple[bytes, bytes]:
        name, value = header
        if name.lower() != b"set-cookie" or not value.startswith(self.prefixes):
            return header
        if b"; secure" in value.lower():
            return header
        return name, value + b"; secure"
