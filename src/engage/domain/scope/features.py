"""The evidence the scope model weighs, computed from a title and a description.

Every feature is a number with a plain meaning, so the model's weights can be read and each
verdict explained: how new the most novel problem statement is compared with everything said
before it (sentence embeddings), whether a marker opens it ("Separately,", "Issue 2:"),
whether the writer announces several matters ("two things"), whether the areas differ, how
many separate asks there are, whether a common cause is claimed, and how much of the text is
template boilerplate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engage.domain.cases import ComponentArea
from engage.domain.scope import markers as mk
from engage.domain.scope import prose
from engage.domain.scope.encoder import encoder
from engage.domain.scope.vocabulary import TERM_WEIGHT, find_terms

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

#: Feature names, in the order of the model's weights.
NAMES: tuple[str, ...] = (
    "novelty",
    "marked_novelty",
    "marker",
    "announce",
    "title_join",
    "area_change",
    "problem_blocks",
    "asks",
    "one_cause",
    "templates",
    "steps",
    "title_gap",
    "list_novelty",
    "isolation",
    "announced_list",
)
MAX_STATEMENTS = 40  # a case text, not a book: bounds the embeddings one check computes
GAP_WORDS = 4  # "Any idea?" is no statement to measure against the title
MIN_WORDS = 6  # shorter statements ("What am I missing?") say too little to compare
SUBSTANTIAL = 2.0  # vocabulary score a block needs before its area counts


@dataclass
class Statement:
    """A block that states a problem or asks for something, with what was read from it."""

    block: prose.Block
    shift: float = 0.0
    cue: str = ""
    asks: int = 0
    area: ComponentArea = ComponentArea.OTHER
    area_score: float = 0.0
    terms: list[str] = field(default_factory=list)
    novelty: float = 0.0  # 1 - the highest similarity to the title or any earlier statement
    closest: int = -1  # index of that earlier statement (-1: the title)
    isolation: float = 0.0  # 1 - the highest similarity to the title or any other statement

    @property
    def topical(self) -> bool:
        """Long enough to be compared with the others."""
        return len(self.block.text.split()) >= MIN_WORDS


@dataclass
class Evidence:
    """Everything computed for one text: the statements, their similarities, the features."""

    title: str
    statements: list[Statement]
    similarity: NDArray[np.float32]  # statements x statements
    title_similarity: NDArray[np.float32]
    vectors: NDArray[np.float32]  # one unit vector per statement
    title_vector: NDArray[np.float32]
    values: dict[str, float]
    dropped: int
    templates: int
    one_cause: str
    announce: str

    def vector(self) -> list[float]:
        """The feature values in model order."""
        return [self.values[name] for name in NAMES]


def areas(text: str) -> tuple[ComponentArea, float, list[str]]:
    """The leading area of a text by vocabulary, its score and the terms as written."""
    scores: dict[ComponentArea, float] = {}
    seen: dict[str, tuple[ComponentArea, str]] = {}
    for area, term, surface, _start in find_terms(text.lower()):
        if term not in seen:
            seen[term] = (area, surface)
            scores[area] = scores.get(area, 0.0) + TERM_WEIGHT[term]
    if not scores:
        return ComponentArea.OTHER, 0.0, []
    area = max(scores, key=lambda a: scores[a])
    words = sorted(
        (s for a, s in seen.values() if a is area), key=lambda s: -TERM_WEIGHT_BY_SURFACE(s, seen)
    )
    return area, scores[area], list(dict.fromkeys(words))[:3]


def TERM_WEIGHT_BY_SURFACE(surface: str, seen: dict[str, tuple[ComponentArea, str]]) -> float:
    """Weight of the term written as `surface` (for ranking terms in reasons)."""
    return max(TERM_WEIGHT[t] for t, (_a, s) in seen.items() if s == surface)


def _statements(blocks: list[prose.Block]) -> list[Statement]:
    """The blocks that state a problem or ask; a marker on a lead-in passes to the next."""
    out: list[Statement] = []
    carry: tuple[float, str] = (0.0, "")
    for block in blocks:
        if block.section == "steps":
            continue
        lower = block.text.lower()
        shift, cue = mk.shift_strength(lower)
        cue = block.text[: len(cue)]  # as written
        if carry[0] > shift:
            shift, cue = carry
        sentences = [s.lower() for s in prose.sentences(block.text)]
        asks = sum(1 for s in sentences if mk.is_ask(s))
        problem = any(mk.is_problem(s) for s in sentences)
        lead_in = block.text.rstrip().endswith(":") and len(sentences) <= 1
        marked = shift > 0 and len(block.text.split()) >= MIN_WORDS  # "First, SSO: ..."
        if lead_in or not (asks or problem or marked):
            carry = (shift, cue)  # "Other thing I wanted to ask about:" marks what follows
            continue
        carry = (0.0, "")
        area, score, terms = areas(block.text)
        out.append(
            Statement(block, shift if out else 0.0, cue if out else "", asks, area, score, terms)
        )
    return out


def _in_steps_list(block: prose.Block) -> bool:
    return block.kind == "item" and bool(mk.STEPS.search(block.lead_in.lower()))


def evidence(title: str, description: str) -> Evidence:
    """Read a case text and compute the features the model weighs."""
    read = prose.read(description)
    blocks = [b for b in read.blocks if not _in_steps_list(b)] or read.blocks
    statements = _statements(blocks)[:MAX_STATEMENTS]
    if not statements and read.blocks:
        first = read.blocks[0]
        area, score, terms = areas(first.text)
        statements = [Statement(first, area=area, area_score=score, terms=terms)]
    vectors = encoder().encode([title.strip() or "(no title)"] + [s.block.text for s in statements])
    title_vec, vecs = vectors[0], vectors[1:]
    similarity = vecs @ vecs.T
    title_similarity = vecs @ title_vec
    _compare(statements, similarity, title_similarity)
    text = f"{title}\n{description}".lower()
    one_cause = mk.ONE_CAUSE.search(" ".join(b.text.lower() for b in read.blocks))
    announce = mk.ANNOUNCE.search(text)
    if announce and mk.CONSEQUENCE.search(announce.group(0)):
        announce = None
    values = _values(title, statements, read, bool(one_cause), bool(announce))
    topical = [i for i, s in enumerate(statements) if len(s.block.text.split()) >= GAP_WORDS]
    values["title_gap"] = float(1.0 - title_similarity[topical].min()) if len(topical) > 1 else 0.0
    return Evidence(
        title=title,
        statements=statements,
        similarity=similarity,
        title_similarity=title_similarity,
        vectors=vecs,
        title_vector=title_vec,
        values=values,
        dropped=read.dropped,
        templates=read.templates,
        one_cause=one_cause.group(0) if one_cause else "",
        announce=announce.group(0) if announce else "",
    )


def _compare(
    statements: list[Statement], similarity: NDArray[np.float32], title: NDArray[np.float32]
) -> None:
    """Novelty against the title and earlier statements; isolation against all others."""
    topical = [i for i, s in enumerate(statements) if s.topical]
    for index in topical:
        statement = statements[index]
        best, closest = float(title[index]), -1
        others = float(title[index])
        for other in topical:
            if other == index:
                continue
            others = max(others, float(similarity[index, other]))
            if other < index and similarity[index, other] > best:
                best, closest = float(similarity[index, other]), other
        statement.novelty, statement.closest = 1.0 - best, closest
        statement.isolation = 1.0 - others


def _values(
    title: str, statements: list[Statement], read: prose.Prose, one_cause: bool, announce: bool
) -> dict[str, float]:
    later = statements[1:]
    prose_later = [s for s in later if s.block.kind != "item"]
    novelty = max((s.novelty for s in prose_later), default=0.0)
    marked = max((s.novelty for s in later if s.shift > 0), default=0.0)
    items = [s.novelty for s in later if s.block.kind == "item"]
    area_change = any(
        s.area_score >= SUBSTANTIAL
        and all(p.area is not s.area for p in statements[:i] if p.area_score >= SUBSTANTIAL)
        and any(p.area_score >= SUBSTANTIAL for p in statements[:i])
        for i, s in enumerate(statements)
    )
    return {
        "novelty": novelty,
        "marked_novelty": marked,
        "marker": max((s.shift for s in later), default=0.0),
        "announce": float(announce),
        "title_join": float(bool(re.search(r"\s(?:\+|/|&)\s|;\s", title))),
        "area_change": float(area_change),
        "problem_blocks": math.log1p(len(statements)),
        "asks": math.log1p(sum(s.asks for s in statements)),
        "one_cause": float(one_cause),
        "templates": math.log1p(read.templates),
        "steps": float(any(b.section == "steps" for b in read.blocks)),
        "list_novelty": max(items, default=0.0),
        "isolation": (
            max((s.isolation for s in statements), default=0.0)
            if sum(s.topical for s in statements) > 1
            else 0.0
        ),
        "announced_list": max(items, default=0.0) * float(announce),
    }
