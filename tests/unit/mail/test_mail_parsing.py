"""Mail parsing without a database: text, files, automatic mail, reply stripping, tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.domain.notifications import (
    case_from_address,
    reply_address,
    reply_token,
    sign,
    verify,
)
from engage.services.mail_in import BadMessage, is_automatic, parse, reply_text
from engage.services.mail_text import attachments, body_text, guess_kind, html_to_text

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mail"
VALUES = {
    "from": "a@x.example",
    "to": "support+c7-aaaaaaaaaaaaaaaa@engage.test",
    "case": "7",
    "title": "Aggregator OOMKilled",
    "msgid": "0" * 32,
}


def load(name: str) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    for key, value in VALUES.items():
        raw = raw.replace(f"@@{key.upper()}@@".encode(), value.encode())
    return raw


def test_gmail_quoted_printable_text_is_decoded_and_history_removed() -> None:
    msg = parse(load("gmail_reply.eml"))
    text = body_text(msg)
    assert "Thanks — after raising the aggregator memory limit to 8Gi the pod has been" in text
    assert reply_text(text).splitlines()[0].startswith("Thanks — after raising")
    assert "> Support replied" not in reply_text(text)
    assert attachments(msg) == []


def test_outlook_iso_8859_1_and_signature_logo() -> None:
    msg = parse(load("outlook_reply.eml"))
    assert str(msg["From"]).startswith("José García")
    reply = reply_text(body_text(msg))
    assert "exit code 137" in reply and "Sent: Monday" not in reply
    assert attachments(msg) == []  # a 68-byte inline logo


def test_apple_mail_attachment_and_quoted_attribution() -> None:
    msg = parse(load("apple_mail_reply.eml"))
    reply = reply_text(body_text(msg))
    assert reply.startswith("Here is the aggregator log") and "wrote:" not in reply
    [(name, data)] = attachments(msg)
    assert name == "aggregator.log" and b"DuckDB write failed: out of memory" in data
    assert guess_kind(name) == "logs"


def test_gmail_base64_text_and_inline_screenshot() -> None:
    msg = parse(load("gmail_new_case.eml"))
    assert "Hélène Dubois" in body_text(msg) and str(msg["From"]).startswith("Hélène")
    [(name, data)] = attachments(msg)
    assert name == "login-loop.png" and data.startswith(b"\x89PNG") and len(data) > 10 * 1024
    assert guess_kind(name) == "screenshot"


def test_auto_replies_and_bounces_are_recognised() -> None:
    assert is_automatic(parse(load("outlook_auto_reply.eml")))
    assert is_automatic(parse(load("bounce.eml")))
    assert not is_automatic(parse(load("gmail_reply.eml")))
    assert is_automatic(parse(b"From: a@x.example\r\nPrecedence: bulk\r\n\r\nhi\r\n"))
    assert is_automatic(parse(b"From: a@x.example\r\nX-Autoreply: yes\r\n\r\nhi\r\n"))


@pytest.mark.parametrize("raw", [b"", b"   \n", b"Subject: hi\r\n\r\nno sender\r\n"])
def test_unusable_messages_are_bad(raw: bytes) -> None:
    with pytest.raises(BadMessage):
        parse(raw)


def test_html_only_mail_becomes_text() -> None:
    html = "<html><head><style>p{}</style></head><body><p>One</p><div>Two &amp; three</div>"
    assert html_to_text(html) == "One\n\nTwo & three"


def test_reply_tokens_name_one_case_and_cannot_be_guessed() -> None:
    address = reply_address("support@engage.test", "k1", 42)
    assert address.startswith("support+c42-") and address.endswith("@engage.test")
    assert case_from_address(address, "k1") == 42
    assert case_from_address(address, "k2") is None
    assert case_from_address(address.replace("c42", "c43"), "k1") is None
    assert case_from_address(f"Support <{address.upper()}>", "k1") == 42
    assert reply_token("k1", 1) != reply_token("k1", 2)


def test_signatures_follow_stripes_scheme() -> None:
    header = sign("whsec_x", 1_700_000_000, b'{"a":1}')
    assert header.startswith("t=1700000000,v1=")
    assert verify("whsec_x", header, b'{"a":1}', now=1_700_000_100)
    assert not verify("whsec_x", header, b'{"a":1}', now=1_700_000_000 + 301)  # replayed late
    assert not verify("whsec_x", "v1=abc", b'{"a":1}', now=1_700_000_000)
