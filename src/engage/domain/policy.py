"""An organisation's security policy: what may be shared, how sessions run, adjusted turnaround.

Kubecost adapts when a customer cannot share data or screens, and turnaround targets change;
this module makes that explicit. It is plain data plus pure rules; services enforce it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from engage.domain.cases import Severity
from engage.domain.errors import ValidationFailed
from engage.domain.meetings import MeetingTool


class DataSharing(StrEnum):
    """How much leaves the customer: raw > redacted > findings only > nothing."""

    RAW = "raw"
    REDACTED = "redacted"
    FINDINGS_ONLY = "findings-only"
    NONE = "none"


class Restriction(StrEnum):
    """Restrictions that change turnaround targets."""

    FINDINGS_ONLY = "findings-only"
    NO_DATA = "none"
    NO_SCREEN_SHARE = "no-screen-share"


# Artifact kinds by what they need the policy to allow (strings, as the intake names them).
FINDINGS_KIND = "findings"
TEXT_KINDS = frozenset({"engage-bundle", "bug-report", "logs", "har", "helm-values"})
BINARY_KINDS = frozenset({"heap-profile", "aggregator-db", "screenshot"})
RAW_ONLY_KINDS = frozenset({"other"})
ALL_KINDS = TEXT_KINDS | BINARY_KINDS | RAW_ONLY_KINDS | {FINDINGS_KIND}

# Network identities the server's redaction may replace by pseudonyms, in display order: the
# redaction engine's `--pseudonymize` kinds (a unit test keeps the two lists the same; the
# domain does not import diagnostics).
PSEUDONYM_KINDS = ("ips", "macs", "hostnames", "domains", "emails", "accounts")


@dataclass(frozen=True)
class Adjustment:
    """How a restriction stretches targets: multiply, then add hours (per severity)."""

    factor: float = 1.0
    added_hours: Mapping[Severity, float] = field(default_factory=dict)

    def apply(self, severity: Severity, minutes: int) -> int:
        """The adjusted target in minutes."""
        return round(minutes * self.factor + 60 * self.added_hours.get(severity, 0.0))


DEFAULT_ADJUSTMENTS: Mapping[Restriction, Adjustment] = {
    Restriction.FINDINGS_ONLY: Adjustment(factor=1.5),
    Restriction.NO_DATA: Adjustment(factor=2.0),
    Restriction.NO_SCREEN_SHARE: Adjustment(
        factor=1.0, added_hours={Severity.P1: 2, Severity.P2: 8, Severity.P3: 24, Severity.P4: 24}
    ),
}


@dataclass(frozen=True)
class SecurityPolicy:
    """What an organisation allows; set by its admin, visible to support."""

    data_sharing: DataSharing = DataSharing.REDACTED
    screen_sharing: bool = True
    recording: bool = False
    meeting_tools: frozenset[MeetingTool] = frozenset(MeetingTool)
    retention_days: int = 30
    support_may_download: bool = True
    break_glass_contacts: tuple[str, ...] = ()
    adjustments: Mapping[Restriction, Adjustment] = field(
        default_factory=lambda: dict(DEFAULT_ADJUSTMENTS)
    )
    custom_meeting_url: str = ""
    pseudonymize: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = self.pseudonymize - set(PSEUDONYM_KINDS)
        if unknown:
            raise ValidationFailed(
                f"pseudonymize takes {', '.join(PSEUDONYM_KINDS)} "
                f"(not {', '.join(sorted(unknown))})"
            )
        if not 1 <= self.retention_days <= 3650:
            raise ValidationFailed("retention_days must be between 1 and 3650")
        if not self.meeting_tools:
            raise ValidationFailed("allow at least one meeting tool")
        for r, adj in self.adjustments.items():
            if adj.factor < 1.0 or any(h < 0 for h in adj.added_hours.values()):
                raise ValidationFailed(f"turnaround for {r.value} may only lengthen targets")

    def allows_kind(self, kind: str) -> bool:
        """Whether an artifact of `kind` may be handed over under this policy."""
        sharing = self.data_sharing
        if sharing == DataSharing.NONE:
            return False
        if sharing == DataSharing.FINDINGS_ONLY:
            return kind == FINDINGS_KIND
        if kind in RAW_ONLY_KINDS:
            return sharing == DataSharing.RAW
        return kind in ALL_KINDS

    def allowed_kinds(self) -> list[str]:
        """Every artifact kind this policy allows, sorted."""
        return sorted(k for k in ALL_KINDS if self.allows_kind(k))

    def refusal(self, kind: str) -> str:
        """Why `kind` is refused and what to send instead (for the customer)."""
        if self.data_sharing == DataSharing.NONE:
            return (
                "your organisation's policy shares no data with support; describe what you "
                "see in a comment, or ask your admin about a break-glass approval"
            )
        if self.data_sharing == DataSharing.FINDINGS_ONLY:
            return (
                f"your organisation's policy shares findings only, not {kind} files: run "
                "`engage analyze PATH --share findings -o findings.json` and upload "
                "findings.json instead"
            )
        return (
            f"your organisation's policy does not allow raw {kind} uploads; send a "
            "redacted artifact of a known kind (bundle, logs, HAR ...)"
        )

    @property
    def stores_raw(self) -> bool:
        """Whether original, unredacted artifacts may be stored."""
        return self.data_sharing == DataSharing.RAW

    def restrictions(self) -> list[Restriction]:
        """The restrictions in force, in a stable order."""
        out = []
        if self.data_sharing == DataSharing.FINDINGS_ONLY:
            out.append(Restriction.FINDINGS_ONLY)
        if self.data_sharing == DataSharing.NONE:
            out.append(Restriction.NO_DATA)
        if not self.screen_sharing:
            out.append(Restriction.NO_SCREEN_SHARE)
        return out

    def adjust_target(self, kind: str, severity: Severity, minutes: int) -> int:
        """A clock's target under this policy: next update and resolution stretch, first
        response never does (support answers just as fast whatever may be shared)."""
        if kind == "first_response":
            return minutes
        for r in self.restrictions():
            minutes = self.adjustments.get(r, Adjustment()).apply(severity, minutes)
        return minutes

    def explain(self) -> list[str]:
        """Plain sentences for the customer on why targets are adjusted."""
        words = {
            Restriction.FINDINGS_ONLY: "only analyzer findings may be shared",
            Restriction.NO_DATA: "no diagnostic data may be shared",
            Restriction.NO_SCREEN_SHARE: "screen sharing is not allowed in sessions",
        }
        out = []
        for r in self.restrictions():
            adj = self.adjustments.get(r, Adjustment())
            extra = ", ".join(f"{s.value} +{h:g}h" for s, h in sorted(adj.added_hours.items()))
            how = " and ".join(
                p for p in (f"x{adj.factor:g}" if adj.factor != 1 else "", extra) if p
            )
            out.append(
                f"Because {words[r]}, next-update and resolution targets are "
                f"adjusted ({how or 'unchanged'})."
            )
        return out


def policy_from_dict(raw: Mapping[str, Any] | None) -> SecurityPolicy:
    """Parse the stored JSON form (missing keys take defaults)."""
    raw = dict(raw or {})
    try:
        adjustments = dict(DEFAULT_ADJUSTMENTS)
        for key, val in dict(raw.get("adjustments", {})).items():
            adjustments[Restriction(key)] = Adjustment(
                factor=float(val.get("factor", 1.0)),
                added_hours={Severity(s): float(h) for s, h in val.get("added_hours", {}).items()},
            )
        return SecurityPolicy(
            data_sharing=DataSharing(raw.get("data_sharing", DataSharing.REDACTED)),
            screen_sharing=bool(raw.get("screen_sharing", True)),
            recording=bool(raw.get("recording", False)),
            meeting_tools=frozenset(
                MeetingTool(t) for t in raw.get("meeting_tools", [t.value for t in MeetingTool])
            ),
            retention_days=int(raw.get("retention_days", 30)),
            support_may_download=bool(raw.get("support_may_download", True)),
            break_glass_contacts=tuple(str(e).lower() for e in raw.get("break_glass_contacts", [])),
            adjustments=adjustments,
            custom_meeting_url=str(raw.get("custom_meeting_url", "")),
            pseudonymize=_pseudonym_kinds(raw.get("pseudonymize", [])),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValidationFailed(f"invalid security policy: {exc}") from exc


def _pseudonym_kinds(value: Any) -> frozenset[str]:
    """The stored list of kinds (a bare string is refused, not read letter by letter)."""
    if not isinstance(value, list | tuple) or not all(isinstance(k, str) for k in value):
        raise ValidationFailed(
            f"pseudonymize must be a list of kinds ({', '.join(PSEUDONYM_KINDS)})"
        )
    return frozenset(value)


def policy_to_dict(p: SecurityPolicy) -> dict[str, Any]:
    """The stored JSON form."""
    return {
        "data_sharing": p.data_sharing.value,
        "screen_sharing": p.screen_sharing,
        "recording": p.recording,
        "meeting_tools": sorted(t.value for t in p.meeting_tools),
        "retention_days": p.retention_days,
        "support_may_download": p.support_may_download,
        "break_glass_contacts": list(p.break_glass_contacts),
        "adjustments": {
            r.value: {
                "factor": a.factor,
                "added_hours": {s.value: h for s, h in a.added_hours.items()},
            }
            for r, a in p.adjustments.items()
        },
        "custom_meeting_url": p.custom_meeting_url,
        "pseudonymize": [k for k in PSEUDONYM_KINDS if k in p.pseudonymize],
    }


def with_changes(p: SecurityPolicy, **changes: Any) -> SecurityPolicy:
    """A copy with `changes` applied and validated."""
    return replace(p, **changes)
