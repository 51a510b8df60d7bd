"""The streaming receiver: any split of the body gives the same file; caps and truncation."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engage.domain.errors import ValidationFailed
from engage.services.upload_stream import (
    UploadIncomplete,
    UploadTooLarge,
    parse_content_range,
    receive_multipart,
    receive_raw,
)

CTYPE = "multipart/form-data; boundary=----b0und4ry"


def body(data: bytes, kind: str = "logs") -> bytes:
    return (
        b'------b0und4ry\r\nContent-Disposition: form-data; name="kind"\r\n\r\n'
        + kind.encode()
        + b"\r\n------b0und4ry\r\nContent-Disposition: form-data; "
        b'name="file"; filename="C:\\\\Users\\\\me\\\\a.log"\r\n'
        b"Content-Type: text/plain\r\n\r\n" + data + b"\r\n------b0und4ry--\r\n"
    )


async def chunks(data: bytes, cuts: list[int]) -> AsyncIterator[bytes]:
    last = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        yield data[last:cut]
        last = cut


def run(coro):  # type: ignore[no-untyped-def]
    """Run `coro` on a fresh loop in its own thread: a test session that drives Chromium keeps
    Playwright's loop running on the main thread, where asyncio.run() is refused."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5000), cuts=st.lists(st.integers(0, 6000), max_size=12))
def test_any_split_gives_the_same_file(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, cuts: list[int]
) -> None:
    scratch = tmp_path_factory.mktemp("s")
    raw = body(data)
    got = run(
        receive_multipart(
            chunks(raw, [c % (len(raw) + 1) for c in cuts]), CTYPE, scratch, lambda f: 10_000
        )
    )
    assert got.path.read_bytes() == data
    assert got.sha256 == hashlib.sha256(data).hexdigest() and got.size == len(data)
    assert got.fields == {"kind": "logs"} and got.name == "a.log"


def test_cap_is_enforced_while_streaming(tmp_path: Path) -> None:
    with pytest.raises(UploadTooLarge):
        run(
            receive_multipart(
                chunks(body(b"x" * 2000), [100, 900]),
                CTYPE,
                tmp_path,
                lambda f: 1000 if f.get("kind") == "logs" else 10**9,
            )
        )
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UploadTooLarge):
        run(receive_raw(chunks(b"x" * 2000, [500]), tmp_path, 1000))
    assert list(tmp_path.iterdir()) == []


def test_truncated_and_malformed_bodies(tmp_path: Path) -> None:
    raw = body(b"hello world")
    with pytest.raises(UploadIncomplete):
        run(receive_multipart(chunks(raw[:-30], []), CTYPE, tmp_path, lambda f: 10**6))
    with pytest.raises(UploadIncomplete):
        run(receive_raw(chunks(b"abc", []), tmp_path, 100, expected=10))
    no_file = (
        b'------b0und4ry\r\nContent-Disposition: form-data; name="kind"\r\n\r\nlogs'
        b"\r\n------b0und4ry--\r\n"
    )
    with pytest.raises(ValidationFailed, match="no file part"):
        run(receive_multipart(chunks(no_file, []), CTYPE, tmp_path, lambda f: 10**6))
    with pytest.raises(ValidationFailed):
        run(receive_multipart(chunks(raw, []), "text/plain", tmp_path, lambda f: 10**6))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("bytes 0-99/1000", (0, 99, 1000)), ("bytes 900-999/1000", (900, 999, 1000))],
)
def test_content_range(value: str, expected: tuple[int, int, int]) -> None:
    assert parse_content_range(value) == expected


@pytest.mark.parametrize("value", [None, "", "bytes */1000", "items 0-1/2", "bytes 0-x/10"])
def test_bad_content_range(value: str | None) -> None:
    with pytest.raises(ValidationFailed):
        parse_content_range(value)
