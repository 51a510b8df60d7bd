"""Markers and prose reading: the slips measured on main, template sections, list items."""

from __future__ import annotations

import pytest

from engage.domain.scope import markers as mk
from engage.domain.scope import prose


@pytest.mark.parametrize(
    "text",
    ["we have 2 things to ask", "two separate spot feed problems", "3 items", "quick ones:"],
)
def test_announcements_in_words_and_digits(text: str) -> None:
    assert mk.ANNOUNCE.search(text)


def test_consequences_are_not_an_announcement() -> None:
    found = mk.ANNOUNCE.search("that causes several follow-on problems:")
    assert found and mk.CONSEQUENCE.search(found.group(0))


@pytest.mark.parametrize(
    ("opening", "strength"),
    [
        ("separately, the cost-model is oomkilled", 1.0),
        ("one last thing, not urgent: is there", 1.0),
        ("issue 2: connection refused", 1.0),
        ("other thing i wanted to ask about:", 1.0),
        ("also, when we open the savings page", 0.6),
        ("also, we tried restarting the pod", 0.0),
        ("the page is blank", 0.0),
    ],
)
def test_shift_strength(opening: str, strength: float) -> None:
    assert mk.shift_strength(opening)[0] == strength


def test_explain_this_is_not_a_claim_of_one_cause() -> None:
    assert not mk.ONE_CAUSE.search("can you explain this number?")
    assert mk.ONE_CAUSE.search("all three go back to the same thing")


def test_template_sections_code_and_sign_offs_are_set_aside() -> None:
    text = (
        "### Kubecost Helm Chart Version\n\n2.4.2\n\n### Kubernetes Platform\n\nEKS\n\n"
        "### Description\n\nThe CSV export ignores the custom settings.\n\n"
        "### Steps to reproduce\n\n1. change the settings\n2. download CSV\n\n"
        "```\nERR something failed\n```\n\nThanks,\nAna\nPlatform team"
    )
    read = prose.read(text)
    assert [b.text for b in read.blocks if not b.section] == [
        "The CSV export ignores the custom settings."
    ]
    assert [b.section for b in read.blocks if b.section] == ["steps", "steps"]
    assert read.templates == 2 and read.dropped == 3


def test_list_items_are_numbered_within_their_list_and_yaml_like_prose_is_kept() -> None:
    text = "Questions:\n\n- separate: the filter fails with a parse error on the page\n- b two"
    blocks = prose.read(text).blocks
    assert [(b.kind, b.number) for b in blocks][:1] == [("item", 1)]
    assert blocks[0].where == "list item 1" and "parse error" in blocks[0].text
