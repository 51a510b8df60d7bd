"""Secrets in block YAML are redacted line by line exactly as the document walker would."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage.diagnostics.redact import Redactor
from engage.diagnostics.redact.secretlines import SecretLines

FIXTURE = Path(__file__).parents[2] / "fixtures" / "redact" / "k8s" / "openshift-dns-secrets.yaml"


def _both(data: bytes, name: str = "secrets.yaml") -> tuple[bytes, bytes, dict, dict]:
    """Output and counts of the line pass and of the full parse, for the same input."""
    outs = []
    for line_pass in (True, False):
        redactor = Redactor(key=b"k")
        if not line_pass:
            redactor.pipeline._secret_lines = lambda *a, **k: False  # type: ignore[method-assign]
        buf = io.BytesIO()
        redactor.redact_stream(io.BytesIO(data), buf, name=name)
        outs.append((buf.getvalue(), dict(redactor.report.counts_by_rule)))
    return outs[0][0], outs[1][0], outs[0][1], outs[1][1]


def test_a_real_secret_list_keeps_its_layout_and_matches_the_parse() -> None:
    data = FIXTURE.read_bytes()
    line, parsed, line_counts, parsed_counts = _both(data)
    assert list(yaml.safe_load_all(line)) == list(yaml.safe_load_all(parsed))
    assert line_counts == parsed_counts and line_counts["k8s-secret-data"] > 0
    assert b'creationTimestamp: "2021-09-14T14:17:45Z"' in line  # quoting kept as written
    assert line.count(b"\n") == data.count(b"\n")
    for item in yaml.safe_load(data)["items"]:
        for value in (item.get("data") or {}).values():
            assert value.encode() not in line


SINGLE = b"""apiVersion: v1
kind: Secret
metadata:
  name: db
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"v1","data":{"password":"aHVudGVyMi1zM2NyZXQ="},"kind":"Secret"}
stringData:
  url: 'postgres://app:''pw''@db:5432/app'
data:
  password: aHVudGVyMi1zM2NyZXQ=
  empty: ""
type: Opaque
"""


def test_a_single_secret_drops_the_annotation_and_every_value() -> None:
    line, parsed, line_counts, parsed_counts = _both(SINGLE)
    assert list(yaml.safe_load_all(line)) == list(yaml.safe_load_all(parsed))
    assert line_counts == parsed_counts
    out = yaml.safe_load(line)
    assert out["metadata"]["annotations"] == {}
    assert out["data"] == {"password": "«redacted:k8s-secret-data:size=14»", "empty": ""}
    assert b"hunter2" not in line and b"aHVudGVy" not in line and b"pw" not in line


def test_values_found_are_known_to_the_rest_of_the_run(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "secrets.yaml").write_bytes(SINGLE)
    (tmp_path / "in" / "app.log").write_text("connecting with hunter2-s3cret\n")
    Redactor(key=b"k").redact_path(tmp_path / "in", tmp_path / "out")
    assert b"hunter2-s3cret" not in (tmp_path / "out" / "app.log").read_bytes()


TEMPLATE = b"""apiVersion: template.openshift.io/v1
kind: Template
objects:
- apiVersion: v1
  kind: Secret
  data:
    token: dG9rZW4tdmFsdWUtMTIzNDU=
"""
EMBEDDED = b"""apiVersion: v1
kind: ConfigMap
data:
  manifest.txt: |
    apiVersion: v1
    kind: Secret
    data:
      token: dG9rZW4tdmFsdWUtMTIzNDU=
"""
FLOW = b"""apiVersion: v1
kind: Secret
data: {token: dG9rZW4tdmFsdWUtMTIzNDU=}
"""
ALIAS = b"""base: &b
  token: dG9rZW4tdmFsdWUtMTIzNDU=
---
apiVersion: v1
kind: Secret
data: *b
"""
BLOCK_VALUE = b"""apiVersion: v1
kind: Secret
data:
  token: >-
    dG9rZW4tdmFsdWUtMTIzNDU=
"""


@pytest.mark.parametrize("data", [TEMPLATE, EMBEDDED, FLOW, ALIAS, BLOCK_VALUE])
def test_layouts_it_cannot_read_exactly_go_to_the_full_parse(data: bytes) -> None:
    assert SecretLines(lambda rule: None, None).redact(data) is None
    line, _parsed, _, _ = _both(data)
    assert b"dG9rZW4tdmFsdWUtMTIzNDU" not in line  # the document walker took them
    assert b"token-value-12345" not in line


def test_a_secret_only_named_in_owner_references_is_left_as_it_is() -> None:
    data = b"""apiVersion: v1
kind: ConfigMap
metadata:
  ownerReferences:
  - apiVersion: v1
    kind: Secret
    name: x
data:
  a: b
"""
    assert SecretLines(lambda rule: None, None).redact(data) == data


def test_base64_that_is_not_valid_counts_its_text_size() -> None:
    data = b"apiVersion: v1\nkind: Secret\ndata:\n  k: not*base64\n"
    counted: list[str] = []
    out = SecretLines(counted.append, None).redact(data)
    assert out is not None and b"size=10" in out and counted == ["k8s-secret-data"]


_KEY = st.from_regex(r"[a-z][a-z0-9_.\-]{0,12}", fullmatch=True)
_VALUE = st.binary(min_size=1, max_size=40).map(lambda b: base64.b64encode(b).decode())
_QUOTE = st.sampled_from(["{}", '"{}"', "'{}'"])


@st.composite
def _secret(draw: st.DrawFn, indent: str, first: str) -> str:
    """One Secret as kubectl or a person would write it, keys in a drawn order."""
    data = draw(st.dictionaries(_KEY, _VALUE, min_size=1, max_size=4))
    string_data = draw(st.dictionaries(_KEY, _KEY, max_size=2))
    parts = {
        "apiVersion": ["apiVersion: v1"],
        "kind": [draw(_QUOTE).format("Secret").join(["kind: ", ""])],
        "data": ["data:"] + [f"  {k}: {draw(_QUOTE).format(v)}" for k, v in data.items()],
        "metadata": ["metadata:", f"  name: {draw(_KEY)}"]
        + (
            [
                "  annotations:",
                "    kubectl.kubernetes.io/last-applied-configuration: |",
                '      {"kind":"Secret","data":{"x":"' + next(iter(data.values())) + '"}}',
            ]
            + (["    team: a"] if draw(st.booleans()) else [])
            if draw(st.booleans())
            else []
        ),
        "type": ["type: Opaque"],
    }
    if string_data:
        parts["stringData"] = ["stringData:"] + [f"  {k}: {v}x9" for k, v in string_data.items()]
    order = draw(st.permutations(sorted(parts)))
    lines = [line for key in order for line in parts[key]]
    out = [first + lines[0]] + [indent + line for line in lines[1:]]
    return "\n".join(out) + "\n"


@st.composite
def _manifest(draw: st.DrawFn) -> str:
    if draw(st.booleans()):  # a List, items at column 0 or 2
        pad = draw(st.sampled_from(["", "  "]))
        items = draw(st.lists(_secret(pad + "  ", pad + "- "), min_size=1, max_size=3))
        return "apiVersion: v1\nitems:\n" + "".join(items) + "kind: SecretList\n"
    docs = draw(st.lists(_secret("", ""), min_size=1, max_size=2))
    return "---\n".join(docs)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(_manifest())
def test_generated_secret_manifests_match_the_parse_and_leave_no_value(text: str) -> None:
    data = text.encode()
    assert SecretLines(lambda rule: None, None).redact(data) is not None, text
    line, parsed, line_counts, parsed_counts = _both(data)
    assert list(yaml.safe_load_all(line)) == list(yaml.safe_load_all(parsed)), text
    assert line_counts == parsed_counts
    for doc in yaml.safe_load_all(data):
        for obj in doc.get("items", [doc]):
            for value in list((obj.get("data") or {}).values()):
                assert str(value).encode() not in line, (value, text)
