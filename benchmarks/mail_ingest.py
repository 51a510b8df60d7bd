"""Cases by mail on real support texts: the 70 records of the scope corpus, each sent as a
Gmail-shaped message (multipart/alternative, quoted-printable) to the support address by a
known customer, then every reply to them as Gmail writes it (quoted history below).

Prints how many cases were opened, how often the split offer was made (against the corpus
labels), how many replies became comments with the quoted history removed, and the ingest
rate against a baseline in the same run: parsing the same messages with the standard library
alone (what any ingest must at least do).

    python benchmarks/mail_ingest.py [--corpus /work/shared/corpus/scope/cases.jsonl]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from engage.adapters.db.engine import make_engine
from engage.adapters.db.migrate import upgrade
from engage.adapters.jobs.inprocess import InProcessJobQueue
from engage.bootstrap import build
from engage.bootstrap_mail import ingest
from engage.config import Settings
from engage.domain.scope import check_scope
from engage.domain.users import Role
from engage.services import orgs

SUPPORT = "support@engage.test"


def new_mail(record: dict[str, str], sender: str, n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Customer <{sender}>"
    msg["To"] = f"Kubecost support <{SUPPORT}>"
    msg["Subject"] = record["title"]
    msg["Message-ID"] = f"<bench-new-{n}@mail.gmail.com>"
    msg.set_content(record["body"], cte="quoted-printable")
    msg.add_alternative(f'<div dir="ltr">{record["body"]}</div>', subtype="html")
    return bytes(msg)


def reply_mail(to: str, sender: str, n: int, quoted: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Customer <{sender}>"
    msg["To"] = f"Kubecost support <{to}>"
    msg["Subject"] = "Re: your case"
    msg["Message-ID"] = f"<bench-reply-{n}@mail.gmail.com>"
    quote = "\n".join("> " + line for line in quoted.splitlines())
    text = f"Thanks, we tried that; still failing.\n\nOn Mon, 7 Dec 2026 at 19:40, Kubecost support <{to}> wrote:\n\n{quote}\n"
    msg.set_content(text, cte="quoted-printable")
    return bytes(msg)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default="/work/shared/corpus/scope/cases.jsonl")
    args = parser.parse_args()
    records = [json.loads(line) for line in Path(args.corpus).read_text().splitlines() if line]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        settings = Settings(
            database_url=url, data_dir=Path(tmp) / "data", smtp_from=SUPPORT, mail_secret="bench"
        )
        app = build(settings, engine=engine, jobs=InProcessJobQueue(eager=True))
        with app.uow() as uow:
            org = orgs.create_org(uow, app.clock, actor=None, slug="acme", name="Acme")
            orgs.create_user(
                uow, app.clock, actor=None, email="ops@acme.example", name="Ops",
                role=Role.CUSTOMER_MEMBER, org_id=org.id,
            )  # fmt: skip
            uow.commit()
        sender = "ops@acme.example"
        mails = [new_mail(r, sender, n) for n, r in enumerate(records)]

        start = time.perf_counter()
        for raw in mails:
            message_from_bytes(raw, policy=policy.default).get_body(("plain",))
        baseline = time.perf_counter() - start

        start = time.perf_counter()
        results = [ingest(app, raw) for raw in mails]
        took = time.perf_counter() - start
        opened = [r for r in results if r.outcome.value == "opened"]
        offered = agree = 0
        with app.uow() as uow:
            for record, result in zip(records, results, strict=True):
                case_events = uow.cases.events(result.case_id or 0, internal=True)
                multi = any(e.kind == "scope_warning" for e in case_events)
                offered += multi
                agree += multi == (record.get("label") == "multi")
        from engage.domain.notifications import reply_address

        replies = [
            reply_mail(reply_address(SUPPORT, "bench", r.case_id or 0), sender, n, rec["body"])
            for n, (r, rec) in enumerate(zip(opened, records, strict=False))
        ]
        start = time.perf_counter()
        replied = [ingest(app, raw) for raw in replies]
        took_replies = time.perf_counter() - start
        clean = 0
        with app.uow() as uow:
            for r in replied:
                last = uow.cases.comments(r.case_id or 0, internal=False)[-1].body
                clean += last == "Thanks, we tried that; still failing."
        app.close()
    n = len(mails)
    direct = sum(check_scope(r["title"], r["body"]).verdict == "multi" for r in records)
    labelled = sum(r.get("label") == "multi" for r in records)
    print(f"records: {n} ({labelled} labelled multi), cases opened by mail: {len(opened)}")
    print(
        f"split offered: {offered} (agrees with the corpus label for {agree}/{n}); "
        f"the scope check on the same texts without mail: {direct} multi"
    )
    print(
        f"replies filed as comments: {sum(r.outcome.value == 'commented' for r in replied)}, "
        f"quoted history fully removed: {clean}"
    )
    print(
        f"new-case ingest: {n / took:.1f} msg/s ({took / n * 1000:.1f} ms each, SQLite, "
        f"scope check and notifications included)"
    )
    print(f"reply ingest: {len(replies) / took_replies:.1f} msg/s")
    print(f"baseline, stdlib parse only: {n / baseline:.0f} msg/s ({took / baseline:.0f}x faster)")


if __name__ == "__main__":
    main()
