"""Cheap checks an upload request makes before answering: only the first bytes are read.

The full preparation (unpacking, redaction, profile and database checks) runs later as a job;
these checks refuse at once what is plainly not the declared kind, so the customer hears about
an obvious mistake in the upload's own response. Example::

    reason = sniff_upload(ArtifactKind.SCREENSHOT, Path("/tmp/x"), allow_raw=False)
    # 'A screenshot must be a PNG or JPEG image; this file is neither.'
"""

from __future__ import annotations

from pathlib import Path

from engage.diagnostics.archives import archive_format
from engage.diagnostics.artifacts import ArtifactKind, ArtifactRejected, head_bytes

PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"


def sniff_upload(kind: ArtifactKind, path: Path, *, allow_raw: bool) -> str | None:
    """Why this file cannot be `kind` judging by its first bytes, or None when it may be."""
    head = head_bytes(path, 4096)
    try:
        _check(ArtifactKind(kind), path, head, allow_raw)
    except ArtifactRejected as exc:
        return exc.reason
    return None


def _check(kind: ArtifactKind, path: Path, head: bytes, allow_raw: bool) -> None:
    if not head:
        raise ArtifactRejected("the file is empty")
    if kind == ArtifactKind.SCREENSHOT and not head.startswith((PNG, JPEG)):
        raise ArtifactRejected("a screenshot must be a PNG or JPEG image; this file is neither")
    if kind == ArtifactKind.ENGAGE_BUNDLE and archive_format(path) not in ("tar.gz", "tar"):
        raise ArtifactRejected(
            "an engage bundle is the .tar.gz written by 'engage collect'; this file is not one"
        )
    if kind == ArtifactKind.FINDINGS and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise ArtifactRejected(
            "findings must be the JSON `engage analyze --share findings` prints; this is not JSON"
        )
    if kind == ArtifactKind.OTHER and not allow_raw:
        raise ArtifactRejected(
            "your organisation's policy does not allow files engage cannot sanitise; upload "
            "it as one of the listed kinds (logs, HAR, Helm values ...) or ask support to "
            "allow raw uploads"
        )
