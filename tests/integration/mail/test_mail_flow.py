"""Mail out and mail in end to end: the API changes a case, a loopback SMTP server receives the
threaded mail, and real-client replies to it become comments (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from engage.bootstrap_mail import ingest
from engage.domain.notifications import case_from_address
from engage.services.mail_in import Outcome
from tests.integration.conftest import World

from .conftest import SUPPORT, Inbox, fill

CASE = {
    "title": "Aggregator OOMKilled every night",
    "description": "The aggregator pod restarts with OOMKilled around 02:00 UTC each night.",
    "severity": "P2",
}


def open_case(w: World, who: str = "member_a") -> dict[str, Any]:
    r = w[who].client.post("/api/v1/cases", json=CASE)
    assert r.status_code == 201, r.text
    case: dict[str, Any] = r.json()["case"]
    return case


def support_reply(w: World, case_id: int, text: str = "Please raise the memory limit.") -> None:
    r = w["engineer"].client.post(f"/api/v1/cases/{case_id}/comments", json={"body": text})
    assert r.status_code == 201, r.text


def reply_values(w: World, mail: EmailMessage, case: dict[str, Any], who: str) -> dict[str, str]:
    msgid = re.fullmatch(r"<engage\.([0-9a-f]{32})@engage\.test>", str(mail["Message-ID"]))
    assert msgid, mail["Message-ID"]
    return {
        "from": w[who].user.email,
        "to": str(mail["Reply-To"]),
        "case": str(case["id"]),
        "title": case["title"],
        "msgid": msgid.group(1),
    }


def comments(w: World, case_id: int) -> list[dict[str, Any]]:
    r = w["engineer"].client.get(f"/api/v1/cases/{case_id}/comments")
    assert r.status_code == 200, r.text
    body = r.json()
    return list(body["items"] if isinstance(body, dict) else body)


def test_support_reply_is_a_threaded_answerable_mail(
    world: World, inbox: tuple[int, Inbox]
) -> None:
    _, box = inbox
    case = open_case(world)
    support_reply(world, case["id"], "Please raise the aggregator memory limit to 8Gi.")
    [mail] = box.to(world["member_a"].user.email)
    assert mail["Subject"] == f"[Case #{case['id']}] {case['title']}"
    root = f"<case-{case['id']}@engage.test>"
    assert mail["In-Reply-To"] == root and mail["References"] == root
    assert case_from_address(str(mail["Reply-To"]), "test-mail-secret") == case["id"]
    assert case_from_address(str(mail["Reply-To"]), "another-secret") is None
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "raise the aggregator memory limit to 8Gi" in text.get_content()
    assert f"/cases/{case['id']}" in html.get_content()


def test_internal_notes_are_never_mailed_to_customers(
    world: World, inbox: tuple[int, Inbox]
) -> None:
    _, box = inbox
    case = open_case(world)
    r = world["engineer"].client.post(
        f"/api/v1/cases/{case['id']}/comments", json={"body": "secret note", "internal": True}
    )
    assert r.status_code == 201, r.text
    assert box.to(world["member_a"].user.email) == []
    assert all(b"secret note" not in raw for _, _, raw in box.messages)


def test_gmail_reply_becomes_the_customers_comment(world: World, inbox: tuple[int, Inbox]) -> None:
    _, box = inbox
    case = open_case(world)
    world["manager"].client.post(
        f"/api/v1/cases/{case['id']}/assign", json={"assignee_id": world["engineer"].user.id}
    )
    support_reply(world, case["id"])
    [mail] = box.to(world["member_a"].user.email)
    raw = fill("gmail_reply.eml", **reply_values(world, mail, case, "member_a"))
    result = ingest(world.engage, raw)
    assert result.outcome is Outcome.COMMENTED and result.case_id == case["id"]
    last = comments(world, case["id"])[-1]
    assert last["author_id"] == world["member_a"].user.id
    assert last["body"].startswith("Thanks — after raising the aggregator memory limit")
    assert "Please raise" not in last["body"] and "wrote:" not in last["body"]
    # the assignee hears of the reply; the same message again is a duplicate
    told = box.to(world["engineer"].user.email)
    assert any("Customer replied" in (m.get_body(("plain",)) or m).get_content() for m in told)
    again = ingest(world.engage, raw)  # the same bytes: the same Message-ID
    assert again.outcome is Outcome.DUPLICATE
    assert len(comments(world, case["id"])) == 2


def test_outlook_reply_drops_history_and_signature_logo(
    world: World, inbox: tuple[int, Inbox]
) -> None:
    _, box = inbox
    case = open_case(world)
    support_reply(world, case["id"])
    [mail] = box.to(world["member_a"].user.email)
    raw = fill("outlook_reply.eml", **reply_values(world, mail, case, "member_a"))
    assert ingest(world.engage, raw).outcome is Outcome.COMMENTED
    body = comments(world, case["id"])[-1]["body"]
    assert "restarted twice in the last hour with exit code 137" in body
    assert "Sent:" not in body and "kubectl describe" not in body
    r = world["engineer"].client.get(f"/api/v1/cases/{case['id']}/artifacts")
    assert r.json()["artifacts"] == []  # the 68-byte logo is not evidence


def test_apple_mail_attachment_goes_through_the_intake(
    world: World, inbox: tuple[int, Inbox]
) -> None:
    _, box = inbox
    case = open_case(world)
    support_reply(world, case["id"])
    [mail] = box.to(world["member_a"].user.email)
    raw = fill("apple_mail_reply.eml", **reply_values(world, mail, case, "member_a"))
    result = ingest(world.engage, raw)
    assert result.outcome is Outcome.COMMENTED, result
    assert any("aggregator.log stored as logs artifact" in n for n in result.notes), result.notes
    items = (
        world["engineer"].client.get(f"/api/v1/cases/{case['id']}/artifacts").json()["artifacts"]
    )
    assert [a["kind"] for a in items] == ["logs"]
    assert "DuckDB write fails" in comments(world, case["id"])[-1]["body"]


def test_mail_to_support_opens_a_case_and_offers_a_split(
    world: World, inbox: tuple[int, Inbox]
) -> None:
    _, box = inbox
    who = world["admin_a"].user.email
    result = ingest(world.engage, fill("gmail_new_case.eml", **{"from": who, "to": SUPPORT}))
    assert result.outcome is Outcome.OPENED and result.case_id is not None
    case = world["admin_a"].client.get(f"/api/v1/cases/{result.case_id}").json()
    assert case["title"] == "SAML login loop after upgrade, and AWS cloud costs missing"
    assert "Hélène Dubois" in case["description"]
    [ack] = box.to(who)
    text = ack.get_body(("plain",))
    assert text is not None
    assert f"Your case number is #{result.case_id}" in text.get_content()
    assert "2 separate issues" in text.get_content()
    assert case_from_address(str(ack["Reply-To"]), "test-mail-secret") == result.case_id
    items = world["engineer"].client.get(f"/api/v1/cases/{result.case_id}/artifacts").json()
    assert [a["kind"] for a in items["artifacts"]] == ["screenshot"]  # the pasted screenshot


def test_forwarded_mail_opens_a_case_with_the_forwarded_text(world: World) -> None:
    raw = fill("gmail_forward.eml", **{"from": world["member_a"].user.email, "to": SUPPORT})
    result = ingest(world.engage, raw)
    assert result.outcome is Outcome.OPENED
    case = world["member_a"].client.get(f"/api/v1/cases/{result.case_id}").json()
    assert case["title"].startswith("Kubecost alert: cluster")
    assert "most recent allocation data is 26 hours old" in case["description"]


def test_auto_replies_bounces_and_our_own_mail_are_ignored(
    world: World, inbox: tuple[int, Inbox]
) -> None:
    _, box = inbox
    case = open_case(world)
    support_reply(world, case["id"])
    [mail] = box.to(world["member_a"].user.email)
    values = reply_values(world, mail, case, "member_a")
    before = len(comments(world, case["id"]))
    assert ingest(world.engage, fill("outlook_auto_reply.eml", **values)).outcome is (
        Outcome.AUTO_REPLY
    )
    assert ingest(world.engage, fill("bounce.eml", **values)).outcome is Outcome.AUTO_REPLY
    own = next(raw for _, rcpts, raw in box.messages if world["member_a"].user.email in rcpts)
    assert ingest(world.engage, own).outcome is Outcome.LOOP
    assert len(comments(world, case["id"])) == before


def test_strangers_other_organisations_and_forged_tokens_are_refused(
    world: World, inbox: tuple[int, Inbox]
) -> None:
    _, box = inbox
    case = open_case(world)
    support_reply(world, case["id"])
    [mail] = box.to(world["member_a"].user.email)
    values = reply_values(world, mail, case, "member_a")
    stranger = {**values, "from": "someone@elsewhere.example"}
    assert ingest(world.engage, fill("gmail_reply.eml", **stranger)).outcome is (
        Outcome.UNKNOWN_SENDER
    )
    other_org = {**values, "from": world["admin_b"].user.email}
    other = fill("gmail_reply.eml", **other_org)
    assert ingest(world.engage, other).outcome is Outcome.NOT_ALLOWED
    forged_to = values["to"].replace(f"+c{case['id']}-", f"+c{case['id'] + 1}-")
    forged = fill("gmail_reply.eml", **{**values, "to": forged_to})
    assert ingest(world.engage, forged).outcome is Outcome.NO_CASE
    assert len(comments(world, case["id"])) == 1
