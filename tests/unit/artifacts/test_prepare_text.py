"""HAR, logs, bug reports and Helm values: validated, then only a redacted copy is kept."""

from __future__ import annotations

import gzip
import json
import os
import tarfile
from pathlib import Path

import pytest

from engage.diagnostics.artifacts import ArtifactKind, ArtifactRejected
from engage.diagnostics.redact import Redactor
from tests.unit.artifacts.archive_builders import special, tar_bytes, zip_bytes
from tests.unit.artifacts.conftest import SHARED, Prepare

K = ArtifactKind
APIKEY_HAR = SHARED / "har" / "event-stream-apikey-auth_mitmproxy.har"
SECRET_LOG = (
    b"2024-10-23T07:01:58Z INF starting cost-model\n"
    b"2024-10-23T07:01:59Z ERR db connect failed password=Hunter2-Secret-9x\n"
    b"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
)


def har_doc(entries: list[dict] | None = None, version: str = "1.2") -> dict:
    cookie = {"name": "Cookie", "value": "kc_session=abcdef0123456789abcdef0123456789"}
    default = [
        {
            "request": {
                "method": "GET",
                "url": "https://kubecost.example.com/model/allocation"
                "?window=7d&access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
                "headers": [cookie],
            },
            "response": {"status": 502, "headers": [], "content": {"text": "bad gateway"}},
        }
    ]
    return {
        "log": {
            "version": version,
            "creator": {"name": "WebInspector", "version": "537.36"},
            "entries": default if entries is None else entries,
        }
    }


def assert_rejected(
    prepare: Prepare,
    scratch: Path,
    kind: ArtifactKind,
    upload: bytes | Path,
    match: str,
    name: str = "upload.bin",
) -> ArtifactRejected:
    with pytest.raises(ArtifactRejected, match=match) as err:
        prepare(kind, upload, name=name)
    assert err.value.status == 422
    assert err.value.reason.endswith(".") and err.value.reason[0].isupper()
    assert not scratch.exists() or not any(scratch.iterdir()), "nothing left in scratch"
    return err.value


# -- HAR ---------------------------------------------------------------------------------------
def test_har_is_sanitised_and_the_original_is_not_what_is_stored(prepare: Prepare) -> None:
    upload = json.dumps(har_doc()).encode()
    prepared = prepare(K.HAR, upload, name="kubecost.har")
    stored = prepared.stored_path.read_text()
    assert prepared.stored_path.name == "kubecost.har"
    assert "abcdef0123456789abcdef0123456789" not in stored
    assert "eyJhbGciOiJIUzI1NiJ9" not in stored
    assert "/model/allocation" in stored and "window=7d" in stored  # support still sees these
    assert json.loads(stored)["log"]["entries"][0]["response"]["status"] == 502
    assert prepared.summary["entries"] == 1 and prepared.summary["status_classes"] == {"5xx": 1}
    assert prepared.redaction is not None and prepared.redaction["replacements"] >= 2
    assert prepared.analyzable is None


def test_real_har_with_an_api_key_header(prepare: Prepare) -> None:
    original = APIKEY_HAR.read_text()
    secret = original.split('"api_key ')[1].split('"')[0]
    prepared = prepare(K.HAR, APIKEY_HAR, name=APIKEY_HAR.name)
    assert secret not in prepared.stored_path.read_text()
    assert prepared.summary["entries"] == 2
    assert prepared.summary["creator"] == "mitmproxy 1.2.3"


@pytest.mark.parametrize(
    "fixture", ["chrome-with-bom_mitmproxy.har", "humanssuck-firebug_haralyzer.har"]
)
def test_real_hars_with_a_bom_or_version_1_1_are_accepted(prepare: Prepare, fixture: str) -> None:
    prepared = prepare(K.HAR, SHARED / "har" / fixture, name=fixture)
    assert prepared.summary["entries"] >= 1
    json.loads(prepared.stored_path.read_text())


def test_gzipped_har_is_accepted(prepare: Prepare) -> None:
    prepared = prepare(K.HAR, gzip.compress(json.dumps(har_doc()).encode()), name="x.har.gz")
    assert prepared.stored_path.name == "x.har"
    assert "abcdef0123456789abcdef0123456789" not in prepared.stored_path.read_text()


def test_har_invalid_json_names_the_position(prepare: Prepare, scratch: Path) -> None:
    data = APIKEY_HAR.read_bytes()
    err = assert_rejected(prepare, scratch, K.HAR, data[: len(data) // 2], "not valid JSON")
    assert "line " in err.reason and "column " in err.reason


@pytest.mark.parametrize(
    "doc, match",
    [
        ({"entries": []}, "not a HAR file"),
        ([1, 2, 3], "not a HAR file"),
        (har_doc(entries=[]), "records no requests"),
        (har_doc(version="2.0"), "version '2.0'"),
    ],
)
def test_har_shape_problems(prepare: Prepare, scratch: Path, doc: object, match: str) -> None:
    assert_rejected(prepare, scratch, K.HAR, json.dumps(doc).encode(), match)


def test_har_that_is_binary(prepare: Prepare, scratch: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(2000)
    assert_rejected(prepare, scratch, K.HAR, png, "binary")


def test_har_truncated_gzip(prepare: Prepare, scratch: Path) -> None:
    data = gzip.compress(os.urandom(50_000))
    assert_rejected(prepare, scratch, K.HAR, data[:-200], "truncated")


def test_har_inside_a_zip_is_refused(prepare: Prepare, scratch: Path) -> None:
    assert_rejected(prepare, scratch, K.HAR, zip_bytes([("a.har", b"{}")]), "single file")


# -- logs and bug reports ----------------------------------------------------------------------
def test_log_file_is_redacted(prepare: Prepare) -> None:
    prepared = prepare(K.LOGS, SECRET_LOG, name="cost-model.log")
    text = prepared.stored_path.read_text()
    assert "Hunter2-Secret-9x" not in text and "wJalrXUtnFEMI" not in text
    assert "starting cost-model" in text
    assert prepared.summary["lines"] == 3
    assert prepared.analyzable == prepared.stored_path
    assert prepared.redaction and prepared.redaction["replacements"] >= 2


def test_gzipped_log_is_unpacked_and_redacted(prepare: Prepare) -> None:
    prepared = prepare(K.LOGS, gzip.compress(SECRET_LOG), name="app.log.gz")
    assert prepared.stored_path.name == "app.log"
    assert "Hunter2-Secret-9x" not in prepared.stored_path.read_text()


@pytest.mark.parametrize("container", ["tar", "zip"])
def test_log_archive_is_redacted_and_binary_members_dropped(
    prepare: Prepare, container: str
) -> None:
    members = [("logs/cost-model.log", SECRET_LOG), ("logs/core.bin", b"\x00\x01" * 500)]
    data = tar_bytes(members) if container == "tar" else zip_bytes(members)
    prepared = prepare(K.LOGS, data, name=f"logs.{'tar.gz' if container == 'tar' else 'zip'}")
    assert prepared.stored_path.name == "logs.tar.gz"
    assert prepared.summary["dropped_binary"] == ["logs/core.bin"]
    with tarfile.open(prepared.stored_path) as tar:
        names = tar.getnames()
        member = tar.extractfile("logs/logs/cost-model.log")
        assert member is not None and b"Hunter2-Secret-9x" not in member.read()
    assert names == ["logs/logs/cost-model.log"]
    assert prepared.analyzable is not None and prepared.analyzable.is_dir()


def test_log_archive_with_a_symlink_is_refused(prepare: Prepare, scratch: Path) -> None:
    data = tar_bytes([("a.log", b"x\n"), special("b.log", tarfile.SYMTYPE, "/etc/shadow")])
    assert_rejected(prepare, scratch, K.LOGS, data, "link", name="logs.tar.gz")


def test_log_archive_with_only_binaries_is_refused(prepare: Prepare, scratch: Path) -> None:
    assert_rejected(
        prepare, scratch, K.LOGS, tar_bytes([("a.bin", b"\x00" * 100)]), "no text files"
    )


def test_binary_log_is_refused(prepare: Prepare, scratch: Path) -> None:
    assert_rejected(prepare, scratch, K.LOGS, b"\x00\x01\x02" * 100, "must be text")


def test_bug_report_is_redacted(prepare: Prepare) -> None:
    prepared = prepare(K.BUG_REPORT, SECRET_LOG, name="kubecost-bug-report.txt")
    assert prepared.stored_path.name == "kubecost-bug-report.txt"
    assert "Hunter2-Secret-9x" not in prepared.stored_path.read_text()


def test_bug_report_archive_is_refused(prepare: Prepare, scratch: Path) -> None:
    assert_rejected(prepare, scratch, K.BUG_REPORT, tar_bytes([("a.txt", b"x")]), "single file")


def test_shared_redactor_keeps_pseudonyms_and_counts(prepare: Prepare) -> None:
    redactor = Redactor()
    prepare(K.LOGS, SECRET_LOG, name="a.log", redactor=redactor)
    first = redactor.report.total
    prepare(K.BUG_REPORT, SECRET_LOG, name="b.txt", redactor=redactor)
    assert redactor.report.total == 2 * first > 0


# -- Helm values -------------------------------------------------------------------------------
VALUES = b"""global:
  clusterId: prod-east
kubecostToken: "a2VlcCB0aGlzIHNlY3JldCBwbGVhc2U="
kubecostProductConfigs:
  clusterName: prod-east
  productKey:
    key: 1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718
prometheus:
  server:
    global:
      external_labels:
        cluster_id: prod-east
"""


def test_helm_values_are_redacted(prepare: Prepare) -> None:
    prepared = prepare(K.HELM_VALUES, VALUES, name="my values.yaml")
    text = prepared.stored_path.read_text()
    assert prepared.stored_path.name == "values.yaml"
    assert "a2VlcCB0aGlzIHNlY3JldCBwbGVhc2U=" not in text
    assert "1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718" not in text
    assert "prod-east" in text
    assert prepared.summary["top_level_keys"] == [
        "global",
        "kubecostProductConfigs",
        "kubecostToken",
        "prometheus",
    ]


@pytest.mark.parametrize(
    "data, match",
    [
        (b"global:\n  clusterId: [unclosed\n", r"not valid YAML \(line \d+, column \d+"),
        (b"- just\n- a list\n", "must be a YAML mapping"),
        (b"# nothing here\n", "empty"),
        (b"\x00\x01binary", "binary"),
    ],
)
def test_helm_values_problems(prepare: Prepare, scratch: Path, data: bytes, match: str) -> None:
    assert_rejected(prepare, scratch, K.HELM_VALUES, data, match)


def test_helm_values_alias_bomb_is_refused(prepare: Prepare, scratch: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
        f"*a{i - 1}, *a{i - 1}]"
        for i in range(1, 30)
    ]
    assert_rejected(prepare, scratch, K.HELM_VALUES, "\n".join(lines).encode(), "aliases")
