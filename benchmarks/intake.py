"""Upload intake: the streaming multipart receiver against Starlette's form parser.

Both read the same multipart body (one `kind` field and a FILE_MB file) delivered in 64 KiB
chunks, as a server sees it, and put the file on local disk. Prints MB/s for each, the ratio,
and the peak Python heap each needed (tracemalloc), which shows the receiver never holds the
file in memory. Run: python benchmarks/intake.py [FILE_MB]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.datastructures import Headers
from starlette.formparsers import MultiPartParser

from engage.services.upload_stream import receive_multipart

BOUNDARY = "----engagebench"
CHUNK = 64 * 1024


def make_body(size: int) -> bytes:
    block = os.urandom(1 << 20)
    data = (block * (size // len(block) + 1))[:size]
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nlogs\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.log"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


async def stream(body: bytes) -> AsyncIterator[bytes]:
    view = memoryview(body)
    for i in range(0, len(body), CHUNK):
        yield bytes(view[i : i + CHUNK])


async def engage_receiver(body: bytes, scratch: Path) -> int:
    got = await receive_multipart(
        stream(body), f"multipart/form-data; boundary={BOUNDARY}", scratch, lambda fields: 1 << 40
    )
    got.discard()
    return got.size


async def starlette_parser(body: bytes, scratch: Path) -> int:
    headers = Headers({"content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    form = await MultiPartParser(headers, stream(body), max_files=1, max_fields=10).parse()
    upload = form["file"]
    assert not isinstance(upload, str)
    target = scratch / "copy"
    size = 0
    with target.open("wb") as out:  # the file still has to reach scratch to be validated
        while block := await upload.read(1 << 20):
            out.write(block)
            size += len(block)
    await form.close()
    target.unlink()
    return size


def measure(name: str, func, body: bytes, scratch: Path) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    start = time.perf_counter()
    size = asyncio.run(func(body, scratch))
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = size / elapsed / 1e6
    print(f"{name:<28} {rate:8.1f} MB/s  peak heap {peak / 1e6:7.2f} MB  ({size / 1e6:.0f} MB)")
    return rate, peak


def main() -> None:
    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    body = make_body(size_mb << 20)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        results = {}
        for _ in range(2):  # the second round is the one reported (warm caches)
            results = {
                "engage": measure("engage receive_multipart", engage_receiver, body, scratch),
                "starlette": measure("starlette MultiPartParser", starlette_parser, body, scratch),
            }
    ratio = results["engage"][0] / results["starlette"][0]
    print(
        f"engage / starlette throughput: {ratio:.2f}x; peak heap engage "
        f"{results['engage'][1] / 1e6:.2f} MB vs starlette {results['starlette'][1] / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
