"""HTTP plumbing the providers share: bounded retries honouring Retry-After, error messages."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from engage.adapters.meetings.errors import MeetingProviderError, MeetingRateLimited

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: total attempts, the longest wait honoured, and the fallback backoff."""

    attempts: int = 4
    max_wait: float = 30.0
    backoff: float = 0.5


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), if any."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_text(response: httpx.Response) -> str:
    """The provider's own error message (Google ``error.message``, Zoom ``message``/``reason``)."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and "message" in error:
            return str(error["message"])
        for key in ("message", "reason", "error_description", "error"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return response.reason_phrase


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    policy: RetryPolicy,
    sleep: Sleep = time.sleep,
    idempotent: bool,
    throttled: Callable[[httpx.Response], bool] = lambda r: r.status_code == 429,
    **kwargs: Any,
) -> httpx.Response:
    """Send with bounded retries: throttling always, 5xx and network errors only if idempotent.

    Any other response is returned as is for the provider to interpret.
    """
    for attempt in range(policy.attempts):
        last = attempt == policy.attempts - 1
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            if not idempotent or last:
                raise MeetingProviderError(f"{method} {url} failed: {exc}") from exc
            sleep(policy.backoff * 2**attempt)
            continue
        if throttled(response):
            wait = retry_after(response)
            wait = policy.backoff * 2**attempt if wait is None else wait
            if last or wait > policy.max_wait:
                raise MeetingRateLimited(
                    f"rate limited by {httpx.URL(url).host}: {error_text(response)}",
                    retry_after=wait,
                )
            sleep(wait)
        elif response.status_code >= 500 and idempotent and not last:
            sleep(policy.backoff * 2**attempt)
        else:
            return response
    raise AssertionError("unreachable: the last attempt always returns or raises")
