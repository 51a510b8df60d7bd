"""Cut a multi-issue text into parts, and give each part a title and an area.

Statements are read in order; a new part starts where a marker opens a new matter or where a
statement shares little with everything in the part so far (sentence embeddings). If no cut
qualifies, the cut goes where the text is most novel, down to single sentences when the whole
text is one paragraph. A part's title is the clause that states its problem, cut to a few
words at a phrase boundary, never a template heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engage.domain.cases import ComponentArea
from engage.domain.scope import markers as mk
from engage.domain.scope import prose
from engage.domain.scope.encoder import encoder
from engage.domain.scope.features import SUBSTANTIAL, Evidence, Statement, areas

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

UNMARKED_CUT = 0.7  # 1 - similarity above which an unmarked statement starts a new part
LISTED_CUT = 0.5  # the same for an item of a list the writer announced ("three things:")
TITLE_WORDS = 12
HINT_LIKENESS = 0.3  # below this, an area description says nothing about the text
TITLE_LIKENESS = 0.45  # the case title names a part when that close to one of its statements
PART_WORDS = 9  # a shorter statement ("How do I get rid of this?") follows the one before
AREA_HINTS: dict[ComponentArea, str] = {
    ComponentArea.INSTALL_UPGRADE: "helm chart install or upgrade fails, pods crash, values",
    ComponentArea.COST_ALLOCATION: "cost allocation of namespaces pods and nodes, prices, idle",
    ComponentArea.CLOUD_COSTS: "cloud billing integration, cloud costs, invoice and bill",
    ComponentArea.AGGREGATOR_FEDERATION: "multi-cluster federation, aggregator, primary cluster",
    ComponentArea.NETWORKING: "network costs, ingress, proxy, connection refused, DNS",
    ComponentArea.SSO_AUTH: "single sign-on login, SAML, OIDC, roles and permissions",
    ComponentArea.ALERTS_BUDGETS_REPORTS: "alerts, budgets, saved reports, Slack and email",
    ComponentArea.SAVINGS_RECOMMENDATIONS: "savings, right-sizing recommendations, request sizing",
    ComponentArea.PERFORMANCE_MEMORY: "memory use, out of memory, slow pages, performance",
    ComponentArea.OTHER: "licence, currency, Grafana dashboards, user interface",
}


@dataclass
class Part:
    """Consecutive statements (or sentences) about one matter."""

    texts: list[str]
    cue: str = ""
    where: str = ""
    heading: str = ""
    novelty: float = 0.0  # how little it shares with what came before it
    members: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All its text, joined."""
        return " ".join(self.texts)


_JOIN = re.compile(r"\s+(?:\+|/|&|;)\s+|;\s+")
_PREFIX = re.compile(r"^\s*(?:support request|request|question|bug|issue|help)\s*:\s*", re.I)
_TAG = re.compile(r"^\s*(?:\[[^\]]{1,20}\]\s*)+")


def titles(ev: Evidence, parts: list[Part]) -> list[str]:
    """A title per part: the case title's pieces when it names each part, else the part's
    own problem clause, with the case title for the part it describes best."""
    case = _PREFIX.sub("", _TAG.sub("", ev.title)).strip()
    bare = re.sub(r"\([^)]*\)", "", case)  # "(EKS + Karpenter)" joins no subjects
    pieces = [p.strip() for p in _JOIN.split(bare) if p.strip()]
    if len(pieces) == len(parts) > 1 and all(len(p.split()) >= 2 for p in pieces):
        return [_tidy(p) for p in pieces]
    out = [title(p) for p in parts]
    if case and len(pieces) == 1:
        closeness = [
            max((float(ev.title_similarity[m]) for m in p.members), default=-1.0) for p in parts
        ]
        best = closeness.index(max(closeness))
        if closeness[best] >= TITLE_LIKENESS:
            out[best] = _tidy(case)
    return out


def split(ev: Evidence) -> list[Part]:
    """The parts of a text judged to hold several issues (always two or more)."""
    topical = [
        i
        for i, s in enumerate(ev.statements)
        if i == 0
        or s.shift
        or _content_words(s.block.text) >= PART_WORDS
        or (s.block.kind == "item" and s.area_score >= SUBSTANTIAL)
    ]
    parts = _by_statements(ev, topical) if len(topical) > 1 else []
    if len(parts) < 2:
        parts = _by_sentences(ev)
    return parts


_VERSION_NOTE = re.compile(r"\bv?\d+\.\d+(?:\.\d+)?\b")


def _content_words(text: str) -> int:
    """Words outside short version notes ("We're on Kubecost v1.49.3.")."""
    kept = [
        s for s in prose.sentences(text) if not (_VERSION_NOTE.search(s) and len(s.split()) < 8)
    ]
    return sum(len(s.split()) for s in kept)


def _by_statements(ev: Evidence, topical: list[int]) -> list[Part]:
    parts = [_part(ev.statements[topical[0]], topical[0])]
    candidates: list[tuple[float, int]] = []
    for index in topical[1:]:
        statement = ev.statements[index]
        best = max(float(ev.similarity[index, m]) for m in parts[-1].members)
        if len(parts) == 1:
            best = max(best, float(ev.title_similarity[index]) - 0.1)
        novelty = 1.0 - best
        listed = bool(ev.announce) and statement.block.kind == "item"
        if statement.shift >= 0.6 or novelty >= (LISTED_CUT if listed else UNMARKED_CUT):
            parts.append(_part(statement, index, novelty))
        else:
            candidates.append((novelty + statement.shift, len(parts)))
            parts[-1].texts.append(statement.block.text)
            parts[-1].members.append(index)
    if len(parts) == 1 and candidates:
        return _cut_at_best(ev, topical)
    return parts


def _cut_at_best(ev: Evidence, topical: list[int]) -> list[Part]:
    """Two parts, cut before the statement least like everything before it."""
    scores = [ev.statements[i].novelty + ev.statements[i].shift for i in topical[1:]]
    cut = topical[1 + scores.index(max(scores))]
    first = _part(ev.statements[topical[0]], topical[0])
    second = _part(ev.statements[cut], cut, ev.statements[cut].novelty)
    for index in topical[1:]:
        target = first if index < cut else second
        if index != cut:
            target.texts.append(ev.statements[index].block.text)
            target.members.append(index)
    return [first, second]


def _part(statement: Statement, index: int, novelty: float = 0.0) -> Part:
    heading = statement.block.heading if statement.block.kind == "heading" else ""
    return Part(
        [statement.block.text],
        statement.cue,
        statement.block.where,
        heading or "",
        novelty,
        [index],
    )


def _by_sentences(ev: Evidence) -> list[Part]:
    """One paragraph holding two matters: cut at a marker, else at the most novel sentence."""
    sentences = [s for st in ev.statements for s in prose.sentences(st.block.text)]
    if len(sentences) < 2:
        return [Part(sentences or [ev.title])]
    for index, sentence in enumerate(sentences[1:], start=1):
        shift, cue = mk.shift_strength(sentence.lower())
        first = sentence.lower().startswith(("the first", "first"))
        if not first and (shift >= 0.6 or sentence.lower().rstrip(".").endswith(" either")):
            return [Part(sentences[:index]), Part(sentences[index:], cue, "a sentence")]
    vectors = encoder().encode(sentences)
    similarity = vectors @ vectors.T
    novelty = [1.0 - float(similarity[i, :i].max()) for i in range(1, len(sentences))]
    cut = 1 + novelty.index(max(novelty))
    return [Part(sentences[:cut]), Part(sentences[cut:], "", "a sentence", novelty=max(novelty))]


def vector_of(ev: Evidence, members: list[int], title: bool = False) -> NDArray[np.float32]:
    """The unit mean of some statements' embeddings (and the title's)."""
    import numpy as np

    rows = [ev.vectors[i] for i in members] + ([ev.title_vector] if title else [])
    mean = np.mean(rows, axis=0) if rows else ev.title_vector
    unit: NDArray[np.float32] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return unit


def area_of(
    text: str, vector: NDArray[np.float32] | None = None
) -> tuple[ComponentArea, list[str]]:
    """The area of a part: by vocabulary, else by likeness to a short area description.

    `vector` is the part's embedding when it is known (the mean of its statements), so no
    new forward pass is needed while a customer types.
    """
    area, score, terms = areas(text)
    if score >= SUBSTANTIAL:
        return area, terms
    hints = list(AREA_HINTS)
    if vector is None:
        vector = encoder().encode([text])[0]
    likeness = encoder().encode([AREA_HINTS[a] for a in hints]) @ vector
    best = int(likeness.argmax())
    if float(likeness[best]) < HINT_LIKENESS:
        return (area if score > 0 else ComponentArea.OTHER), terms
    return hints[best], terms if hints[best] is area else []


_LEAD = re.compile(
    r"^(?:(?:(?:[\w-]+ ){0,4}(?:thing|question|issue|problem)[^:]{0,40}:\s*)"
    r"|(?:first|second|third|fourth|then|also|and|but|so|plus|separately|additionally"
    r"|unrelated(?: question)?|other thing|one (?:more|last) thing|lastly|finally|p\.?s\.?)"
    r"\b[\s,:;.-]*"
    r"|(?:issue|problem|question|item)\s*#?\w*\s*[:.)-]\s*"
    r"|(?:not urgent|quick one|small ui thing)[\s,:;.-]*"
    r"|[A-Za-z][\w/-]{1,15}:\s+(?=(?:\S+\s+){3}))+",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(
    r";\s|\s\(|\s-\s|:\s|,?\s(?:because|since|so|which|while|if|as)\s|,\s(?!and\b|or\b|\w+ and\b)"
)


_CONTEXT = re.compile(
    r"^(?:this is|we run|we are|we're|we have|we use|i have|i'm|i am|our |environment|setup"
    r"|context|kubecost \d|opencost \d|on (?:the|our) )",
    re.IGNORECASE,
)
_STRONG = re.compile(
    r"\b(?:fail\w*|error\w*|wrong|missing|empty|blank|broken|crash\w*|never|not|n't|cannot"
    r"|unable|refused|instead|negative|zero|\$0|lower|higher|too|restart\w*|oom\w*|ignor\w*"
    r"|doesn't|isn't|404|502|stuck|leak\w*|cheap|expensive|only)\b",
    re.IGNORECASE,
)


def _score(sentence: str, position: int) -> float:
    lower = sentence.lower()
    score = len(_STRONG.findall(lower)) + (1.5 if mk.is_ask(lower) else 0.0)
    if _CONTEXT.match(sentence) or (mk.ANNOUNCE.search(lower) and len(sentence.split()) < 8):
        score -= 2.0
    return score - 0.3 * position


def title(part: Part) -> str:
    """A short title a person would write for the part."""
    if part.heading:
        return _tidy(_LEAD.sub("", part.heading))
    head = re.match(
        r"^(?:issue|problem|question)\s*#?\d+\s*[:-]\s*([^.]{3,80})(?:\.|$)", part.texts[0], re.I
    )
    if head:
        return _tidy(head.group(1))
    sentences = [_LEAD.sub("", s).strip() for t in part.texts for s in prose.sentences(t)]
    sentences = [s for s in sentences if len(s.split()) >= 2] or [part.text]
    ranked = sorted(range(len(sentences)), key=lambda i: -_score(sentences[i], i))
    return _tidy(_core(sentences[ranked[0]]))


#: Context that opens a sentence before its problem: "When I open X, ...", "On AKS, ...".
_OPENER = re.compile(
    r"^(?:when|if|while|since|after|before|once|on|in|for|with|from|as|today|now|so|but"
    r"|even though|although)\b[^,()]{3,80},\s+(?=\S)",
    re.IGNORECASE,
)


def _core(sentence: str) -> str:
    """The clause of a sentence that states the problem."""
    text = _OPENER.sub("", sentence.strip())
    if " but " in text:
        after = text.split(" but ", 1)[1]
        text = _OPENER.sub("", after) if _STRONG.search(after) else text
    return text


def shorten(text: str, limit: int = 100) -> str:
    """Cut a title to `limit` characters on a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


_BREAK_BEFORE = frozenset(
    {
        "in",
        "on",
        "for",
        "with",
        "when",
        "after",
        "from",
        "at",
        "by",
        "to",
        "and",
        "but",
        "while",
        "because",
        "since",
        "even",
        "than",
        "so",
        "if",
        "which",
        "who",
        "that",
        "like",
        "e.g.",
        "via",
        "into",
        "over",
        "under",
        "against",
        "instead",
        "about",
        "per",
    }
)


_FILLER = frozenset({"the", "a", "an", "of", "our", "my", "its", "their", "this", "is", "are"})


def _tidy(text: str) -> str:
    """Trim to a phrase of at most TITLE_WORDS words, ending where a phrase ends."""
    text = text.strip().rstrip(".:;,!")
    if len(text.split()) > TITLE_WORDS:
        cut = _CLAUSE_END.search(text)
        if cut and len(text[: cut.start()].split()) >= 4:
            text = text[: cut.start()]
    words = text.split()
    if len(words) > TITLE_WORDS:
        ends = [i for i in range(8, TITLE_WORDS + 1) if words[i].lower() in _BREAK_BEFORE]
        words = words[: ends[-1]] if ends else words[:TITLE_WORDS]
        while len(words) > 4 and words[-1].lower() in _BREAK_BEFORE | _FILLER:
            words = words[:-1]
        text = " ".join(words)
    text = text.strip().rstrip(".:;,!-(")
    return shorten(text[:1].upper() + text[1:])
