"""Analyzer tests use only the packaged release catalogue, never a refreshed user copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ANALYZE_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analyze"


@pytest.fixture(autouse=True)
def _packaged_catalogue(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    missing = tmp_path_factory.mktemp("catalogue") / "none.yaml"
    monkeypatch.setenv("ENGAGE_RELEASES_FILE", str(missing))
    yield


@pytest.fixture
def analyze_fixtures() -> Path:
    """tests/fixtures/analyze."""
    return ANALYZE_FIXTURES
