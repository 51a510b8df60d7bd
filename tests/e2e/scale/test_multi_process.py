"""engage at scale, for real: two `engage serve` and several `engage worker` processes on one
PostgreSQL database (procrastinate) and the moto S3 server, as the Procfile runs them.

Uploads through both web processes reach `ready` with findings; a resumable upload whose
chunks alternate between the web processes completes; a worker SIGKILLed in the middle of a
slow job has the job finished by another; with three workers a periodic job runs once per
tick; a portal sign-in on one web process is valid on the other.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url
from tests.support.s3_server import CREDENTIALS, S3Server, free_port

from engage.adapters.db.migrate import upgrade
from engage.bootstrap import build
from engage.config import Settings
from engage.services.demo import load_demo

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
PG_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL")
LOG = (
    b"2024-06-03T14:00:03.482913Z ERR No valid prometheus config file at prom.monitoring:9090. "
    b'Error: Get "prom.monitoring:9090/api/v1/status/config": unsupported protocol scheme '
    b'"prom.monitoring"\n'
)
FILLER = b"2024-06-03T14:00:04.482913Z INF ETL: Allocation[1d]: Run: completed in 2.31s user=a\n"


@dataclass
class Cluster:
    """The processes of one deployment and how to reach them."""

    root: Path
    env: dict[str, str]
    conninfo: str
    tokens: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Start `engage ARGS` in its own process group with its own data folder."""
        env = {**self.env, "ENGAGE_DATA_DIR": str(self.root / name)}
        log = (self.root / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "engage", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def web(self, name: str) -> None:
        """Start `engage serve` on a free port."""
        self.ports[name] = free_port()
        self.start(name, "serve", "--port", str(self.ports[name]))

    def url(self, name: str) -> str:
        """The base URL of a web process."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def wait_up(self, *names: str, timeout: float = 90) -> None:
        """Wait until each web process answers /healthz."""
        deadline = time.monotonic() + timeout
        for name in names:
            while True:
                try:
                    if httpx.get(f"{self.url(name)}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or self.procs[name].poll() is not None:
                    raise AssertionError(f"{name} did not start:\n{self.log(name)}")
                time.sleep(0.2)

    def kill(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Signal a process group and wait for it."""
        proc = self.procs.pop(name)
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def log(self, name: str) -> str:
        """What a process printed (its last lines)."""
        return (self.root / f"{name}.log").read_text(errors="replace")[-4000:]

    def api(self, web: str, who: str = "alice@acme.example") -> httpx.Client:
        """An API client of one web process."""
        return httpx.Client(
            base_url=f"{self.url(web)}/api/v1",
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
            timeout=60,
        )

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        """Rows of a query on the deployment's database."""
        with psycopg.connect(self.conninfo) as conn:
            return list(conn.execute(query).fetchall())  # type: ignore[arg-type]


def _migrate_and_load_demo(url: str, data_dir: Path) -> dict[str, str]:
    """What `engage db upgrade` and `engage demo` do, in this process (saves two start-ups)."""
    engage = build(Settings(database_url=url, data_dir=data_dir, jobs="database"))
    try:
        upgrade(engage.engine)
        return dict(load_demo(engage.uow(), engage.clock).tokens)
    finally:
        engage.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Its own PostgreSQL database and S3 bucket, migrated, with the demo loaded."""
    if not PG_URL:
        pytest.skip("set ENGAGE_TEST_DATABASE_URL to run the multi-process test on PostgreSQL")
    base = make_url(PG_URL)
    name = f"engage_e2e_{uuid.uuid4().hex[:10]}"
    where = ["-h", base.host or "127.0.0.1", "-p", str(base.port or 5432)]
    where += ["-U", base.username or "postgres"]
    subprocess.run(["createdb", *where, name], check=True)
    db = base.set(database=name)
    root = tmp_path_factory.mktemp("scale")
    s3 = S3Server().start()
    try:
        s3.use_credentials()
        bucket = f"engage-{uuid.uuid4().hex[:10]}"
        s3.store(bucket)  # creates the bucket
        env = {
            **os.environ,
            **CREDENTIALS,
            "ENGAGE_DATABASE_URL": db.render_as_string(hide_password=False),
            "ENGAGE_OBJECT_STORE": "s3",
            "ENGAGE_S3_BUCKET": bucket,
            "ENGAGE_S3_ENDPOINT_URL": s3.endpoint_url,
            "ENGAGE_JOBS_STALL_AFTER": "4",
            "ENGAGE_CLEANUP_EVERY": "2",
        }
        env.pop("ENGAGE_SECRET_KEY", None)
        c = Cluster(root, env, db.set(drivername="postgresql").render_as_string(False))
        c.tokens = _migrate_and_load_demo(env["ENGAGE_DATABASE_URL"], root / "setup")
        yield c
    finally:
        for proc in list(c.procs) if "c" in locals() else []:
            c.kill(proc, signal.SIGKILL)
        s3.stop()
        subprocess.run(["dropdb", "--force", *where, name], check=False)


def _wait_for(client: httpx.Client, case: int, ids: list[int], timeout: float = 90) -> list[Any]:
    deadline = time.monotonic() + timeout
    while True:
        arts = [client.get(f"/cases/{case}/artifacts/{i}").json() for i in ids]
        if all(a["status"] in ("ready", "rejected", "failed") for a in arts):
            return arts
        assert time.monotonic() < deadline, arts
        time.sleep(0.3)


def _upload(client: httpx.Client, case: int, name: str, data: bytes) -> int:
    r = client.post(
        f"/cases/{case}/artifacts",
        params={"kind": "logs", "name": name},
        content=data,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 201 and r.json()["status"] == "received", r.text
    return int(r.json()["id"])


def _sign_in(c: Cluster, web: str) -> httpx.Client:
    browser = httpx.Client(base_url=c.url(web), timeout=30)
    page = browser.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, page[:500]
    r = browser.post(
        "/login",
        data={
            "email": "alice@acme.example",
            "password": "engage-demo",
            "csrf_token": token.group(1),
        },
    )
    assert r.status_code in (302, 303), r.text[:500]
    return browser


def test_two_web_processes_and_workers_share_everything(cluster: Cluster) -> None:
    c = cluster
    c.web("web-a")
    c.web("web-b")
    c.start("worker-1", "worker", "--concurrency", "2")
    c.wait_up("web-a", "web-b")
    a, b = c.api("web-a"), c.api("web-b")
    r = a.post(
        "/cases",
        json={"title": "scale", "description": "d", "severity": "P3", "area": "performance-memory"},
    )
    assert r.status_code == 201, r.text
    case = r.json()["case"]["id"]

    # uploads through both web processes all reach ready with findings
    ids = [_upload((a, b)[i % 2], case, f"log-{i}.log", LOG * (i + 1)) for i in range(4)]
    # a resumable upload whose chunks alternate between the two web processes
    data = LOG + FILLER * 3000
    started = a.post(
        f"/cases/{case}/artifacts/uploads",
        json={"kind": "logs", "size": len(data), "name": "c.log"},
    ).json()
    step = len(data) // 3 + 1
    for i, start in enumerate(range(0, len(data), step)):
        chunk = data[start : start + step]
        r = (a, b)[i % 2].put(
            f"/cases/{case}/artifacts/uploads/{started['id']}",
            content=chunk,
            headers={"Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{len(data)}"},
        )
        assert r.status_code == 200, r.text
    done = b.post(f"/cases/{case}/artifacts/uploads/{started['id']}/complete")
    assert done.status_code == 201, done.text
    ids.append(int(done.json()["id"]))
    arts = _wait_for(b, case, ids)
    assert [x["status"] for x in arts] == ["ready"] * 5, arts
    findings = b.get(f"/cases/{case}/artifacts").json()["findings"]
    assert {f["artifact_id"] for f in findings} == set(ids)

    # a portal sign-in on one web process is valid on the other
    browser = _sign_in(c, "web-a")
    page = httpx.get(f"{c.url('web-b')}/cases", cookies=browser.cookies, timeout=30)
    assert page.status_code == 200 and "Sign out" in page.text

    # a worker killed in the middle of a slow job: another one finishes it
    slow = _upload(a, case, "big.log", LOG + FILLER * 250_000)  # about 20 MB to redact
    deadline = time.monotonic() + 60
    while a.get(f"/cases/{case}/artifacts/{slow}").json()["status"] == "received":
        assert time.monotonic() < deadline, c.log("worker-1")
        time.sleep(0.1)
    for n in (2, 3, 4):
        c.start(f"worker-{n}", "worker", "--concurrency", "1")
    c.kill("worker-1", signal.SIGKILL)
    assert _wait_for(a, case, [slow], timeout=120)[0]["status"] == "ready"
    started = c.sql(
        "SELECT count(*) FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id "
        "WHERE j.task_name = 'prepare_artifact' AND e.type = 'started' "
        f"AND j.args->>'artifact_id' = '{slow}'"
    )
    assert started[0][0] >= 2, started  # started by the killed worker, then by another

    # three workers, each scheduling the same periodic job: one run per tick
    time.sleep(6)
    ticks = c.sql(
        "SELECT args->>'timestamp', count(*), bool_and(status = 'succeeded') "
        "FROM procrastinate_jobs WHERE task_name = 'periodic:intake_cleanup' "
        "GROUP BY 1 ORDER BY 1"
    )
    assert len(ticks) >= 3, ticks
    assert all(n == 1 for _, n, _ in ticks), ticks
    assert all(ok for *_, ok in ticks[:-1]), ticks  # the newest may still be running
