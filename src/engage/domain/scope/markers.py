"""Discourse markers, matched on lower-cased text: where a writer says a new matter starts,
that there are several, or that the symptoms share one cause."""

from __future__ import annotations

import re

_NUMBER = r"(?:two|three|four|several|a few|few|multiple|a couple of|couple of|some|[2-9])"
_THINGS = r"(?:issues|problems|questions|things|topics|requests|items|bugs|points|ones)"

#: A new, separate matter starts here (strength 1.0).
STRONG_SHIFT = re.compile(
    r"^(?:separately|unrelated(?: to [^,.:]+)?|on (?:a|an) (?:different|other|separate|unrelated)"
    r" note|p\.?\s?s\.?|also,? unrelated|another (?:issue|question|problem|thing|topic|request)"
    r"|(?:a |one )?(?:second|third|separate|different|other|last|final|unrelated|small|minor)"
    r" (?:issue|question|problem|topic|request|thing|ui thing)s?"
    r"|(?:issue|problem|question|topic|item|request) (?:#?\d+|two|three|[ivx]+)\b"
    r"|(?:one|a) (?:more|last|final|other) (?:thing|question|issue|problem|point)"
    r"|(?:the )?other (?:thing|question|issue|problem)|apart from (?:that|this)"
    r"|besides (?:that|this)|in addition to (?:that|this)|lastly|finally,"
    r"|(?:and )?(?:the )?(?:second|third) one|(?:also|and),? (?:a|one) (?:small|quick|minor)"
    r"|(?:a |one )?(?:quick|small|minor|different|separate) (?:one|question|thing|note))",
)

#: Probably a new ask (strength 0.6): enumerations and "also" opening a new statement.
MEDIUM_SHIFT = re.compile(
    r"^(?:(?:first|second|third|fourth)(?:ly)?,|the (?:first|second|third) (?:one|issue|thing)"
    r"|(?:also|additionally|in addition|plus|moreover|furthermore)\b(?!,? (?:we|i) (?:also )?"
    r"(?:tried|checked|verified|confirmed|noticed|see|saw|restarted|ran|looked))"
    r"|(?:we|i) (?:also|additionally) (?:have|had|got|want|need|would like|noticed) "
    r"|and (?:can|could|how|is|are|does|do|what|which|why|where|when) )",
)

#: The sentence continues or explains what came before.
CONTINUATION = re.compile(
    r"^(?:this|that|these|those|it|they|the same|same|because|since then|as a result|so |"
    r"therefore|which|due to|(?:since|after) (?:the|that|this) (?:upgrade|change|move|switch)"
    r"|(?:we|i) (?:also )?(?:tried|checked|verified|confirmed|noticed|see|saw|think|believe"
    r"|suspect|assume|guess)|(?:also|additionally),? (?:we|i) (?:also )?(?:tried|checked"
    r"|verified|confirmed|noticed|see|saw|restarted|ran)|my guess|to reproduce|steps|result"
    r"|more details|for example|e\.g\.|example)\b",
)

#: Anywhere: the writer ties the symptoms to one cause or says they are one matter.
ONE_CAUSE = re.compile(
    r"\b(?:all (?:of )?(?:this|these|three|four|the symptoms)|(?:the )?same (?:problem|issue"
    r"|cause|root cause|thing)|one (?:root )?cause|(?:are|is) (?:all )?(?:connected|related)"
    r"|explains? (?:all|why)|the cause of all|caused by the same|which would explain"
    r"|is the cause|follow-on|several (?:ways|places)|in (?:several|three|two|many) (?:places"
    r"|ways)|all about this|(?:that|which) causes?|it shows up|symptoms?)\b",
)

#: An explicit causal tie inside a sentence.
CAUSAL = re.compile(
    r"\b(?:because(?: of)?|caused by|as a result|which (?:causes|caused|means|breaks)|due to"
    r"|leads? to|resulting in|that(?:'s| is) why|so the|so that)\b",
)

#: The writer says there are several matters: "two things", "2 questions", "3 items".
ANNOUNCE = re.compile(
    rf"\b{_NUMBER}\s+(?:separate |different |unrelated |other |small |quick )?"
    rf"(?:[\w-]+\s+){{0,3}}{_THINGS}\b|\bquick ones\b"
    r"|\b(?:unrelated|separate)(?: question| issue| problem)?:"
)
#: Words that turn "several problems" into consequences of one ("several follow-on problems").
CONSEQUENCE = re.compile(r"follow-on|related|resulting|consequen|symptom|same")
SEPARATE = re.compile(r"\b(?:separate|different|unrelated|independent|not related)\b")

#: An ask: a question or a request for help.
ASK = re.compile(
    r"\?\s*$|^(?:can|could|would|is|are|does|do|how|what|which|why|where|when|should|please)\b"
    r"|\b(?:can you|could you|please|we would like|we'd like|i'd like|we want|is there (?:a|any)"
    r" way|is it possible|let us know|any idea|how (?:do|can|should) (?:we|i))\b",
)

#: A problem statement: something fails, is wrong, missing or unexpected.
PROBLEM = re.compile(
    r"\b(?:not|no|never|n't|cannot|can't|unable|fail\w*|error\w*|wrong|missing|empty|blank"
    r"|broken|break\w*|crash\w*|restart\w*|oom\w*|killed|refused|timeout|timed out|stuck"
    r"|instead|only|still|too (?:high|low|much)|lower|higher|negative|zero|\$0|0\.00"
    r"|incorrect|inconsistent|mismatch\w*|differ\w*|disappear\w*|gone|lost|blocked"
    r"|404|500|502|503|403|401|issue|problem|bug|spike\w*|leak\w*|slow|cheap|expensive"
    r"|doesn't|don't|isn't|aren't|won't|wasn't|weren't|ignor\w*|unavailable|confus\w*"
    r"|warning\w*|mislead\w*|strange|weird|odd|absurd\w*|suspicious\w*|nothing|back to"
    r"|loops?|looping|again and again|keeps?|unexpected\w*|does not|did not|do not)\b",
)

#: A list introduced as steps or checks belongs to the problem before it.
STEPS = re.compile(
    r"\b(?:steps?|reproduce|(?:we |i )?tried|we did|(?:we |i )?checked|set ?up|configured"
    r"|setup|symptoms?|it shows up|several ways|ways|causes?|caused|follow-on|consequences?"
    r"|results? in|leads? to)\b"
)


def shift_strength(lower: str) -> tuple[float, str]:
    """How strongly a block's opening says a new matter starts, and the words that say it."""
    strong = STRONG_SHIFT.match(lower)
    if strong:
        return 1.0, strong.group(0)
    medium = MEDIUM_SHIFT.match(lower)
    if medium:
        return 0.6, medium.group(0).strip()
    return 0.0, ""


def is_ask(lower: str) -> bool:
    """Whether a lower-cased sentence asks for something."""
    return bool(ASK.search(lower))


def is_problem(lower: str) -> bool:
    """Whether a lower-cased sentence states that something is wrong."""
    return bool(PROBLEM.search(lower))
