"""One Redactor serves every thread of a collection run: nothing may slip through under races."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

from engage.diagnostics.redact import Redactor

AWS = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _log(i: int) -> bytes:
    lines = []
    for n in range(2000):
        if n % 50 == 0:
            lines.append(
                f"2026-03-01T00:00:{n % 60:02d}Z INF aws_access_key_id={AWS} "
                f"aws_secret_access_key={SECRET} worker={i}"
            )
        else:
            lines.append(f"2026-03-01T00:00:{n % 60:02d}Z INF ComputeAllocation: window {n} ok")
    return ("\n".join(lines) + "\n").encode()


def test_concurrent_streams_and_texts_share_one_redactor_safely() -> None:
    r = Redactor()

    def stream(i: int) -> bytes:
        out = io.BytesIO()
        r.redact_stream(io.BytesIO(_log(i)), out, name=f"pod-{i}.log")
        return out.getvalue()

    def text(i: int) -> str:
        return r.redact_text(f"token for {i}: aws_secret_access_key={SECRET}", name=f"t{i}")

    with ThreadPoolExecutor(8) as pool:
        streams = list(pool.map(stream, range(16)))
        texts = list(pool.map(text, range(64)))
    for out in streams:
        assert AWS.encode() not in out and SECRET.encode() not in out
        assert out.count(b"\n") == 2000
    assert all(SECRET not in t for t in texts)
    by_file = r.report.to_dict()["counts_by_file"]
    for i in range(16):  # each file's findings were counted against that file, not another
        assert sum(by_file[f"pod-{i}.log"].values()) == 80
    assert all(sum(by_file[f"t{i}"].values()) == 1 for i in range(64))
