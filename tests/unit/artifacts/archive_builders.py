"""Build hostile and harmless archives inside tests."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path


def tar_bytes(members: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w:gz") -> bytes:
    """A tar archive (``mode`` picks the compression) of (name, data) files and raw TarInfos."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    """A tar member of another type: SYMTYPE, LNKTYPE, CHRTYPE, BLKTYPE, FIFOTYPE, DIRTYPE."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def zip_bytes(members: list[tuple[str, bytes]], *, mode: int | None = None) -> bytes:
    """A deflated zip; ``mode`` sets the Unix file mode (e.g. a symlink) of every member."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return buf.getvalue()


def encrypted_flag(data: bytes) -> bytes:
    """Set the 'encrypted' bit on every local and central header of a zip."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (pos := out.find(sig, start)) >= 0:
            out[pos + offset] |= 0x01
            start = pos + 4
    return bytes(out)


def overlapping_zip(payload: bytes, copies: int) -> bytes:
    """A zip whose central directory lists the same compressed member ``copies`` times.

    The shape of a non-recursive zip bomb: each entry points at one shared local file.
    """
    one = zip_bytes([("a.txt", payload)])
    cd_start = one.index(b"PK\x01\x02")
    eocd = one.index(b"PK\x05\x06")
    central = one[cd_start:eocd]
    name_len = struct.unpack("<H", central[28:30])[0]
    entries = []
    for i in range(copies):
        name = f"{i:05d}.txt".encode()
        entry = central[:28] + struct.pack("<H", len(name)) + central[30:46] + name
        entries.append(entry + central[46 + name_len :])
    body = b"".join(entries)
    tail = one[eocd:]
    tail = tail[:8] + struct.pack("<HHII", copies, copies, len(body), cd_start) + tail[20:]
    return one[:cd_start] + body + tail


def gzip_bytes(data: bytes) -> bytes:
    """gzip-compressed ``data``."""
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    return comp.compress(data) + comp.flush()


def write(path: Path, data: bytes) -> Path:
    """Write bytes to a file and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
