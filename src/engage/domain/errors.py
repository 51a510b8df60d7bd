"""Named domain errors; the API maps them to problem+json and the CLI to one line."""

from __future__ import annotations


class EngageError(Exception):
    """Base of every error engage raises on purpose."""

    status = 400
    title = "Bad request"


class NotFound(EngageError):
    """The object does not exist or the actor may not see it (same answer on purpose)."""

    status = 404
    title = "Not found"


class CaseNotFound(NotFound):
    """No such case visible to this actor."""


class PermissionDenied(EngageError):
    """The actor is known but may not do this."""

    status = 403
    title = "Forbidden"


class Unauthenticated(EngageError):
    """No or bad credentials."""

    status = 401
    title = "Unauthorized"


class InvalidTransition(EngageError):
    """A status change the case workflow does not allow."""

    status = 409
    title = "Invalid status transition"


class StaleVersion(EngageError):
    """The client wrote against an older version of the object (If-Match mismatch)."""

    status = 412
    title = "Precondition failed"


class Conflict(EngageError):
    """The request conflicts with existing state (duplicate name, reused idempotency key)."""

    status = 409
    title = "Conflict"


class ValidationFailed(EngageError):
    """Input that parses but breaks a rule (too long, unknown reference)."""

    status = 422
    title = "Validation failed"


class ConcurrentUpdate(Conflict):
    """Another request changed the same object at the same moment and retrying did not help."""

    title = "Concurrent update"


class Busy(EngageError):
    """The database stayed busy through every retry; the client should try again shortly."""

    status = 503
    title = "Service busy"
    retry_after = 1


class TooManyRequests(EngageError):
    """Too many attempts; `retry_after` says how many seconds to wait."""

    status = 429
    title = "Too many requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)
