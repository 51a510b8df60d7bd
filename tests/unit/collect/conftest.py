"""Shared helpers for collector unit tests."""

from __future__ import annotations

import shutil
from typing import Any, BinaryIO

import pytest


class CopyingRedactor:
    """Test double for the writer's redactor seam: copies bytes so checksum tests see exact input.

    Redaction itself is tested by the redact package and, end to end, by the integration tests,
    which use the real Redactor.
    """

    def __init__(self) -> None:
        self.names: list[str] = []

    def redact_stream(self, src: BinaryIO, dst: BinaryIO, *, name: str) -> None:
        self.names.append(name)
        shutil.copyfileobj(src, dst)

    def redact_document(self, obj: Any, *, name: str) -> Any:
        self.names.append(name)
        return obj


@pytest.fixture
def copying_redactor() -> CopyingRedactor:
    return CopyingRedactor()
