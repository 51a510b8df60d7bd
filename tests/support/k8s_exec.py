"""Exec for the fake Kubernetes API: the websocket channel protocol and a tiny container shell.

The official Python client (`kubernetes.stream.stream`) opens a websocket offering
`v5.channel.k8s.io, v4.channel.k8s.io`; every binary message starts with one channel byte
(1 stdout, 2 stderr, 3 status JSON). The fake answers with v4 and, like an API server, ends
with a Status object on channel 3 and a close frame.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import PurePosixPath

from tests.support.k8s_cluster import PodFile

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
V4 = "v4.channel.k8s.io"
STDOUT, STDERR, ERROR = 1, 2, 3


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key (RFC 6455 section 4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def frame(payload: bytes, opcode: int = 0x2) -> bytes:
    """One unmasked, final server frame."""
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        return head + bytes([n]) + payload
    if n < 1 << 16:
        return head + bytes([126]) + struct.pack("!H", n) + payload
    return head + bytes([127]) + struct.pack("!Q", n) + payload


def exit_status(code: int, command: list[str]) -> bytes:
    """The Status object an API server sends on the error channel when the command ends."""
    if code == 0:
        return json.dumps({"metadata": {}, "status": "Success"}).encode()
    return json.dumps(
        {
            "metadata": {},
            "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command "
            f"{command}, exit code {code}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
        }
    ).encode()


class FakeShell:
    """Runs the commands a Kubecost aggregator image offers the collector: `ls -lR`, `base64`."""

    def __init__(self, files: dict[str, PodFile], *, bytes_per_second: float | None = None) -> None:
        self.files = files
        self.rate = bytes_per_second

    def run(self, command: list[str]) -> tuple[Iterator[tuple[int, bytes]], list[int]]:
        """Output chunks as (channel, data) and a one-item list that receives the exit code."""
        code = [0]
        if command[:1] == ["ls"] and "-lR" in command:
            return self._ls(command[-1], code), code
        if command[:1] == ["base64"] and len(command) == 2:
            return self._base64(command[1], code), code
        code[0] = 127
        name = command[0] if command else ""
        return iter([(STDERR, f"sh: {name}: command not found\n".encode())]), code

    def _ls(self, top: str, code: list[int]) -> Iterator[tuple[int, bytes]]:
        root = PurePosixPath(top)
        dirs: dict[PurePosixPath, list[str]] = {}
        for path in sorted(self.files):
            p = PurePosixPath(path)
            if root not in p.parents:
                continue
            for parent in [*reversed(p.parents)]:
                if parent == root or root in parent.parents:
                    dirs.setdefault(parent, [])
            dirs.setdefault(p.parent, []).append(path)
        if not dirs:
            code[0] = 2
            yield STDERR, f"ls: cannot access '{top}': No such file or directory\n".encode()
            return
        for d in sorted(dirs):
            lines = [f"{d}:", "total 0"]
            subdirs = sorted({c for c in dirs if c.parent == d})
            lines += [f"drwxr-xr-x 2 1001 1001 4096 1700000000 {s.name}" for s in subdirs]
            for path in dirs[d]:
                f = self.files[path]
                lines.append(
                    f"-rw-r--r-- 1 1001 1001 {f.size()} {f.mtime} {PurePosixPath(path).name}"
                )
            yield STDOUT, ("\n".join(lines) + "\n\n").encode()

    def _base64(self, path: str, code: list[int]) -> Iterator[tuple[int, bytes]]:
        f = self.files.get(path)
        if f is None:
            code[0] = 1
            yield STDERR, f"base64: {path}: No such file or directory\n".encode()
            return
        changing = f.changes_during_read > 0
        with f.source.open("rb") as src:
            while block := src.read(57 * 1024):  # 57 bytes -> one 76-character line
                yield STDOUT, base64.encodebytes(block)
                if self.rate:
                    time.sleep(len(block) / self.rate)
        if changing:
            # the aggregator rewrote its read DB while we streamed it
            f.changes_during_read -= 1
            f.mtime += 60


def serve_exec(sock: socket.socket, shell: FakeShell, command: list[str]) -> None:
    """Stream the command's output over an upgraded websocket, then the status and a close frame."""
    chunks, code = shell.run(command)
    for channel, data in chunks:
        sock.sendall(frame(bytes([channel]) + data))
    sock.sendall(frame(bytes([ERROR]) + exit_status(code[0], command)))
    sock.sendall(frame(struct.pack("!H", 1000), opcode=0x8))
