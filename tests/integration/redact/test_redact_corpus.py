"""The shared corpus: planted secrets removed, HAR files still valid, real logs left alone."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from engage.diagnostics.har import load_har
from engage.diagnostics.redact import Redactor, load_rules, verify_path

FIXTURES = Path(__file__).parents[2] / "fixtures" / "redact"
SHARED = Path(__file__).parents[2] / "fixtures" / "shared"
SECRETS = FIXTURES / "secrets"
# planted values in the detect-secrets and gitleaks fixtures (secretlint ones come from
# their expected.json files)
PLANTED = [
    "gX69YO4CvBsVjzAwYxdGyDd30t5+9ez31gKATtj4",
    "123456789a1234",
    "23456789a1",
    "12345678901234",
    "vh987tyw9ehy8ghis7vwyhiwbwitefy7w3ASDGYDGUASDG",
    "ToCynx5Se4e2PtoZxEhW7lUJcOX15c54",
    "AKIATESTTESTTESTTEST",
    "MjNjcnh1IDJieXJpdXYyeXJpaTJidnl1MnI4OXkyb3UwMg==",
    "somethingSuperRandomAndSecretHereThatShouldNeverBeShared",
    "hunter2",
    "password123",
    "BEEF0123456789a",
    "8ae31cacf141669ddfb5da",
    "YWRtaW4=",
    "MWYyZDFlMmU2N2Rm",
]
UNCHANGED = [
    "secretlint_no-k8s-kind-secret_ok.valid.input.yaml",
    "secretlint_github_ok.valid.input.txt",
    "secretlint_openai_ok.valid.input.txt",
    "secretlint_privatekey_placeholder-stars.input.txt",
    "secretlint_privatekey_placeholder-xxx.input.txt",
]


# data fields of secretlint findings that are not credentials: a file name, a home folder,
# the name of the test harness's own pattern rule
_NOT_SECRET_FIELDS = {"typeName", "FILE_NAME", "PATH", "PATTERN_NAME"}


def _secretlint_planted() -> list[tuple[str, str]]:
    """(fixture prefix, secret value) of every finding secretlint's snapshots expect."""
    found: list[tuple[str, str]] = []
    for path in sorted(SECRETS.glob("secretlint_*.expected.json")):
        prefix = path.name.removesuffix(".expected.json")
        if "filter-comments" in prefix:
            continue  # findings of the harness's own "SECRET [A-Z]" rule, not credentials
        for message in json.loads(path.read_text())["messages"]:
            for key, value in message.get("data", {}).items():
                if key in _NOT_SECRET_FIELDS:
                    continue
                if "PRIVATE KEY" in value:
                    found += [(prefix, ln) for ln in value.splitlines() if "-----" not in ln]
                elif m := re.search(r"://[^:/]+:(.+)@", value):
                    found.append((prefix, m.group(1)))
                elif "hooks.slack.com" in value:
                    found.append((prefix, value.rsplit("/", 1)[1]))
                else:
                    found.append((prefix, value))
    return found


@pytest.fixture(scope="module")
def redacted_secrets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("secrets") / "out"
    Redactor().redact_path(SECRETS, out)
    return out


@pytest.mark.parametrize(("prefix", "secret"), [("", s) for s in PLANTED] + _secretlint_planted())
def test_every_planted_secret_is_removed(redacted_secrets: Path, prefix: str, secret: str) -> None:
    # short values ("pass") are also ordinary words: look for them as whole words only
    edge = r"(?<![A-Za-z0-9])" if len(secret) < 8 else ""
    pattern = re.compile((edge + re.escape(secret) + edge.replace("<", "")).encode())
    for path in redacted_secrets.iterdir():
        if not path.name.startswith(prefix) or path.name.endswith(".expected.json"):
            continue
        if edge and "_ok." in path.name:
            continue  # the "ok" fixtures hold template placeholders such as {{pass}}
        assert not pattern.search(path.read_bytes()), f"{secret!r} left in {path.name}"


def test_key_stores_are_left_out(redacted_secrets: Path) -> None:
    # a PKCS#12 file holds a private key and cannot be redacted: refused, not copied
    assert not list(redacted_secrets.glob("*.p12"))


@pytest.mark.parametrize("name", UNCHANGED)
def test_clean_fixtures_unchanged(redacted_secrets: Path, name: str) -> None:
    assert (redacted_secrets / name).read_bytes() == (SECRETS / name).read_bytes()


def test_redacted_secrets_verify_clean(redacted_secrets: Path) -> None:
    assert verify_path(redacted_secrets) == []


def _har_values(doc: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for entry in doc["log"]["entries"]:
        for part in ("request", "response"):
            for header in entry[part].get("headers", []):
                pairs.append((header["name"].lower(), header["value"]))
            for cookie in entry[part].get("cookies", []):
                pairs.append(("cookie", cookie["value"]))
        for q in entry["request"].get("queryString", []):
            pairs.append((q["name"].lower(), q["value"]))
    return pairs


SENSITIVE = re.compile(
    r"^(cookie|set-cookie|authorization|proxy-authorization|x-api-key|"
    r"x-[a-z-]*token|access_token|id_token|token|code|state|client_secret)$"
)


@pytest.mark.parametrize("har", sorted(p.name for p in (SHARED / "har").glob("*.har")))
def test_har_files_valid_same_entries_no_credentials(tmp_path: Path, har: str) -> None:
    src = SHARED / "har" / har
    Redactor().redact_path(src, tmp_path / har)
    before, after = load_har(src), load_har(tmp_path / har)
    assert len(after["log"]["entries"]) == len(before["log"]["entries"])
    for name, value in _har_values(after):
        if SENSITIVE.match(name) and value:
            assert "«redacted:" in value, (name, value[:40])
    for old, new in zip(before["log"]["entries"], after["log"]["entries"], strict=True):
        assert new["response"]["status"] == old["response"]["status"]
        new_path, old_path = (
            new["request"]["url"].split("?")[0],
            old["request"]["url"].split("?")[0],
        )
        # a path keeps its shape; only an echo of a secret value (a cookie...) may be replaced
        assert new_path == old_path or (
            "«redacted:" in new_path and new_path.count("/") == old_path.count("/")
        )
        assert new.get("timings") == old.get("timings")


def test_har_with_cookies_really_had_some() -> None:
    # guard against the test above passing vacuously
    names = [n for h in (SHARED / "har").glob("*.har") for n, _ in _har_values(load_har(h))]
    assert "cookie" in names and "authorization" in names


@pytest.mark.parametrize("name", sorted(p.name for p in (SHARED / "k8s-logs").glob("*.log")))
def test_container_logs_without_secrets_unchanged(tmp_path: Path, name: str) -> None:
    src = SHARED / "k8s-logs" / name
    Redactor().redact_path(src, tmp_path / name)
    assert (tmp_path / name).read_bytes() == src.read_bytes()


def _tar_files(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


@pytest.mark.parametrize(
    "bundle",
    [
        "troubleshoot_testdata_support-bundle.tar.gz",
        "troubleshoot_testdata_missing-version.tar.gz",
        "azure-ci-job.tar.xz",
    ],
)
def test_real_bundles_change_only_where_a_rule_fired(tmp_path: Path, bundle: str) -> None:
    src = SHARED / "k8s-logs" / bundle
    report = Redactor().redact_path(src, tmp_path / bundle)
    before, after = _tar_files(src), _tar_files(tmp_path / bundle)
    assert before.keys() == after.keys()
    lines = changed = 0
    for name, data in before.items():
        old, new = data.splitlines(), after[name].splitlines()
        assert len(old) == len(new) or name.endswith((".json", ".yaml", ".yml")), name
        lines += len(old)
        for a, b in zip(old, new, strict=False):
            if a != b:
                changed += 1
                assert "«redacted:".encode() in b, (name, b[:120])
    assert changed <= max(3, lines // 1000), report.counts_by_rule


def test_kubernetes_names_survive(tmp_path: Path) -> None:
    src = SHARED / "k8s-logs" / "troubleshoot_testdata_support-bundle.tar.gz"
    Redactor().redact_path(src, tmp_path / "b.tar.gz")
    text = b"".join(_tar_files(tmp_path / "b.tar.gz").values())
    for kept in (
        b"rbac.authorization.k8s.io",
        b"coredns-b96499967-tncf4",
        b"local-path-provisioner-7b7dc8d6f5-45btl",
    ):
        assert kept in text


_CREDENTIAL_PARAM = re.compile(
    r"(?i)(^|[_\-.])(token|session|sid|sessionid|auth|csrf|secret|key|apikey|password)($|[_\-.])"
)


def _credential_values(doc: dict[str, Any]) -> set[str]:
    """Cookie, Authorization and token-parameter values of a HAR, as they were."""
    found: set[str] = set()
    for entry in doc["log"]["entries"]:
        for part in ("request", "response"):
            for cookie in entry[part].get("cookies", []):
                found.add(str(cookie.get("value", "")))
            for header in entry[part].get("headers", []):
                if header["name"].lower() in ("authorization", "proxy-authorization"):
                    found.add(header["value"].partition(" ")[2])
        for q in entry["request"].get("queryString", []):
            if _CREDENTIAL_PARAM.search(q["name"]):
                found.add(q["value"])
    # only values that are clearly credentials and not ordinary words or numbers
    return {v for v in found if len(v) >= 12 and len(set(v)) >= 8 and " " not in v}


@pytest.mark.parametrize("har", sorted(p.name for p in (FIXTURES / "har").glob("*.har")))
def test_har_credentials_and_every_echo_gone(tmp_path: Path, har: str) -> None:
    src = FIXTURES / "har" / har
    Redactor().redact_path(src, tmp_path / har)
    out = (tmp_path / har).read_bytes()
    json.loads(out.decode("utf-8-sig"))  # still valid
    for value in _credential_values(load_har(src)):
        assert value.encode() not in out, (har, value[:24])


def test_har_echo_fixtures_have_credentials() -> None:
    # guard: the echo test above checks something real
    total = sum(len(_credential_values(load_har(p))) for p in (FIXTURES / "har").glob("*.har"))
    assert total >= 20


def _ground_truth(report: Path) -> dict[str, int]:
    """original -> occurrences, from a must-gather-clean obfuscation report."""
    data = yaml.safe_load(report.read_text())
    found: dict[str, int] = {}
    for group in data["replacements"]:
        for item in group or []:
            for occurrence in item["occurrences"]:
                original = str(occurrence["original"])
                found[original] = found.get(original, 0) + int(occurrence["count"])
    return found


def _left_in(out: Path, originals: dict[str, int]) -> set[str]:
    """Originals still present in the tar output as whole items (10.0.0.1 is not 10.0.0.12)."""
    text = b"\n".join(_tar_files(out).values())
    left = set()
    for original in originals:
        pattern = rb"(?<![0-9A-Za-z])" + re.escape(original.encode()) + rb"(?![0-9A-Za-z])"
        if re.search(pattern, text):
            left.add(original)
    return left


def test_azure_ci_job_identities_against_must_gather_cleans_report(tmp_path: Path) -> None:
    """Held-out Azure data (not used to build the rules): must-gather-clean's report lists 461
    items (IPs, resource ids, deployment operation ids, resource names). Kept on purpose: the
    word ``cluster`` and ``np-1`` (resource names that are also ordinary words) and the public
    ``Microsoft.Authorization`` namespace."""
    src = SHARED / "k8s-logs" / "azure-ci-job.tar.xz"
    originals = _ground_truth(SHARED / "k8s-logs" / "azure-ci-job-report.yaml")
    assert len(originals) == 461
    out = tmp_path / "job.tar.xz"
    Redactor(pseudonymize=frozenset({"all"})).redact_path(src, out)
    assert _left_in(out, originals) <= {"cluster", "np-1", "Microsoft.Authorization"}
    for name, data in _tar_files(out).items():
        if name.endswith(".yaml"):
            yaml.safe_load(data)  # still valid


def test_customer_listed_values_go_everywhere(tmp_path: Path) -> None:
    """The customer's own list (a rules file of literals, as must-gather-clean's replacement
    map): every listed value goes, the word ``cluster`` too."""
    src = SHARED / "k8s-logs" / "azure-ci-job.tar.xz"
    report = SHARED / "k8s-logs" / "azure-ci-job-report.yaml"
    originals = _ground_truth(report)
    listed = [
        value
        for entry in yaml.safe_load(report.read_text())["config"]["obfuscate"]
        for value in (entry.get("replacement") or {})
    ]
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(yaml.safe_dump({"rules": [{"name": "customer", "literals": listed}]}))
    out = tmp_path / "job.tar.xz"
    Redactor(load_rules(rules_file)).redact_path(src, out)
    assert _left_in(out, originals) == set()
