"""Markdown to safe HTML for instructions and remediation text (markdown-it-py, then nh3).

Raw HTML in the source is off at the parser (it shows as text), and the output still goes
through nh3's allow-list, so neither a rule author nor a customer's note can inject markup.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

#: What Markdown can produce and the portal shows; anything else is dropped by nh3.
TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "del",
    }
)  # fmt: skip
_HEADING = re.compile(r"<(/?)h([1-6])>")
_SHIFT = {"1": 4, "2": 4, "3": 5, "4": 6, "5": 6, "6": 6}
ATTRIBUTES = {"a": {"href", "title"}, "code": {"class"}, "ol": {"start"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def to_html(text: str | None) -> Markup:
    """`text` (Markdown) as sanitised HTML, safe to put into a template unescaped."""
    if not text:
        return Markup("")
    html = _parser().render(text)
    # Text sits under a page's h3, so its headings start at h4 and the outline stays right.
    html = _HEADING.sub(lambda m: f"<{m[1]}h{_SHIFT[m[2]]}>", html)
    clean = nh3.clean(
        html,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)
