"""The text and the files of a received mail, as Gmail, Outlook and Apple Mail shape them.

Text comes from the ``text/plain`` alternative when there is one, else from the HTML (tags
dropped, block elements as line breaks). Files are every leaf part with a file name or an
``attachment`` disposition, except small inline images (signature logos); a forwarded message
attached whole (``message/rfc822``) is read as text, not stored as a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from html.parser import HTMLParser

INLINE_IMAGE_MIN = 10 * 1024  # smaller inline images are logos in signatures, not evidence
_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "blockquote", "pre", "table"}


class _Text(HTMLParser):
    """Collects an HTML document's text; skips style, script and head."""

    def __init__(self) -> None:
        """Start with no text."""
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head", "title"):
            self._skip += 1
        elif tag in _BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """Readable text from HTML mail."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.out).splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def _content(part: EmailMessage) -> str:
    try:
        value = part.get_content()
    except (LookupError, ValueError):  # unknown charset or broken encoding
        payload = part.get_payload(decode=True)
        value = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return value if isinstance(value, str) else ""


def body_text(msg: EmailMessage) -> str:
    """The message's own text, plus the text of messages forwarded as attachments."""
    body = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if isinstance(body, EmailMessage):
        raw = _content(body)
        text = html_to_text(raw) if body.get_content_subtype() == "html" else raw
    for inner in _forwarded(msg):
        sender, subject = inner.get("From", ""), inner.get("Subject", "")
        text += f"\n\n---------- Forwarded message ----------\nFrom: {sender}\n"
        text += f"Subject: {subject}\n\n{body_text(inner)}"
    return text.replace("\r\n", "\n").strip()


def _leaves(msg: EmailMessage) -> Iterator[EmailMessage]:
    """Leaf parts, not descending into attached messages."""
    if msg.get_content_type() == "message/rfc822":
        return
    if msg.is_multipart():
        for part in msg.iter_parts():
            assert isinstance(part, EmailMessage)
            yield from _leaves(part)
    else:
        yield msg


def _forwarded(msg: EmailMessage) -> Iterator[EmailMessage]:
    if not msg.is_multipart():
        return
    for part in msg.iter_parts():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) else inner
            if isinstance(first, EmailMessage):
                yield first
        elif isinstance(part, EmailMessage):
            yield from _forwarded(part)


def attachments(msg: EmailMessage) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every attachment worth keeping."""
    body = msg.get_body(preferencelist=("plain", "html"))
    found: list[tuple[str, bytes]] = []
    for part in _leaves(msg):
        if part is body:
            continue
        name = part.get_filename()
        disposition = part.get_content_disposition()
        if not name and disposition != "attachment":
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        inline_image = disposition != "attachment" and part.get_content_maintype() == "image"
        if inline_image and len(data) < INLINE_IMAGE_MIN:
            continue
        found.append((name or f"attachment-{len(found) + 1}", data))
    return found


_SUFFIX_KINDS = (
    (".har", "har"),
    (".pb.gz", "heap-profile"),
    (".pprof", "heap-profile"),
    (".duckdb", "aggregator-db"),
    (".png", "screenshot"),
    (".jpg", "screenshot"),
    (".jpeg", "screenshot"),
    (".gif", "screenshot"),
    (".log", "logs"),
)


def guess_kind(filename: str) -> str:
    """The artifact kind a mailed file's name suggests; ``other`` when it says nothing."""
    name = filename.lower()
    for suffix, kind in _SUFFIX_KINDS:
        if name.endswith(suffix):
            return kind
    if name.startswith("engage-bundle") and name.endswith((".tar.gz", ".tgz")):
        return "engage-bundle"
    if "bug-report" in name or "bugreport" in name:
        return "bug-report"
    if "values" in name and name.endswith((".yaml", ".yml")):
        return "helm-values"
    if name.endswith(".txt"):
        return "logs"
    return "other"
