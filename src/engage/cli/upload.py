"""`engage upload`: send a diagnostic file to a case, resumably for big files.

Files up to one chunk go in one multipart POST; bigger ones use the resumable protocol
(start, PUT chunks with Content-Range, complete). The upload's id is kept in a small state file
under the user's cache folder, so running the same command again after an interruption
continues where the server says it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from engage.cli.client import ApiClient
from engage.cli.errors import fail

_err = Console(stderr=True)
RETRIES = 5
_SUFFIX_KINDS = (
    (".har", "har"),
    (".pb.gz", "heap-profile"),
    (".pprof", "heap-profile"),
    (".read", "aggregator-db"),
    (".duckdb", "aggregator-db"),
    (".png", "screenshot"),
    (".jpg", "screenshot"),
    (".jpeg", "screenshot"),
    (".log", "logs"),
)


def guess_kind(path: Path) -> str | None:
    """The artifact kind a file name suggests, or None when it says nothing."""
    name = path.name.lower()
    for suffix, kind in _SUFFIX_KINDS:
        if name.endswith(suffix):
            return kind
    if "aggregator" in name and name.endswith((".tar.gz", ".tgz")):
        return "aggregator-db"
    if name.startswith("engage-bundle") or name.endswith(".engage.tar.gz"):
        return "engage-bundle"
    if "bug-report" in name or "bugreport" in name:
        return "bug-report"
    if "values" in name and name.endswith((".yaml", ".yml")):
        return "helm-values"
    return None


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


def _state_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "engage" / "uploads"


def _problem(resp: httpx.Response) -> str:
    try:
        body = resp.json()
        return f"{resp.status_code} {body.get('title', '')}: {body.get('detail', '')}"
    except ValueError:
        return f"{resp.status_code}: {resp.text[:200]}"


class _Reader:
    """Feeds httpx from a file while advancing a progress bar."""

    def __init__(self, fh: Any, progress: Progress, task: Any) -> None:
        self._fh, self._progress, self._task = fh, progress, task

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._fh.read(size)
        self._progress.advance(self._task, len(data))
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


def send_file(
    path: Path,
    case: int | str,
    kind: str,
    row: int | None = None,
    *,
    chunk: int = 8 << 20,
    api: ApiClient | None = None,
) -> dict[str, Any]:
    """Upload `path` to a case: one request when small, resumable chunks when large."""
    api = api or ApiClient(timeout=300.0)
    digest = _sha256(path)
    if path.stat().st_size <= chunk:
        return upload_whole(api, path, case, kind, row, digest)
    return Resumable(api, path, case, kind, row, digest, chunk).run()


def _columns() -> tuple[Any, ...]:
    return (TextColumn("upload"), BarColumn(), DownloadColumn(), TransferSpeedColumn())


def upload_whole(
    api: ApiClient, path: Path, case: int | str, kind: str, row: int | None, digest: str
) -> dict[str, Any]:
    """One multipart POST (retry-safe through its Idempotency-Key)."""
    data = {"kind": kind, **({"request": str(row)} if row is not None else {})}
    headers = {"Idempotency-Key": f"engage-upload-{digest[:40]}-{kind}-{row or 0}"}
    with (
        Progress(
            *_columns(), console=_err, transient=True, disable=not _err.is_terminal
        ) as progress,
        path.open("rb") as fh,
    ):
        task = progress.add_task("upload", total=path.stat().st_size)
        files = {"file": (path.name, _Reader(fh, progress, task), "application/octet-stream")}
        result: dict[str, Any] = api.post(
            f"/cases/{case}/artifacts", files=files, data=data, headers=headers
        )
    return result


class Resumable:
    """The chunked protocol for one file, resuming a session recorded in the state file."""

    def __init__(
        self,
        api: ApiClient,
        path: Path,
        case: int | str,
        kind: str,
        row: int | None,
        digest: str,
        chunk: int,
    ) -> None:
        self.api, self.path, self.case, self.kind, self.row = api, path, case, kind, row
        self.chunk = chunk
        self.size = path.stat().st_size
        self.state = _state_dir() / f"{digest[:32]}-{case}-{kind}-{row or 0}.json"
        self.base = f"/cases/{case}/artifacts/uploads"

    def _session(self) -> dict[str, Any]:
        if self.state.exists():
            saved = json.loads(self.state.read_text())
            resp = self.api.http.get(f"{self.base}/{saved['id']}")
            if resp.status_code == 200 and resp.json()["status"] in ("open", "completed"):
                found: dict[str, Any] = resp.json()
                return found
        body = {"kind": self.kind, "size": self.size, "name": self.path.name, "row_id": self.row}
        created: dict[str, Any] = self.api.post(self.base, json=body)
        self.state.parent.mkdir(parents=True, exist_ok=True)
        self.state.write_text(json.dumps({"id": created["id"], "url": self.api.url}))
        return created

    def _put(self, upload_id: str, start: int, fh: Any) -> int:
        fh.seek(start)
        data = fh.read(min(self.chunk, self.size - start))
        end = start + len(data) - 1
        resp = self.api.http.put(
            f"{self.base}/{upload_id}",
            content=data,
            headers={
                "Content-Range": f"bytes {start}-{end}/{self.size}",
                "Content-Type": "application/octet-stream",
            },
        )
        if resp.status_code >= 400:
            raise _Refused(_problem(resp), resp.status_code)
        received: int = resp.json()["received"]
        return received

    def run(self) -> dict[str, Any]:
        """Send what the server lacks, then complete; network errors are retried."""
        session = self._session()
        with (
            Progress(
                *_columns(), console=_err, transient=True, disable=not _err.is_terminal
            ) as progress,
            self.path.open("rb") as fh,
        ):
            task = progress.add_task("upload", total=self.size, completed=session["received"])
            received = session["received"]
            failures = 0
            while session["status"] == "open" and received < self.size:
                try:
                    received = self._put(session["id"], received, fh)
                    failures = 0
                except (httpx.TransportError, _Refused) as exc:
                    failures += 1
                    if (isinstance(exc, _Refused) and exc.status < 500) or failures > RETRIES:
                        fail(
                            f"upload stopped at {received} of {self.size} bytes ({exc}); "
                            "run the same command again to resume"
                        )
                    time.sleep(min(2**failures, 30) * 0.1)
                    received = self.api.get(f"{self.base}/{session['id']}")["received"]
                progress.update(task, completed=received)
        result: dict[str, Any] = self.api.post(f"{self.base}/{session['id']}/complete")
        self.state.unlink(missing_ok=True)
        return result


class _Refused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def upload_command(
    file: Path = typer.Argument(..., help="The file to send."),
    case: int = typer.Option(..., "--case", help="Support case id."),
    kind: str | None = typer.Option(
        None,
        "--kind",
        help="Artifact kind (guessed from the name when left out), e.g. har, heap-profile.",
    ),
    request: int | None = typer.Option(None, "--request", help="The request row it answers."),
    chunk_mb: int = typer.Option(8, "--chunk-mb", min=1, max=64, help="Chunk size in MiB."),
    as_json: bool = typer.Option(False, "--json", help="Print the artifact as JSON."),
    wait: bool = typer.Option(
        True, "--wait/--no-wait", help="Wait until the server has checked the file."
    ),
) -> None:
    """Upload a diagnostic file to a case (resumable; run again to continue)."""
    if not file.is_file():
        fail(f"{file}: no such file", 2)
    kind = kind or guess_kind(file)
    if kind is None:
        fail(f"cannot tell what {file.name} is; say --kind (har, heap-profile, logs, ...)", 2)
    art = send_file(file, case, kind, request, chunk=chunk_mb << 20)
    if wait:
        art = wait_until_checked(ApiClient(timeout=60.0), art)
        if art["status"] == "rejected":
            fail(f"{file.name} was rejected: {art['analysis_error']}")
    if as_json:
        typer.echo(json.dumps(art, indent=2))
    else:
        typer.echo(
            f"artifact {art['id']} on case {case}: {art['kind']}, {art['size']:,} bytes "
            f"stored ({art['status']})"
        )


CHECKING = ("received", "preparing")


def wait_until_checked(
    api: ApiClient, art: dict[str, Any], timeout: float = 3600
) -> dict[str, Any]:
    """Poll an uploaded artifact until the server has checked it (accepted or rejected)."""
    url = f"/cases/{art['case_id']}/artifacts/{art['id']}"
    deadline = time.monotonic() + timeout
    spinner = _err.status("the server is checking the file ...") if _err.is_terminal else None
    try:
        while art["status"] in CHECKING and time.monotonic() < deadline:
            time.sleep(0.5)
            art = api.get(url)
            if spinner is not None:
                spinner.update(f"the server is checking the file: {art.get('progress') or ''}")
    finally:
        if spinner is not None:
            spinner.stop()
    return art


def register(app: typer.Typer) -> None:
    """Add the `upload` command to the root app."""
    app.command("upload")(upload_command)
