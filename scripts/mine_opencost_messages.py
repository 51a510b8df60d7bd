"""Mine OpenCost's error and warning format strings into engage's message catalogue.

Kubecost's cost model is built on OpenCost (Apache-2.0). Its log calls (`log.Errorf`,
`log.Warnf`, `log.DedupedErrorf`, ...; `log.Infof` only when the text names a failure) and its
returned errors (`fmt.Errorf`, `errors.New`) are collected per Go package, and each package is
mapped to one of the analyzer's finding categories. The result is data (message templates and
categories), written to `src/engage/diagnostics/analyze/catalogue/opencost-messages.json`.

Regenerate from a newer OpenCost:

    git clone --bare https://github.com/opencost/opencost /tmp/opencost.git
    python scripts/mine_opencost_messages.py /tmp/opencost.git [--rev HEAD] [--output FILE]

The argument may also be a checked-out work tree.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from collections import Counter
from pathlib import Path

OUTPUT = (
    Path(__file__).resolve().parents[1]
    / "src/engage/diagnostics/analyze/catalogue/opencost-messages.json"
)
LICENCE = (
    "Message templates extracted from OpenCost (https://github.com/opencost/opencost), "
    "Copyright The OpenCost Authors, licensed under the Apache License, Version 2.0 "
    "(https://www.apache.org/licenses/LICENSE-2.0). Only the texts of format strings are "
    "kept, as facts for recognising log lines; no code is copied."
)

_CALL = re.compile(
    r"\b(?P<fn>log\.(?:Errorf|Warnf|Error|Warn|Warningf|DedupedErrorf|DedupedWarningf|"
    r"Fatalf|Infof|Info|DedupedInfof)|fmt\.Errorf|errors\.New)\(\s*(?:[\w.]+\s*,\s*)?"
    r"(?P<lit>\"(?:[^\"\\\n]|\\.)*\"|`[^`]*`)"
)
_FAILURE = re.compile(
    r"(?i)\b(?:err|error|errors|fail|failed|failure|unable|cannot|could not|couldn't|invalid|"
    r"denied|refused|timeout|timed out|missing|not found|no such|exceeded|forbidden|panic)\b"
)
# Longest prefix wins; order does not matter.
PACKAGES: dict[str, str] = {
    "pkg/prom": "prometheus",
    "pkg/thanos": "prometheus",
    "pkg/costmodel": "etl",
    "core/pkg/opencost": "etl",
    "pkg/cloudcost": "cloud-integration",
    "pkg/cloud": "cloud-integration",
    "pkg/storage": "storage",
    "pkg/filemanager": "storage",
    "core/pkg/util/fileutil": "storage",
    "core/pkg/storage": "storage",
    "pkg/config": "helm-config",
    "pkg/env": "helm-config",
    "pkg/clustercache": "pod-health",
}
_PROM_WORDS = re.compile(r"(?i)prometheus|\bprom\b|\bquery|querying|promql|thanos")


def level_of(function: str) -> str:
    """`log.Warnf` -> warning, `log.Errorf` -> error, `fmt.Errorf` -> returned."""
    if function.startswith(("fmt.", "errors.")):
        return "returned"
    if "Warn" in function:
        return "warning"
    if "Info" in function:
        return "info"
    return "error"


def category_of(package: str, template: str) -> str | None:
    """The finding category of a message from its Go package (and a few words of it)."""
    best = max(
        (p for p in PACKAGES if package == p or package.startswith(p + "/")), key=len, default=None
    )
    if best is None:
        return None
    category = PACKAGES[best]
    if best == "pkg/costmodel" and _PROM_WORDS.search(template):
        return "prometheus"
    if best == "core/pkg/opencost" and "Unmarshaling" in template:
        return "version"
    return category


def unquote(literal: str) -> str:
    """The text of a Go string literal (interpreted or raw)."""
    if literal.startswith("`"):
        return literal[1:-1]
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": " ", "t": " "}.get(m.group(1), m.group(1)), body)


def _git(repo: Path, *args: str) -> str:
    git_dir = repo / ".git" if (repo / ".git").exists() else repo
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True
    ).stdout


def go_files(repo: Path, rev: str) -> list[str]:
    """Non-test, non-vendored .go files at `rev`."""
    names = _git(repo, "ls-tree", "-r", "--name-only", rev).splitlines()
    return [
        n
        for n in names
        if n.endswith(".go") and not n.endswith("_test.go") and "/vendor/" not in f"/{n}"
    ]


def mine(repo: Path, rev: str) -> dict[str, object]:
    """The catalogue document for one OpenCost revision."""
    commit = _git(repo, "rev-parse", rev).strip()
    entries: dict[tuple[str, str], dict[str, object]] = {}
    for name in go_files(repo, rev):
        package = name.rsplit("/", 1)[0]
        source = _git(repo, "show", f"{rev}:{name}")
        for match in _CALL.finditer(source):
            template = unquote(match.group("lit")).strip()
            level = level_of(match.group("fn"))
            if len(template) < 12 or (level == "info" and not _FAILURE.search(template)):
                continue
            category = category_of(package, template)
            key = (package, template)
            if key in entries:
                continue
            entries[key] = {
                "package": package,
                "level": level,
                "category": category,
                "template": template,
            }
    ordered = sorted(entries.values(), key=lambda e: (str(e["package"]), str(e["template"])))
    return {
        "source": "https://github.com/opencost/opencost",
        "commit": commit,
        "licence": LICENCE,
        "generated_by": "scripts/mine_opencost_messages.py",
        "entries": ordered,
    }


def main() -> None:
    """Mine, write, print counts per category."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="OpenCost git dir or work tree")
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    doc = mine(args.repo, args.rev)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    entries = doc["entries"]
    assert isinstance(entries, list)
    counts = Counter(str(e["category"]) for e in entries)
    print(
        f"{len(entries)} templates from {doc['commit']}: "
        + ", ".join(f"{c} {n}" for c, n in counts.most_common())
    )


if __name__ == "__main__":
    main()
