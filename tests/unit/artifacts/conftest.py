"""Helpers for artifact tests: a scratch folder and a way to prepare an upload."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engage.diagnostics.artifacts import ArtifactKind, Prepared, prepare_artifact

FIXTURES = Path(__file__).parents[2] / "fixtures" / "artifacts"
SHARED = Path(__file__).parents[2] / "fixtures" / "shared"
Prepare = Callable[..., Prepared]


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """The folder prepare_artifact may write into."""
    return tmp_path / "scratch"


@pytest.fixture
def prepare(tmp_path: Path, scratch: Path) -> Prepare:
    """prepare(kind, bytes_or_path, name=..., **kw): run prepare_artifact on an upload."""

    def run(
        kind: ArtifactKind, upload: bytes | Path, name: str = "upload.bin", **kwargs: object
    ) -> Prepared:
        if isinstance(upload, bytes):
            path = tmp_path / "uploads" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(upload)
            upload = path
        return prepare_artifact(kind, upload, original_name=name, scratch=scratch, **kwargs)

    return run
