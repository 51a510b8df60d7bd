"""Shared helpers for the redaction unit tests."""

from __future__ import annotations

import pytest

from engage.diagnostics.redact import Redactor

KEY = b"unit-test-key"


@pytest.fixture
def redactor() -> Redactor:
    """A Redactor with a fixed HMAC key, so tokens are stable within a test."""
    return Redactor(key=KEY)
