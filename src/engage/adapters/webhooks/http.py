"""Posts webhook bodies with httpx (implements engage.services.ports.WebhookSender).

Targets must resolve to public addresses (the same guard as ICS feed fetches) unless the
deployment allows private ones (ENGAGE_ALLOW_PRIVATE_WEBHOOKS); redirects are never followed,
since a redirect could point inside.
"""

from __future__ import annotations

import httpx

from engage.adapters.calendar.freebusy import IcsBusyError, check_public_url
from engage.domain.errors import ValidationFailed
from engage.domain.notifications import DeliveryFailed


class HttpWebhookSender:
    """One httpx client per call; short timeouts, no redirects."""

    def __init__(self, *, public_only: bool = True, timeout: float = 10.0) -> None:
        """`public_only` refuses private targets (ENGAGE_ALLOW_PRIVATE_WEBHOOKS unset)."""
        self.public_only, self.timeout = public_only, timeout

    def check(self, url: str) -> None:
        """Refuse a URL whose host resolves to a private, loopback or reserved address."""
        if not self.public_only:
            return
        try:
            check_public_url(url)
        except IcsBusyError as exc:
            message = str(exc).replace("calendar feeds", "webhook targets")
            raise ValidationFailed(message) from exc

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST `body`; returns the status code, DeliveryFailed when nothing answered."""
        try:
            response = httpx.post(
                url, content=body, headers=headers, timeout=self.timeout, follow_redirects=False
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"cannot reach {url}: {exc}") from exc
        return response.status_code
