"""check_scope: the verdict, its parts, a confidence and the reasons, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from engage.domain.cases import ComponentArea
from engage.domain.scope import parts as pt
from engage.domain.scope import prose
from engage.domain.scope.features import NAMES, SUBSTANTIAL, Evidence, areas, evidence
from engage.domain.scope.model import model
from engage.domain.scope.vocabulary import AREA_LABELS

MAX_CHARS = 20_000  # a case text; the rest of a pasted log says nothing about scope


@dataclass(frozen=True)
class ScopePart:
    """One issue found in a case text: a short title, its area, the sentences behind it."""

    summary: str
    area: ComponentArea
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class ScopeResult:
    """The verdict on a case text, the parts found, a confidence in [0, 1] and the reasons."""

    verdict: Literal["single", "multi"]
    parts: tuple[ScopePart, ...]
    confidence: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: verdict, parts (summary and area), confidence, reasons."""
        return {
            "verdict": self.verdict,
            "parts": [{"summary": p.summary, "area": p.area.value} for p in self.parts],
            "confidence": self.confidence,
            "reasons": list(self.reasons),
        }


def check_scope(title: str, description: str) -> ScopeResult:
    """Decide whether a case describes one issue or several, with parts, confidence, reasons."""
    title, description = title.strip()[:500], description[:MAX_CHARS]
    if not description.strip():
        area, _score, _terms = areas(title)
        return ScopeResult(
            verdict="single",
            parts=(ScopePart(pt.shorten(title), area, (title,) if title else ()),),
            confidence=0.7,
            reasons=("only a title: one issue until the description says otherwise",),
        )
    ev = evidence(title, description)
    shipped = model()
    contributions = shipped.contributions(ev.values)
    probability = shipped.probability(ev.values)
    if probability >= shipped.threshold:
        found = pt.split(ev)
        if len(found) > 1:
            return _multi(ev, found, contributions, probability)
    return _single(ev, description, contributions, probability)


def _multi(
    ev: Evidence, found: list[pt.Part], contributions: dict[str, float], probability: float
) -> ScopeResult:
    placed = [_place(ev, p) for p in found]
    names = pt.titles(ev, found)
    return ScopeResult(
        verdict="multi",
        parts=tuple(
            ScopePart(name, area, tuple(part.texts[:8]))
            for part, name, (area, _terms) in zip(found, names, placed, strict=True)
        ),
        confidence=round(min(0.99, probability), 2),
        reasons=tuple(
            _preamble(ev) + _multi_reasons(ev, found, placed, contributions, probability)
        ),
    )


def _single(
    ev: Evidence, description: str, contributions: dict[str, float], probability: float
) -> ScopeResult:
    title = ev.title
    whole = " ".join(s.block.text for s in ev.statements) or description
    opening = prose.sentences(ev.statements[0].block.text)[:1] if ev.statements else []
    area, score, terms = areas(f"{title}. {' '.join(opening)}")  # the problem as first stated
    if score < SUBSTANTIAL:
        everything = list(range(len(ev.statements)))
        area, terms = pt.area_of(f"{title}. {whole}", pt.vector_of(ev, everything, title=True))
    summary = pt.shorten(title) if title else pt.title(pt.Part([whole]))
    return ScopeResult(
        verdict="single",
        parts=(ScopePart(summary, area, _evidence(ev)),),
        confidence=round(min(0.99, max(0.5, 1.0 - probability)), 2),
        reasons=tuple(_preamble(ev) + _single_reasons(ev, area, terms, contributions, probability)),
    )


def _place(ev: Evidence, part: pt.Part) -> tuple[ComponentArea, list[str]]:
    vector = pt.vector_of(ev, part.members) if part.members else None
    return pt.area_of(part.text, vector)


def _evidence(ev: Evidence) -> tuple[str, ...]:
    return tuple(s.block.text for s in ev.statements[:8])


def _preamble(ev: Evidence) -> list[str]:
    out = []
    if ev.dropped:
        lines = "line" if ev.dropped == 1 else "lines"
        out.append(f"ignored {ev.dropped} {lines} of code, logs, YAML, stack traces or commands")
    if ev.templates:
        out.append(f"set aside {ev.templates} template section(s) (versions, platform, checklists)")
    return out


def _about(place: tuple[ComponentArea, list[str]]) -> str:
    area, terms = place
    return AREA_LABELS[area] + (f" ({', '.join(terms)})" if terms else "")


#: Plain words for each feature: (when it is above average, when it is below).
_WORDS: dict[str, tuple[str, str]] = {
    "novelty": (
        "a problem statement shares little with the title or anything before it",
        "every problem statement resembles the title or an earlier one",
    ),
    "marked_novelty": (
        "a statement opened by a marker is unlike what came before it",
        "no marked statement brings a new subject",
    ),
    "marker": ("a marker opens a new matter", "no marker of a new matter"),
    "announce": ("the writer announces several matters", "no announcement of several matters"),
    "title_join": ("the title joins two subjects", "the title names one subject"),
    "area_change": (
        "the problem statements fall in different areas",
        "the statements stay in one area",
    ),
    "problem_blocks": ("there are many problem statements", "there are few problem statements"),
    "asks": ("there are several separate asks", "there are few separate asks"),
    "one_cause": ("the writer ties the symptoms to one cause", "no common cause is claimed"),
    "templates": (
        "template sections (version, platform) were set aside, not counted as issues",
        "no template sections",
    ),
    "steps": ("reproduction steps belong to the one problem", "no reproduction steps"),
    "title_gap": (
        "a problem statement is far from what the title says",
        "every problem statement stays close to the title",
    ),
    "list_novelty": ("a list holds items unlike each other", "list items resemble each other"),
    "isolation": ("one statement is unlike all the others", "every statement resembles another"),
    "announced_list": ("an announced list holds unlike items", "no announced list of unlike items"),
}


_SINGLE_WHEN_HIGH = frozenset({"one_cause", "templates", "steps"})


def _drivers(ev: Evidence, contributions: dict[str, float], sign: float) -> list[str]:
    """The three features that pushed hardest towards the verdict, in words."""
    means = dict(zip(NAMES, model().mean, strict=True))
    ranked = sorted(contributions, key=lambda n: -sign * contributions[n])
    out = []
    for name in ranked:
        high = ev.values[name] > means[name]
        # only evidence that reads the right way round in words: a learned weight may lean
        # the other way (many statements are a little more often one long report)
        plain = (high != (name in _SINGLE_WHEN_HIGH)) == (sign > 0)
        if sign * contributions[name] > 0.25 and plain:
            out.append(_WORDS[name][0 if high else 1])
    return out[:3]


def _multi_reasons(
    ev: Evidence,
    found: list[pt.Part],
    placed: list[tuple[ComponentArea, list[str]]],
    contributions: dict[str, float],
    probability: float,
) -> list[str]:
    reasons = [
        f"several issues, probability {probability:.2f}: "
        + "; ".join(_drivers(ev, contributions, 1.0) or ["the evidence taken together"])
    ]
    if ev.announce:
        reasons.append(f"the writer says '{ev.announce}'")
    for index, part in enumerate(found[1:], start=1):
        cue = f" with '{part.cue}'" if part.cue else ""
        before = "the text before" if index == 1 else f"part {index}"
        likeness = f" (similarity {1 - part.novelty:.2f})" if part.novelty else ""
        reasons.append(
            f"{part.where or 'a later passage'} starts a new matter{cue} about "
            f"{_about(placed[index])} while {before} is about {_about(placed[index - 1])}"
            f"{likeness}"
        )
    return reasons


def _single_reasons(
    ev: Evidence,
    area: ComponentArea,
    terms: list[str],
    contributions: dict[str, float],
    probability: float,
) -> list[str]:
    about = _about((area, terms))
    reasons = [
        f"the text is about {about}"
        if terms or area is not ComponentArea.OTHER
        else "no Kubecost component vocabulary found; area left as other"
    ]
    if ev.one_cause:
        reasons.append(f"the writer ties the symptoms together ('{ev.one_cause}')")
    drivers = _drivers(ev, contributions, -1.0)
    if probability >= model().threshold:
        reasons.append(
            f"the evidence leans to several issues ({probability:.2f}) but the text holds only"
            " one problem statement to split off"
        )
    else:
        reasons.append(
            f"one issue, probability of several {probability:.2f}: "
            + "; ".join(drivers or ["no strong sign of a second matter"])
        )
    return reasons
