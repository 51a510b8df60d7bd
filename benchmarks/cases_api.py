"""Case API latency against the raw SQL it runs, at 100k cases on SQLite or 1M on PostgreSQL.

    python benchmarks/cases_api.py                      # 100,000 cases, SQLite file in a temp dir
    python benchmarks/cases_api.py --postgres           # 1,000,000 cases, ENGAGE_BENCH_PG_URL or local test db
    python benchmarks/cases_api.py --cases 20000        # any size

Loads N cases (2 comments and 4 events each) straight through the driver, serves the real app
with uvicorn on loopback, then times p50/p99 of: queue page (org + open statuses, sorted by SLA
due), full-text search, case get, comment create; each next to the same work as raw SQL.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import Engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from engage.adapters.db.engine import make_engine
from engage.adapters.db.migrate import upgrade
from engage.bootstrap import build
from engage.config import Settings
from engage.services import auth

WORDS = [
    "aggregator",
    "prometheus",
    "allocation",
    "cloud",
    "athena",
    "bigquery",
    "azure",
    "etl",
    "federation",
    "saml",
    "oidc",
    "network",
    "costs",
    "savings",
    "recommendations",
    "helm",
    "upgrade",
    "duckdb",
    "clickhouse",
    "memory",
    "oom",
    "pending",
    "pvc",
    "cluster",
    "namespace",
    "label",
    "budget",
    "alert",
    "report",
    "grafana",
    "thanos",
    "spot",
    "reserved",
    "instance",
    "discount",
    "efficiency",
    "idle",
    "shared",
    "tenant",
    "chargeback",
    "export",
]
STATUSES = [
    "new",
    "triage",
    "waiting_on_customer",
    "waiting_on_support",
    "session_scheduled",
    "resolved",
    "closed",
]
AREAS = [
    "install-upgrade",
    "cost-allocation",
    "cloud-costs",
    "aggregator-federation",
    "networking",
    "sso-auth",
    "alerts-budgets-reports",
    "savings-recommendations",
    "performance-memory",
    "other",
]


# Text with a Zipf-like word distribution, as real tickets have: a few very common words,
# Kubecost terms spread from fairly common (rank 30) to rare (rank ~4000) among 8,000 words.
_FILLER = [
    f"{a}{b}{c}"
    for a in "bcdfghklmnprstvz"
    for b in ("a", "e", "i", "o", "u", "ou", "ea")
    for c in ("n", "r", "st", "l", "m", "t", "ck", "sh", "nd", "rt", "ll", "ng", "x")
][:8000]
_VOCAB = list(_FILLER)
for _rank, _word in enumerate(WORDS):
    _VOCAB.insert(30 + _rank * 100, _word)
_CUM: list[float] = []
_total = 0.0
for _r in range(len(_VOCAB)):
    _total += 1.0 / (_r + 1)
    _CUM.append(_total)


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(_VOCAB, cum_weights=_CUM, k=n))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed_people(engine: Engine, n_orgs: int) -> tuple[list[int], int, int]:
    """Organisations, one customer per org and one support engineer; returns ids."""
    now = datetime.now(UTC)
    with engine.begin() as c:
        for i in range(n_orgs):
            c.execute(
                text(
                    "INSERT INTO organisations (slug, name, plan, policy, created_at) "
                    "VALUES (:s, :n, '{}', '{}', :t)"
                ),
                {"s": f"org-{i}", "n": f"Org {i}", "t": now},
            )
        org_ids = [r[0] for r in c.execute(text("SELECT id FROM organisations ORDER BY id"))]
        c.execute(
            text(
                "INSERT INTO users (org_id, email, name, role, password_hash, tz, active, "
                "created_at) VALUES (NULL, 'eng@bench', 'Eng', 'support_engineer', '', "
                "'UTC', true, :t)"
            ),
            {"t": now},
        )
        c.execute(
            text(
                "INSERT INTO users (org_id, email, name, role, password_hash, tz, active, "
                "created_at) VALUES (:o, 'cust@bench', 'Cust', 'customer_admin', '', "
                "'UTC', true, :t)"
            ),
            {"o": org_ids[0], "t": now},
        )
        eng = c.execute(text("SELECT id FROM users WHERE email='eng@bench'")).scalar_one()
        cust = c.execute(text("SELECT id FROM users WHERE email='cust@bench'")).scalar_one()
    return org_ids, eng, cust


def _rows(n: int, org_ids: list[int], eng: int, cust: int, seed: int = 7):
    rng = random.Random(seed)
    # A pool of generated texts, drawn at random: generating 60 Zipf words per case is what
    # made loading a million cases slow, and search selectivity stays the same.
    titles = [_sentence(rng, 6)[:200] for _ in range(20_000)]
    bodies = [_sentence(rng, 60) for _ in range(20_000)]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        created = base + timedelta(minutes=i % 400_000)
        status = rng.choice(STATUSES)
        due = (
            created + timedelta(hours=rng.randint(1, 400))
            if status not in ("resolved", "closed", "waiting_on_customer")
            else None
        )
        yield {
            "id": i,
            "org_id": org_ids[i % len(org_ids)],
            "title": rng.choice(titles),
            "description": rng.choice(bodies),
            "severity": rng.choice(["P1", "P2", "P3", "P4"]),
            "area": rng.choice(AREAS),
            "status": status,
            "reporter_id": cust,
            "assignee_id": eng if i % 3 else None,
            "created_at": created,
            "updated_at": created,
            "sla_due_at": due,
            "sla_at_risk_at": due - timedelta(hours=1) if due else None,
            "sla_flag": "ok" if due else "none",
            "version": 1,
        }


CASE_COLS = [
    "id",
    "org_id",
    "title",
    "description",
    "severity",
    "area",
    "status",
    "reporter_id",
    "assignee_id",
    "created_at",
    "updated_at",
    "sla_due_at",
    "sla_at_risk_at",
    "sla_flag",
    "version",
]


def load(engine: Engine, n: int, org_ids: list[int], eng: int, cust: int) -> None:
    """Bulk-load cases, comments and events through the driver (COPY on PostgreSQL)."""
    t0 = time.perf_counter()
    pg = engine.dialect.name == "postgresql"
    batch: list[dict] = []
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if pg:  # bulk-load the usual way: no FK triggers, indexes rebuilt once at the end
            cur.execute("SET session_replication_role = replica")
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename IN ('cases', 'comments', 'case_events') AND indexname NOT LIKE 'pk_%'"
            )
            rebuild = cur.fetchall()
            for name, _ in rebuild:
                cur.execute(f"DROP INDEX {name}")
        for row in _rows(n, org_ids, eng, cust):
            batch.append(row)
            if len(batch) == 20_000:
                _flush(cur, batch, pg)
                batch.clear()
                print(f"\r  loaded {row['id']:,}/{n:,} cases", end="", file=sys.stderr)
        if batch:
            _flush(cur, batch, pg)
        if pg:
            print("\n  building the indexes (full-text included)", file=sys.stderr)
            cur.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in rebuild:
                cur.execute(definition)
            cur.execute("SET session_replication_role = DEFAULT")
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('cases','id'), (SELECT max(id) FROM cases))"
            )
            for tbl in ("comments", "case_events"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{tbl}','id'), (SELECT max(id) FROM {tbl}))"
                )
            cur.execute("ANALYZE")
        else:
            cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    print(
        f"\n  loaded {n:,} cases with {2 * n:,} comments and {4 * n:,} events "
        f"in {time.perf_counter() - t0:.0f} s",
        file=sys.stderr,
    )


def _children(batch: list[dict]):
    for r in batch:
        for k in range(2):
            yield (
                "c",
                (
                    r["id"],
                    r["reporter_id"],
                    f"comment {k} on case {r['id']}",
                    k == 1,
                    r["created_at"],
                ),
            )
        for kind, data in (
            ("opened", {}),
            ("status", {"to": "new"}),
            ("comment", {}),
            ("comment", {}),
        ):
            yield "e", (r["id"], kind, r["reporter_id"], json.dumps(data), False, r["created_at"])


def _flush(cur, batch: list[dict], pg: bool) -> None:
    if pg:
        buf = io.StringIO()
        for r in batch:
            buf.write(
                "\t".join(
                    "\\N" if r[c] is None else str(r[c]).replace("\t", " ") for c in CASE_COLS
                )
                + "\n"
            )
        buf.seek(0)
        with cur.copy(f"COPY cases ({', '.join(CASE_COLS)}) FROM STDIN") as cp:
            cp.write(buf.read())
        comments, events = io.StringIO(), io.StringIO()  # one COPY at a time per connection
        for kind, row in _children(batch):
            (comments if kind == "c" else events).write("\t".join(str(v) for v in row) + "\n")
        with cur.copy(
            "COPY comments (case_id, author_id, body, internal, created_at) FROM STDIN"
        ) as cc:
            cc.write(comments.getvalue())
        with cur.copy(
            "COPY case_events (case_id, kind, actor_id, data, internal, created_at) FROM STDIN"
        ) as ce:
            ce.write(events.getvalue())
        return
    fmt = lambda v: v.replace(tzinfo=None).isoformat(" ") if isinstance(v, datetime) else v  # noqa: E731
    cur.executemany(
        f"INSERT INTO cases ({', '.join(CASE_COLS)}) VALUES ({', '.join('?' * len(CASE_COLS))})",
        [tuple(fmt(r[c]) for c in CASE_COLS) for r in batch],
    )
    kids = list(_children(batch))
    cur.executemany(
        "INSERT INTO comments (case_id, author_id, body, internal, created_at) VALUES (?,?,?,?,?)",
        [tuple(fmt(v) for v in row) for k, row in kids if k == "c"],
    )
    cur.executemany(
        "INSERT INTO case_events (case_id, kind, actor_id, data, internal, created_at) VALUES (?,?,?,?,?,?)",
        [tuple(fmt(v) for v in row) for k, row in kids if k == "e"],
    )


def _serve(engine: Engine, port: int, tmp: Path) -> subprocess.Popen[bytes]:
    """`engage serve`'s app in its own process (one uvicorn worker), as deployed."""
    url = engine.url.render_as_string(hide_password=False)
    opts = engine.dialect.name == "postgresql" and _search_path(engine)
    if opts:
        url += ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={opts}")
    env = {**os.environ, "ENGAGE_DATABASE_URL": url, "ENGAGE_DATA_DIR": str(tmp / "data")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "engage.server:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the engage server did not start")


def _search_path(engine: Engine) -> str:
    with engine.connect() as c:
        return str(c.execute(text("SHOW search_path")).scalar_one())


def timeit(fn: Callable[[int], object], runs: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds over `runs` calls (after 5 warm-up calls)."""
    for i in range(5):
        fn(i)
    samples = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--postgres", action="store_true", help="use PostgreSQL (default 1,000,000 cases)"
    )
    p.add_argument("--cases", type=int, default=None)
    p.add_argument("--runs", type=int, default=300)
    p.add_argument("--orgs", type=int, default=200)
    p.add_argument(
        "--schema",
        help="PostgreSQL: keep the loaded data in this schema and reuse it "
        "on the next run (loading a million cases takes minutes)",
    )
    args = p.parse_args()
    n = args.cases or (1_000_000 if args.postgres else 100_000)
    tmp = Path(tempfile.mkdtemp(prefix="engage-bench-"))
    schema = None
    if args.postgres:
        base = os.environ.get(
            "ENGAGE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        schema = args.schema or f"bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(base)
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        engine = make_engine(base, connect_args={"options": f"-csearch_path={schema}"})
    else:
        engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    try:
        run(engine, n, args, tmp)
    finally:
        engine.dispose()
        if schema and not args.schema:
            with admin.begin() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def run(engine: Engine, n: int, args: argparse.Namespace, tmp: Path) -> None:
    print(f"engine: {engine.dialect.name}; cases: {n:,}", file=sys.stderr)
    upgrade(engine)
    with engine.connect() as c:
        loaded = c.execute(text("SELECT count(*) FROM cases")).scalar_one()
    if loaded >= n:
        print(f"  reusing {loaded:,} cases already loaded", file=sys.stderr)
        with engine.connect() as c:
            org_ids = list(c.execute(text("SELECT id FROM organisations ORDER BY id")).scalars())
            eng = c.execute(text("SELECT id FROM users WHERE email='eng@bench'")).scalar_one()
    else:
        org_ids, eng, cust = seed_people(engine, args.orgs)
        load(engine, n, org_ids, eng, cust)
    engage = build(Settings(database_url=str(engine.url), data_dir=tmp / "data"), engine=engine)
    with engage.uow() as uow:
        user = uow.users.get(eng)
        token = auth.issue_token(uow, engage.clock, user=user, name="bench")
        uow.commit()
    port = _free_port()
    server = _serve(engine, port, tmp)
    http = httpx.Client(
        base_url=f"http://127.0.0.1:{port}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    rng = random.Random(3)
    pg = engine.dialect.name == "postgresql"
    open_statuses = ["new", "triage", "waiting_on_support"]
    ph = "%s" if pg else "?"
    raw = engine.raw_connection()
    cur = raw.cursor()

    def sql(q: str, params: tuple = ()) -> list:
        cur.execute(q.replace("?", ph), params)
        return cur.fetchall()

    def api_queue(i: int) -> None:
        r = http.get(
            "/cases",
            params={"org_id": org_ids[i % len(org_ids)], "status": open_statuses, "limit": 50},
        )
        assert r.status_code == 200, r.text

    def raw_queue(i: int) -> None:
        o = org_ids[i % len(org_ids)]
        sql(
            "SELECT * FROM cases WHERE org_id = ? AND status IN (?,?,?) ORDER BY sla_due_at NULLS LAST, id LIMIT 50",
            (o, *open_statuses),
        )
        sql(
            "SELECT count(*) FROM (SELECT id FROM cases WHERE org_id = ? AND status IN (?,?,?) LIMIT 10001) s",
            (o, *open_statuses),
        )

    terms = ["athena", "saml oidc", "duckdb", "prometheus federation", "idle"]

    def api_search(i: int) -> None:
        r = http.get(
            "/cases",
            params={
                "q": terms[i % len(terms)] + " " + WORDS[i % len(WORDS)],
                "org_id": org_ids[i % len(org_ids)],
            },
        )
        assert r.status_code == 200, r.text

    def raw_search(i: int) -> None:
        q, o = terms[i % len(terms)] + " " + WORDS[i % len(WORDS)], org_ids[i % len(org_ids)]
        if pg:
            where = "to_tsvector('english'::regconfig, title || ' ' || description) @@ websearch_to_tsquery('english'::regconfig, %s) AND org_id = %s"
        else:
            q = " ".join(f'"{w}"' for w in q.split())
            where = "id IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?) AND org_id = ?"
        sql(
            f"SELECT * FROM cases WHERE {where} ORDER BY sla_due_at NULLS LAST, id LIMIT 50", (q, o)
        )
        sql(f"SELECT count(*) FROM (SELECT id FROM cases WHERE {where} LIMIT 10001) s", (q, o))

    open_ids = [
        r[0]
        for r in sql("SELECT id FROM cases WHERE status <> 'closed' AND mod(id, 7) = 0 LIMIT 20000")
    ]
    ids = [rng.choice(open_ids) for _ in range(args.runs + 10)]

    def api_get(i: int) -> None:
        r = http.get(f"/cases/{ids[i]}")
        assert r.status_code == 200, r.text

    def raw_get(i: int) -> None:
        cid = ids[i]
        sql("SELECT * FROM cases WHERE id = ?", (cid,))
        sql(
            "SELECT * FROM organisations WHERE id = (SELECT org_id FROM cases WHERE id = ?)", (cid,)
        )
        sql("SELECT * FROM comments WHERE case_id = ? ORDER BY created_at, id", (cid,))
        sql("SELECT * FROM case_events WHERE case_id = ? ORDER BY created_at, id", (cid,))
        sql(
            "SELECT created_at, data FROM case_events WHERE case_id = ? AND kind = 'status' ORDER BY created_at, id",
            (cid,),
        )
        sql("SELECT * FROM case_links WHERE from_case_id = ? OR to_case_id = ?", (cid, cid))
        sql("SELECT user_id FROM case_engineers WHERE case_id = ?", (cid,))
        sql("SELECT instance_id FROM case_instances WHERE case_id = ?", (cid,))

    def api_comment(i: int) -> None:
        r = http.post(
            f"/cases/{ids[i]}/comments", json={"body": f"bench comment {i}", "internal": True}
        )
        assert r.status_code == 201, r.text

    now = datetime.now(UTC)

    def raw_comment(i: int) -> None:
        cid = ids[i]
        ts = now if pg else now.replace(tzinfo=None).isoformat(" ")
        cur.execute(
            f"INSERT INTO comments (case_id, author_id, body, internal, created_at) VALUES ({ph},{ph},{ph},{ph},{ph})",
            (cid, eng, f"raw comment {i}", True, ts),
        )
        cur.execute(
            f"INSERT INTO case_events (case_id, kind, actor_id, data, internal, created_at) VALUES ({ph},'comment',{ph},'{{}}',{ph},{ph})",
            (cid, eng, True, ts),
        )
        cur.execute(
            f"UPDATE cases SET updated_at = {ph}, version = version + 1 WHERE id = {ph} AND version = version",
            (ts, cid),
        )
        raw.commit()

    print(
        f"\n{'operation':<16}{'API p50':>10}{'API p99':>10}{'SQL p50':>10}{'SQL p99':>10}{'ratio p50':>11}{'ratio p99':>11}"
    )
    for name, api, rawf in (
        ("queue page", api_queue, raw_queue),
        ("search", api_search, raw_search),
        ("case get", api_get, raw_get),
        ("comment create", api_comment, raw_comment),
    ):
        a50, a99 = timeit(api, args.runs)
        r50, r99 = timeit(rawf, args.runs)
        print(
            f"{name:<16}{a50:>9.1f}ms{a99:>9.1f}ms{r50:>9.1f}ms{r99:>9.1f}ms{a50 / r50:>10.1f}x{a99 / r99:>10.1f}x"
        )
    raw.close()
    server.terminate()
    server.wait(timeout=30)


if __name__ == "__main__":
    main()
