"""Replace the packaged gitleaks rule catalogue with a newer copy of `config/gitleaks.toml`.

    python scripts/refresh_gitleaks_catalogue.py NEW/gitleaks.toml [NEW/LICENSE] [--commit SHA]

The new file is checked before anything is replaced: it must parse, every rule's regex must
translate to Python `re`, and the whole set must compile into one hyperscan database (rules
hyperscan refuses fall back to their keywords; the script says which). It prints how many
rules load and which are left out, then copies the file (and the licence, when given) into
`src/engage/diagnostics/redact/data/` and records its SHA-256 and source commit in the
SOURCES.md there. Run the redaction tests afterwards: a new rule may fire on test fixtures.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "engage" / "diagnostics" / "redact" / "data"


def check(path: Path) -> None:
    """Load and compile a candidate catalogue; exit with a message when it is unusable."""
    from engage.diagnostics.redact.catalogue import load_catalogue
    from engage.diagnostics.redact.errors import RulesError
    from engage.diagnostics.redact.scanner import compile_rules

    try:
        rules, stats = load_catalogue(path)
        compile_rules(rules, [])
    except RulesError as exc:
        sys.exit(f"refused: {exc}")
    print(f"{stats.rules} rules load; left out: {', '.join(stats.skipped) or 'none'}")


def record(digest: str, commit: str | None) -> None:
    """Write the new SHA-256 (and commit) into data/SOURCES.md."""
    sources = DATA / "SOURCES.md"
    text = sources.read_text(encoding="utf-8")
    text = re.sub(
        r"SHA-256 of `gitleaks.toml`: `[0-9a-f]+`", f"SHA-256 of `gitleaks.toml`: `{digest}`", text
    )
    if commit:
        text = re.sub(r"\| `[0-9a-f]{7,40}` \| MIT", f"| `{commit}` | MIT", text)
    sources.write_text(text, encoding="utf-8")


def main() -> None:
    """Check, then install, a newer gitleaks catalogue."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path, help="a newer gitleaks config/gitleaks.toml")
    parser.add_argument("licence", type=Path, nargs="?", help="gitleaks' LICENSE file")
    parser.add_argument("--commit", help="the gitleaks commit the files come from")
    args = parser.parse_args()
    if not args.catalogue.is_file():
        sys.exit(f"{args.catalogue} is not a file")
    check(args.catalogue)
    shutil.copyfile(args.catalogue, DATA / "gitleaks.toml")
    if args.licence is not None:
        shutil.copyfile(args.licence, DATA / "gitleaks-LICENSE.txt")
    digest = hashlib.sha256((DATA / "gitleaks.toml").read_bytes()).hexdigest()
    record(digest, args.commit)
    print(f"installed {DATA / 'gitleaks.toml'} ({digest[:12]})")


if __name__ == "__main__":
    main()
