"""Prose of a case text as blocks: paragraphs, list items and sections, without the noise.

Dropped before anything is read: fenced code, log lines, YAML, JSON, stack traces, commands,
tables, images, check boxes, sign-offs, and template sections that only describe the
environment ("Kubecost Helm Chart Version", "Kubernetes Platform", "Which version ...",
"Screenshots", "Troubleshooting"). Reproduction steps and "expected behaviour" are kept but
marked, so they count as evidence for the problem before them and never as a problem of
their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- lines that are not prose: code, logs, YAML, stack traces, tables, commands ---

NON_PROSE_LINE = re.compile(
    r"""^(?:
        \s{4,}\S | \t                                     # indented code or log
      | \s*[$>]\s                                         # shell prompt or quote
      | \s*(?:helm|kubectl|curl|gcloud|aws|az|oc|docker|jq)\s.*\s-{1,2}[a-z]  # commands
      | \s*(?:GET|POST|PUT|PATCH|DELETE)\s+/                 # HTTP request lines
      | \s*\d{4}-\d{2}-\d{2}[T\s]\d                      # ISO timestamp
      | \s*[IWEF]\d{4}\s+\d\d:\d\d                        # glog
      | \s*(?:ERR|INF|WRN|DBG|ERROR|INFO|WARN|DEBUG|FATAL|TRACE)\b   # levelled log
      | \s*\[(?:error|info|warn|warning|debug)\]            # [Error] style
      | \s*(?:panic:|goroutine\s\d|traceback|exception\b|caused\sby:|at\s[\w$.]+\()
      | \s*(?:error|warning):\s                           # tool errors (helm, nginx)
      | \s*nginx:\s
      | \s*[\[{"]                                          # JSON
      | \s*[}\]]
      | \s*[\w./-]+\.(?:go|py|java|rs|js|ts):\d+           # source positions
      | \s*(?:github\.com|gcr\.io|icr\.io|quay\.io)/
      | \s*(?:/model/|https?://)\S*(?:\s|$)                # bare URL or API path
      | \s*[\w.-]+:\s*(?:[|>][-+]?)?\s*$                   # YAML key opening a block
      | \s*[\w.-]+:\s+(?:"[^"]*"|'[^']*'|[^\s"']+)\s*$     # YAML key: one value
      | \s*-\s+[\w.-]+:\s                                  # YAML list of maps
      | \s*-\s+["']?[\w./:@-]+["']?\s*$                    # YAML list of scalars
      | .*\S\s{3,}\S.*\S\s{3,}\S                           # columns (kubectl tables, events)
    )""",
    re.VERBOSE | re.IGNORECASE,
)

FENCE = re.compile(r"^\s*(?:```|~~~)")
LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)]|[a-z][.)])\s+")
NUMBERED_ITEM = re.compile(r"^\s*\d+[.)]\s+")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9_$/])")
ABBREVIATION = re.compile(
    r"\b(?:e\.g|i\.e|etc|vs|approx|incl|no|fig|mr|ms|dr|p\.s)\.$", re.IGNORECASE
)


HEADING = re.compile(r"^\s*(?:#{1,6}\s+(?P<h>.+?)\s*#*\s*$|\*\*(?P<b>[^*]{2,80})\*\*:?\s*$)")
#: Section headings whose content is environment boilerplate, not a problem.
TEMPLATE_HEADING = re.compile(
    r"\b(?:versions?|platform|environment|screenshots?|troubleshooting|collect logs"
    r"|checklist|additional context|impact|logs?|values|configuration|setup|alternatives"
    r"|what (?:version|platform))\b"
)
STEPS_HEADING = re.compile(r"\b(?:steps|reproduce|to reproduce|expected|actual|what happened)\b")
#: "Product: OpenCost 1.107" and other short key: value lines of an environment block.
FIELD_LINE = re.compile(
    r"^\s*(?:[-*]\s+)?(?:customer|product|priority|severity|cluster|environment|env|platform"
    r"|version|kubecost(?: version)?|opencost(?: version)?|chart(?: version)?|app version"
    r"|helm(?: chart)?(?: version)?|kubernetes(?: version)?|k8s(?: version)?|prometheus"
    r"|region|owner|account|contact|os|cloud|provider|image|setup)\s*:\s*\S.{0,80}$",
    re.IGNORECASE,
)
NOISE_LINE = re.compile(
    r"^\s*(?:[-*]\s*\[[ xX]\]|!\[|\S+:\s*!\[|gz#\d+|\u2506|[-*]\s*$|cc\s+@|/cc\b)",
)
SIGN_OFF = re.compile(
    r"^\s*(?:thanks|thank you|thx|many thanks|regards|best regards|kind regards|best|cheers"
    r"|br|ty)\b[\s,.!]*(?:in advance|a lot|again|for (?:the|your) help)?[\s,.!]*$",
    re.IGNORECASE,
)
GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon)|morning)\b[^.?!\n,]{0,30}(?:[,.!:]\s*|$)",
    re.IGNORECASE,
)


ISSUE_LABEL = re.compile(
    r"^(?:issue|problem|question|topic|item)\s*(?:#?\d+|one|two|three|[ivx]+)\b", re.IGNORECASE
)
LABEL_LINE = re.compile(r"^[A-Za-z][\w /-]{0,30}:$")
THANKS = re.compile(r"^(?:thanks|thank you|many thanks|thx)\b", re.IGNORECASE)


@dataclass
class Block:
    """A paragraph, list item or heading-led section of prose, in reading order."""

    text: str
    index: int
    kind: str  # "paragraph", "item" or "heading"
    section: str = ""  # "steps" for reproduction steps and expectations, "" otherwise
    heading: str = ""  # the heading the block sits under, if any
    list_id: int = -1  # blocks of one list share an id
    lead_in: str = ""  # the sentence that introduced the list
    number: int = 0  # place in its list (1, 2, ...) or among the paragraphs

    @property
    def where(self) -> str:
        """Where the block sits, in words."""
        return f"{'list item' if self.kind == 'item' else 'paragraph'} {self.number}"


def _clean(line: str) -> str:
    text = LIST_ITEM.sub("", line, count=1) if LIST_ITEM.match(line) else line
    return re.sub(r"[*_`]+", "", text).strip()


class _Reader:
    """Walks the lines of a description and emits blocks."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.current: list[str] = []
        self.kind = "paragraph"
        self.section = ""
        self.heading = ""
        self.skip = False
        self.lists = 0
        self.in_list = False
        self.lead_in = ""
        self.dropped = 0
        self.templates = 0
        self.fenced = False

    def feed(self, raw: str) -> None:
        """Read one line: fences and non-prose are dropped, headings open sections."""
        stripped = raw.strip()
        if FENCE.match(raw):
            self.fenced = not self.fenced
            self.dropped += 1
            self.flush()
        elif self.fenced:
            self.dropped += 1 if stripped else 0
        elif heading := HEADING.match(raw):
            self.heading_line((heading.group("h") or heading.group("b")).strip())
        elif LABEL_LINE.match(stripped):
            self.heading_line(stripped)  # "Steps:", "Setup:", "Logs:" head what follows
        elif not stripped:
            self.blank()
        elif SIGN_OFF.match(stripped):
            self.flush()
            self.skip = True  # the signature follows
        elif NOISE_LINE.match(stripped) or FIELD_LINE.match(stripped):
            self.flush()
        elif NON_PROSE_LINE.match(raw) and not _prose_item(raw):
            self.dropped += 1
            self.flush()
        else:
            self.line(raw.rstrip())

    def flush(self) -> None:
        text = " ".join(self.current).strip()
        only_heading = self.kind == "heading" and len(self.current) == 1
        self.current = []
        if not text or self.skip or not re.search(r"[A-Za-z]{2}", text):
            return
        if only_heading and not ISSUE_LABEL.match(text):
            return
        is_item = self.kind == "item"
        self.blocks.append(
            Block(
                text=text,
                index=len(self.blocks),
                kind=self.kind,
                section=self.section,
                heading=self.heading,
                list_id=self.lists if is_item else -1,
                lead_in=self.lead_in if is_item else "",
            )
        )

    def heading_line(self, title: str) -> None:
        self.flush()
        self.in_list = False
        lower = title.lower().rstrip(":")
        self.heading = title.rstrip(":")
        self.section = "steps" if STEPS_HEADING.search(lower) else ""
        self.skip = bool(TEMPLATE_HEADING.search(lower)) and not self.section
        self.templates += self.skip
        if not self.skip and not self.section and not _generic_heading(lower):
            self.kind = "heading"
            self.current = [title.rstrip(":")]  # "Issue 1: Cloud Costs page empty"

    def line(self, raw: str) -> None:
        if LIST_ITEM.match(raw):
            self.flush()
            if not self.in_list:
                self.lists += 1
                self.lead_in = self.blocks[-1].text if self.blocks else ""
            self.in_list, self.kind = True, "item"
            self.current = [_clean(raw)]
            return
        if not self.current:
            self.kind, self.in_list = "paragraph", False
        elif _unended(self.current[-1]) and raw.strip()[:1].isupper():
            self.current[-1] += "."  # a short title line ("Issue 1: UI blank") is a sentence
        self.current.append(_clean(raw))

    def blank(self) -> None:
        self.flush()
        self.kind = "paragraph"


def _prose_item(line: str) -> bool:
    """A list item that reads as a sentence ("- separate: the filter fails with ...")."""
    return bool(LIST_ITEM.match(line)) and len(re.findall(r"[A-Za-z]{2,}", line)) >= 6


def _unended(line: str) -> bool:
    return len(line) < 70 and not re.search(r"[.?!:,;(]$", line)


def _generic_heading(lower: str) -> bool:
    return bool(
        re.match(
            r"(?:describe the bug|description|summary|problem|the problem|bug|details"
            r"|what problem|describe the solution|how would users|more details)",
            lower,
        )
    )


@dataclass
class Prose:
    """The blocks of a description, the lines dropped as non-prose, the template sections."""

    blocks: list[Block]
    dropped: int
    templates: int


def read(description: str) -> Prose:
    """The prose blocks of a description, with counts of what was left out."""
    reader = _Reader()
    for raw in description.replace("\r\n", "\n").split("\n"):
        reader.feed(raw)
    reader.flush()
    return Prose(_tidy(reader.blocks), reader.dropped, reader.templates)


def _tidy(blocks: list[Block]) -> list[Block]:
    """Drop greetings and thanks, then number the blocks (items within their list)."""
    out = []
    for block in blocks:
        if _only_greeting(block.text):
            continue
        text = GREETING.sub("", block.text, count=1).strip() or block.text
        block.text = " ".join(p for p in sentences(text) if not THANKS.match(p))
        if block.text:
            out.append(block)
    counts: dict[int, int] = {}
    for index, block in enumerate(out):
        block.index = index
        counts[block.list_id] = counts.get(block.list_id, 0) + 1
        block.number = counts[block.list_id]  # paragraphs share list_id -1
    return out


def _only_greeting(text: str) -> bool:
    return bool(GREETING.fullmatch(text.strip())) or bool(SIGN_OFF.match(text))


def sentences(text: str) -> list[str]:
    """Sentences of a block; abbreviations such as e.g. do not end one."""
    pieces: list[str] = []
    for piece in SENTENCE_END.split(text):
        if pieces and ABBREVIATION.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return [p.strip() for p in pieces if re.search(r"[A-Za-z]{2}", p)]
