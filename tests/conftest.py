"""Shared pytest configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = FIXTURES / "shared"  # third-party files several areas use, one copy each


@pytest.fixture
def fixtures_dir() -> Path:
    """The project's own test fixtures folder."""
    return FIXTURES
