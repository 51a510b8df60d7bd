"""Redact every secretlint rule snapshot and report the expected secret values left.

secretlint (MIT) keeps, per rule, ``test/snapshots/<case>/input*`` with the findings its
authors expect in ``output.json``. The corpus holds about two thirds of them; this runs all of
them, from a checkout of the repository:

    git clone https://github.com/secretlint/secretlint /tmp/secretlint
    python scripts/check_secretlint_snapshots.py /tmp/secretlint

Prints each value still present after ``engage redact`` (and each case without findings whose
text changed, for false positives), then the totals. Exit status 1 if a value was left.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

from engage.diagnostics.redact import Redactor

# harness rules (the test's own patterns), not credential formats
SKIPPED_RULES = {"example", "filter-comments", "pattern"}
NOT_SECRET_FIELDS = {"typeName", "FILE_NAME", "PATH", "PATTERN_NAME"}


def expected_values(output: Path) -> list[str]:
    """The secret values a snapshot's findings name (the secret part of URLs and keys)."""
    values: list[str] = []
    for message in json.loads(output.read_text()).get("messages", []):
        for key, value in (message.get("data") or {}).items():
            if key in NOT_SECRET_FIELDS or not isinstance(value, str):
                continue
            if "PRIVATE KEY" in value:
                values += [ln for ln in value.splitlines() if "-----" not in ln and ln.strip()]
            elif m := re.search(r"://[^:/]+:(.+)@", value):
                values.append(m.group(1))
            elif "hooks.slack.com" in value:
                values.append(value.rsplit("/", 1)[1])
            else:
                values.append(value)
    return values


def left_in(value: str, outputs: list[bytes]) -> bool:
    """Whether ``value`` is still in an output (short values as whole words only)."""
    edge = r"(?<![A-Za-z0-9])" if len(value) < 8 else ""
    pattern = re.compile((edge + re.escape(value) + edge.replace("<", "")).encode())
    return any(pattern.search(out) for out in outputs)


def main() -> int:
    """Run every snapshot case; print what was left."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a clone of secretlint/secretlint")
    args = parser.parse_args()
    cases = sorted(args.checkout.glob("packages/@secretlint/secretlint-rule-*/test/snapshots/*"))
    total = left = changed = run = 0
    for i, case in enumerate(cases, 1):
        rule = case.parts[-4].removeprefix("secretlint-rule-")
        output = case / "output.json"
        inputs = [p for p in case.iterdir() if p.name.startswith("input")]
        if rule.startswith("preset") or rule in SKIPPED_RULES or not output.exists() or not inputs:
            continue
        run += 1
        print(f"\r[{i}/{len(cases)}] {rule}/{case.name}".ljust(70), end="", file=sys.stderr)
        values = expected_values(output)
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp, "in")
            src.mkdir()
            for p in inputs:
                (src / p.name).write_bytes(p.read_bytes())
            Redactor().redact_path(src, Path(tmp, "out"))
            outputs = [p.read_bytes() for p in Path(tmp, "out").iterdir() if p.is_file()]
            before = [p.read_bytes() for p in src.iterdir()]
        for value in values:
            total += 1
            if left_in(value, outputs):
                left += 1
                print(f"\rLEFT     {rule}/{case.name}: {value[:80]!r}")
        if not values and sorted(outputs) != sorted(before):
            changed += 1
            print(f"\rCHANGED  {rule}/{case.name} (no findings expected)")
    print(
        f"\r{run} cases, {total} expected values, {left} left; {changed} cases without "
        "findings changed"
    )
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
