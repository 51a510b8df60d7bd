"""One issue per case: decide whether a case text describes one issue or several.

The method, in the order it runs:
1. Neutralise what is not prose: fenced blocks, indented code, log lines, YAML, JSON, stack
   traces, commands and tables are dropped (and counted), so a 300-line log is no evidence.
2. Split the prose into paragraphs, list items and sentences; drop greetings and thanks.
3. Score each sentence against per-area Kubecost vocabularies (scope_lexicon.AREA_TERMS) and
   read its discourse markers: a topic shift ("Separately,", "Another issue", "P.S."), an
   enumerated ask (a numbered list of questions, "Second,"), a continuation ("This", "We also
   tried", "because") and, anywhere, a claim of one cause ("all of this has one cause").
4. Cut the text into segments where a marker or a paragraph break allows it, fold segments
   with too little evidence into their neighbour, then keep a cut only when its *split
   strength* reaches 0.5: different dominant areas, substantial evidence on both sides, a
   marker, and no causal tie. Several symptoms of one root cause therefore stay one issue;
   list items and paragraphs are never counted.
5. Confidence is the margin of the deciding split strength from 0.5; `reasons` say why.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from engage.domain.scope import _legacy_lexicon as lx
from engage.domain.cases import ComponentArea

SUBSTANTIAL = 2.0  # area score a segment needs before it can stand as an issue of its own
THRESHOLD = 0.5  # split strength at which a cut makes two issues
PARAGRAPH_BREAK = 0.35  # boundary strength of a paragraph start without any marker
QUESTION_BREAK = 0.5  # a question right after another question may be a separate ask
SUMMARY_CHARS = 100
OPENING_WEIGHT = 1.5  # the first sentence of a part usually states the problem
CAUSE_WEIGHT = 1.75  # the sentence naming the one cause, and its neighbours
EFFECT_WEIGHT = 0.5  # "because X, Y": Y is a consequence, not the issue
STEP_WEIGHT = 0.5  # reproduction steps walk through other areas on the way to the problem


@dataclass(frozen=True)
class ScopePart:
    """One issue found in a case text: a short summary, its area, the sentences behind it."""

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


@dataclass
class _Sentence:
    text: str
    where: str  # "paragraph 2", "item 3 of the list in paragraph 2"
    boundary: float = 0.0
    cue: str = ""
    continues: bool = False
    hits: Counter[tuple[ComponentArea, str]] = field(default_factory=Counter)
    surface: dict[str, str] = field(default_factory=dict)  # term id -> text as written
    boost: dict[str, float] = field(default_factory=dict)  # term id -> 0.5 if only an effect
    weight: float = 1.0  # the sentence stating the one cause (and its neighbours) weighs more
    step: bool = False  # an item of a list of reproduction or troubleshooting steps


class _Segment:
    """Consecutive sentences read as one topic; area scores are kept up to date as it grows."""

    def __init__(self, sentences: list[_Sentence]) -> None:
        self.sentences: list[_Sentence] = []
        self._counts: Counter[tuple[ComponentArea, str]] = Counter()
        self._peak: dict[str, float] = {}
        self._totals: dict[ComponentArea, float] | None = None
        self._top: tuple[ComponentArea, float] | None = None
        self.extend(sentences)

    @property
    def first(self) -> _Sentence:
        return self.sentences[0]

    def extend(self, sentences: list[_Sentence]) -> None:
        """Append sentences (a later segment folded into this one)."""
        for sentence in sentences:
            position = 1.0 if self.sentences else OPENING_WEIGHT
            self.sentences.append(sentence)
            self._counts.update(sentence.hits)
            for _area, term in sentence.hits:
                use = sentence.weight * position * sentence.boost.get(term, 1.0)
                self._peak[term] = max(self._peak.get(term, 0.0), use)
        self._totals = self._top = None

    def scores(self) -> dict[ComponentArea, float]:
        """Area scores: each distinct term once, repeats add a little (at most +50%).

        A term counts at its strongest use: the opening sentence (the problem statement)
        weighs 1.5, a term only used as the effect of a stated cause weighs half.
        """
        if self._totals is None:
            totals = dict.fromkeys(ComponentArea, 0.0)
            for (area, term), n in self._counts.items():
                totals[area] += (
                    lx.TERM_WEIGHT[term] * self._peak[term] * min(1.5, 1 + 0.25 * (n - 1))
                )
            self._totals = totals
        return self._totals

    def substantial(self) -> bool:
        """Enough evidence to stand as an issue: two terms, or one ask after a marker.

        Steps alone never do: they belong to the problem they reproduce.
        """
        if all(s.step or not s.hits for s in self.sentences):
            return False
        area, score = self.top()
        uses = sum(n for s in self.sentences for (a, _t), n in s.hits.items() if a is area)
        if self.first.boundary >= 0.6:
            return score >= SUBSTANTIAL
        return score >= SUBSTANTIAL + 1.0 and uses >= 2

    def top(self) -> tuple[ComponentArea, float]:
        """The leading area and its score (ties go to the area listed first)."""
        if self._top is None:
            scores = self.scores()
            area = max(scores, key=lambda a: scores[a])
            self._top = (area, scores[area])
        return self._top

    def terms(self, area: ComponentArea, limit: int = 3) -> list[str]:
        """The strongest terms of `area` in this segment, as written."""
        counts: Counter[str] = Counter()
        surface: dict[str, str] = {}
        for sentence in self.sentences:
            for (hit_area, term), n in sentence.hits.items():
                if hit_area is area:
                    counts[term] += n
                    surface.setdefault(term, sentence.surface[term])
        ranked = sorted(counts, key=lambda t: (-lx.TERM_WEIGHT[t] * counts[t], surface[t]))
        return list(dict.fromkeys(surface[t] for t in ranked))[:limit]


def _hits(sentence: _Sentence) -> None:
    """Record the vocabulary terms a sentence uses."""
    lowered = sentence.text.lower()
    effect = lx.effect_start(lowered)
    for area, term, surface, start in lx.find_terms(lowered):
        sentence.hits[(area, term)] += 1
        sentence.surface.setdefault(term, surface)
        boost = EFFECT_WEIGHT if start >= effect else 1.0
        sentence.boost[term] = max(sentence.boost.get(term, 0.0), boost)


# --- step 1 and 2: prose extraction and segmentation into sentences ---


def _list_kind(lead_in: str, items: list[str], one_cause: bool) -> tuple[float, bool]:
    """Boundary strength at each item of a list (asks and issues split, steps do not), and
    whether the list is reproduction or troubleshooting steps."""
    lead_in = lead_in.lower()
    if lx.STEPS.search(lead_in):
        return 0.0, True
    if one_cause:
        return 0.0, False
    announced = bool(lx.ANNOUNCE.search(lead_in)) or "question" in lead_in
    asks = sum(1 for item in items if item.rstrip().endswith("?"))
    if announced and lx.SEPARATE.search(lead_in):
        return 1.0, False
    if announced or asks * 2 > len(items):
        return 0.6, False
    return 0.0, False


def _mark(sentence: _Sentence, body: str) -> None:
    """Read the discourse markers at the start of a sentence."""
    lower = body.lower()
    strong, medium = lx.STRONG_SHIFT.match(lower), lx.MEDIUM_SHIFT.match(lower)
    if strong or lx.ISSUE_HEADING.match(lower):
        cue = body[: strong.end()] if strong else body.split(":")[0]
        sentence.boundary, sentence.cue = 1.0, cue
    elif medium:
        sentence.boundary, sentence.cue = 0.6, body[: medium.end()]
    elif lx.CONTINUATION.match(lower) or lx.CAUSAL.match(lower):
        sentence.continues = True


def _sentences(description: str, one_cause: bool) -> tuple[list[_Sentence], int]:
    paragraphs, dropped = lx.prose_paragraphs(description)
    sentences: list[_Sentence] = []
    list_strength, steps = 0.0, False  # a list cut by a code block goes on after it
    for p_index, lines in enumerate(paragraphs, start=1):
        units = lx.units(lines)
        items = [u[0] for u in units if u[1]]
        lead = next((u[0] for u in units if not u[1]), None)
        if items and (lead is not None or not units[0][1]):
            list_strength, steps = _list_kind(lead or "", items, one_cause)
        elif items and lead is None and not list_strength and sentences:
            list_strength, steps = _list_kind(sentences[-1].text, items, one_cause)
        for u_index, (text, is_item, _numbered) in enumerate(units):
            marker = lx.LIST_ITEM.match(text)
            label = marker.group(0).strip() if marker else ""
            where = (
                f"list item {label} in paragraph {p_index}" if is_item else f"paragraph {p_index}"
            )
            body = text[marker.end() :] if marker else text
            for s_index, piece in enumerate(lx.split_sentences(body)):
                if lx.PLEASANTRY.match(piece.lower()):
                    continue
                sentence = _Sentence(text=piece, where=where)
                _hits(sentence)
                _mark(sentence, piece)
                if is_item and steps:
                    sentence.weight, sentence.step = STEP_WEIGHT, True
                if s_index == 0 and is_item and list_strength > sentence.boundary:
                    sentence.boundary, sentence.cue = list_strength, f"list item {label}"
                previous = sentences[-1] if sentences else None
                if (
                    s_index > 0
                    and previous is not None
                    and previous.text.endswith("?")
                    and piece.endswith("?")
                    and sentence.boundary < QUESTION_BREAK
                ):
                    sentence.boundary, sentence.cue = QUESTION_BREAK, "a second question"
                opens_paragraph = s_index == 0 and u_index == 0
                if (
                    opens_paragraph
                    and len(units) == 1
                    and piece.endswith(":")
                    and sentence.boundary < 0.6
                ):
                    sentence.continues = True  # "Helm values:" introduces a block
                if opens_paragraph and not sentence.continues:
                    sentence.boundary = max(sentence.boundary, PARAGRAPH_BREAK)
                sentences.append(sentence)
    if one_cause:
        _weigh_cause(sentences)
    return sentences, dropped


def _weigh_cause(sentences: list[_Sentence]) -> None:
    """The sentence that claims one cause, and its neighbours, name the issue's area."""
    for index, sentence in enumerate(sentences):
        if lx.ONE_CAUSE.search(sentence.text.lower()):
            for near in sentences[max(0, index - 1) : index + 2]:
                near.weight = CAUSE_WEIGHT


# --- step 4: segments, folding and split strength ---


@dataclass
class _Context:
    one_cause: str  # the phrase tying symptoms together, or ""
    announced: bool  # the writer says there are several things
    notes: list[str] = field(default_factory=list)


def _segments(sentences: list[_Sentence]) -> list[_Segment]:
    segments: list[_Segment] = []
    for sentence in sentences:
        if not segments or sentence.boundary >= PARAGRAPH_BREAK:
            segments.append(_Segment([sentence]))
        else:
            segments[-1].extend([sentence])
    return segments


def _fold_thin(segments: list[_Segment]) -> list[_Segment]:
    """Fold segments without substantial evidence into a neighbour.

    A thin segment that opens with a marker ("Second question:") hands the marker on to the
    segment after it; any other thin segment joins the one before it.
    """
    out: list[_Segment] = []
    carry: list[_Sentence] = []
    for segment in segments:
        if carry:
            segment = _Segment(carry + segment.sentences)
            carry = []
        if segment.substantial():
            out.append(segment)
        elif segment.first.boundary >= 0.6 or not out:
            carry = segment.sentences
        else:
            out[-1].extend(segment.sentences)
    if carry:
        if out:
            out[-1].extend(carry)
        else:
            out.append(_Segment(carry))
    return out


def _clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def _split_strength(before: _Segment, after: _Segment, ctx: _Context) -> tuple[float, str]:
    """How strongly `after` is a separate issue from `before` (>= 0.5 splits), and why not."""
    area_b, top_b = before.top()
    area_a, top_a = after.top()
    boundary = min(1.0, after.first.boundary + (0.2 if ctx.announced else 0.0))
    evidence = _clamp((min(top_b, top_a) - 1.0) / 3.0)
    same = (
        area_a is area_b
        or after.scores()[area_b] >= 0.5 * top_a
        or before.scores()[area_a] >= 0.5 * top_b
    )
    link, why = 1.0, ""
    if after.first.continues:
        link, why = 0.35, f"it is tied to the text before ('{_opening(after.first.text)}')"
    elif ctx.one_cause and boundary < 1.0:
        link, why = 0.6, f"the writer ties the symptoms to one cause ('{ctx.one_cause}')"
    if same:
        asks = any(lx.is_ask(s.text.lower()) for s in after.sentences)
        if boundary >= 1.0 and evidence >= 0.66 and asks and link == 1.0:
            return 0.55, ""
        return 0.3 * boundary * evidence, why or f"it stays on {lx.AREA_LABELS[area_b]}"
    strength = (0.35 + 0.65 * boundary) * (0.4 + 0.6 * evidence) * link
    if not why:
        why = (
            "it has no marker of a new topic"
            if boundary <= PARAGRAPH_BREAK
            else "the evidence on one side is thin"
        )
    return strength, why


def _opening(text: str, words: int = 4) -> str:
    return " ".join(text.split()[:words])


@dataclass
class _Decision:
    segment: _Segment
    strength: float
    why: str
    split: bool


def _decide(segments: list[_Segment], ctx: _Context) -> tuple[list[_Segment], list[_Decision]]:
    """Keep the cuts that reach the threshold; fold later parts of an area already seen."""
    parts, decisions = [segments[0]], []
    for segment in segments[1:]:
        strength, why = _split_strength(parts[-1], segment, ctx)
        split = strength >= THRESHOLD
        decisions.append(_Decision(segment, strength, why, split))
        if split:
            parts.append(segment)
        else:
            parts[-1].extend(segment.sentences)
    folded: list[_Segment] = []
    for part in parts:
        twin = next((f for f in folded if f.top()[0] is part.top()[0]), None)
        if twin is not None and part.first.boundary < 1.0:
            twin.extend(part.sentences)
            for decision in decisions:
                decision.split = decision.split and decision.segment is not part
        else:
            folded.append(part)
    return folded, decisions


# --- step 5: the result ---


def _summary(text: str) -> str:
    text = lx.ISSUE_HEADING.sub("", text).strip()
    text = (
        re.sub(
            r"^(?:"
            + lx.STRONG_SHIFT.pattern[1:]
            + r"|"
            + lx.MEDIUM_SHIFT.pattern[1:]
            + r")[\s,:;.-]*",
            "",
            text,
            flags=re.IGNORECASE,
        ).strip()
        or text
    )
    text = text[:1].upper() + text[1:]
    if len(text) <= SUMMARY_CHARS:
        return text
    return text[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


def _part(segment: _Segment, area: ComponentArea, title: str = "") -> ScopePart:
    evidence = tuple(s.text for s in segment.sentences if any(a is area for a, _ in s.hits))[:8]
    lead = title or (evidence[0] if evidence else segment.first.text)
    return ScopePart(summary=_summary(lead), area=area, evidence=evidence)


def _about(segment: _Segment, area: ComponentArea) -> str:
    terms = segment.terms(area)
    return lx.AREA_LABELS[area] + (f" ({', '.join(terms)})" if terms else "")


def _multi_reasons(parts: list[_Segment], decisions: list[_Decision]) -> list[str]:
    reasons = []
    for index, part in enumerate(parts[1:], start=1):
        cue = (
            f" with '{part.first.cue}'"
            if part.first.cue and "list item" not in part.first.cue
            else ""
        )
        before = "the text before" if index == 1 else f"part {index}"
        reasons.append(
            f"{part.first.where} starts a new topic{cue} and is about "
            f"{_about(part, part.top()[0])} while {before} is about "
            f"{_about(parts[index - 1], parts[index - 1].top()[0])}"
        )
    return reasons


def _single_reasons(
    whole: _Segment, area: ComponentArea, decisions: list[_Decision], ctx: _Context
) -> list[str]:
    reasons = [
        f"the text is about {_about(whole, area)}"
        if whole.top()[1] > 0
        else "no Kubecost component vocabulary found; area left as other"
    ]
    if ctx.one_cause:
        reasons.append(f"the writer ties the symptoms to one cause ('{ctx.one_cause}')")
    near = sorted(
        (d for d in decisions if d.segment.top()[0] is not area), key=lambda d: -d.strength
    )[:3]
    for decision in near:
        seg = decision.segment
        reasons.append(
            f"{seg.first.where} mentions {_about(seg, seg.top()[0])} but {decision.why}"
            f" (split strength {decision.strength:.2f} < {THRESHOLD})"
        )
    return reasons


def check_scope(title: str, description: str) -> ScopeResult:
    """Decide whether a case describes one issue or several, with parts, confidence, reasons."""
    one_cause = lx.ONE_CAUSE.search(description.lower())
    ctx = _Context(
        one_cause=one_cause.group(0) if one_cause else "",
        announced=bool(lx.ANNOUNCE.search(f"{title}\n{description}".lower())),
    )
    sentences, dropped = _sentences(description, bool(one_cause))
    preamble = (
        [f"ignored {dropped} lines of code, logs, YAML, stack traces or commands"]
        if dropped
        else []
    )
    title_sentence = _Sentence(text=title.strip(), where="title")
    _hits(title_sentence)
    if not sentences:
        sentences = [title_sentence] if title.strip() else [_Sentence(text="", where="title")]
    parts, decisions = _decide(_fold_thin(_segments(sentences)), ctx)
    if len(parts) > 1:
        weakest = min(d.strength for d in decisions if d.split)
        return ScopeResult(
            verdict="multi",
            parts=tuple(_part(p, p.top()[0]) for p in parts),
            confidence=round(_clamp(0.5 + (weakest - THRESHOLD) * 1.6, 0.5, 0.99), 2),
            reasons=tuple(preamble + _multi_reasons(parts, decisions)),
        )
    whole = _Segment([*sentences, title_sentence])  # the title counts like one more sentence
    area, score = whole.top()
    area = area if score > 0 else ComponentArea.OTHER
    strongest = max((d.strength for d in decisions), default=0.0)
    confidence = _clamp(0.5 + (THRESHOLD - strongest) * 1.6, 0.5, 0.95) if score > 0 else 0.7
    return ScopeResult(
        verdict="single",
        parts=(_part(_Segment(sentences), area, title.strip()),),
        confidence=round(confidence, 2),
        reasons=tuple(preamble + _single_reasons(whole, area, decisions, ctx)),
    )
