"""Lines are parsed into (time, level, message) before matching; event tables become events."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.diagnostics.analyze import analyze_path
from engage.diagnostics.analyze.eventtable import is_event_table, parse_event_table
from engage.diagnostics.analyze.lines import parse_line

CASES = [
    ("2024-05-14T09:00:00.1Z ERR boom", "error", "boom", "2024-05-14T09:00:00Z"),
    ("2024-05-14T09:00:00Z WRN careful", "warning", "careful", "2024-05-14T09:00:00Z"),
    ("2024-05-14T09:00:00Z INF fine", "info", "fine", "2024-05-14T09:00:00Z"),
    ('time="2024-05-14T09:00:00Z" level=error msg="it broke"', "error", "it broke", None),
    ('{"level":"warn","time":"2024-05-14T09:00:00Z","message":"hm"}', "warning", "hm", None),
    ('{"log":"2024-05-14T09:00:00Z ERR inner\\n","stream":"stderr"}', "error", "inner", None),
    ("E0102 10:00:00.123456       1 main.go:12] glog error", "error", "glog error", None),
    ("W0102 10:00:00.123456       1 main.go:12] glog warning", "warning", "glog warning", None),
    ("I0116 00:33:40.184596 1 awsprovider.go:1709] Error getting x", "error", "getting x", None),
    ("I0420 07:21:23.664550 1 log.go:32] [Warning] share", "warning", "share", None),
    ("2019/12/30 03:15:43 [error] 8#8: *535 open() failed", "error", "open() failed", None),
    ("2019/12/30 03:15:43 [notice] 1#1: start worker", "info", "start worker", None),
    (
        "ERROR network_costs_rs::classifier: no zone",
        "error",
        "network_costs_rs::classifier: no zone",
        None,
    ),
    (" WARN network_costs_rs::monitor: odd", "warning", "network_costs_rs::monitor: odd", None),
    ("Error: UPGRADE FAILED: boom", "error", "UPGRADE FAILED: boom", None),
    (
        '{"code": 500, "data": null, "message": "error querying DB"}',
        "error",
        "error querying DB",
        None,
    ),
    (
        "2024-05-14T09:00:00Z Warning FailedMount Pod/kc-0: MountVolume failed",
        "warning",
        "MountVolume failed",
        None,
    ),
    ("plain text without a level", None, "plain text without a level", None),
]


@pytest.mark.parametrize(("text", "level", "message", "when"), CASES, ids=lambda c: str(c)[:24])
def test_parse_line(text: str, level: str | None, message: str, when: str | None) -> None:
    parsed = parse_line(text)
    assert (parsed.level, parsed.message) == (level, message)
    if when is not None:
        assert parsed.when == when


TABLE = """LAST SEEN   TYPE      REASON               OBJECT                                        MESSAGE
2m          Normal    Scheduled            pod/kubecost-cost-analyzer-65dd944b7-9gmkb    Successfully assigned kubecost/kubecost-cost-analyzer-65dd944b7-9gmkb to node-1
45s         Warning   FailedScheduling     pod/kubecost-prometheus-server-7c9d8-abcde    0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available
12s         Warning   ProvisioningFailed   persistentvolumeclaim/kubecost-prometheus-server   Failed to provision volume with StorageClass "gp2": UnauthorizedOperation: You are not authorized to perform this operation.
"""


def test_event_table_is_parsed_into_events() -> None:
    assert is_event_table(TABLE.encode())
    assert not is_event_table(b"2024-05-14T09:00:00Z ERR LAST SEEN REASON MESSAGE")
    events = parse_event_table(TABLE)
    assert [e["reason"] for e in events] == ["Scheduled", "FailedScheduling", "ProvisioningFailed"]
    assert events[1]["involvedObject"] == {
        "kind": "Pod",
        "name": "kubecost-prometheus-server-7c9d8-abcde",
    }
    assert events[2]["message"].startswith("Failed to provision volume")


def test_event_table_file_gets_event_findings(tmp_path: Path) -> None:
    path = tmp_path / "events.txt"
    path.write_text(TABLE)
    report = analyze_path(path)
    ids = {f.rule_id for f in report.findings}
    assert {"event-failed-scheduling", "pvc-provisioning-failed"} <= ids
    assert "storage" in {f.category for f in report.findings}


def test_all_namespaces_event_table(tmp_path: Path) -> None:
    text = "NAMESPACE   " + TABLE.replace("\n2m", "\nkubecost    2m").replace(
        "\n45s", "\nkubecost    45s"
    ).replace("\n12s", "\nkubecost    12s")
    events = parse_event_table(text)
    assert len(events) == 3 and events[1]["metadata"] == {"namespace": "kubecost"}


def test_event_table_after_a_prompt_line_given_alone(tmp_path: Path) -> None:
    text = "$ kubectl get events -n monitoring\n" + TABLE.replace("kubecost-", "prom-")
    path = tmp_path / "events.txt"
    path.write_text(text)
    report = analyze_path(path)
    assert "storage" in {f.category for f in report.findings}


def test_events_reported_by_a_state_rule_do_not_fall_back(tmp_path: Path) -> None:
    path = tmp_path / "events.txt"
    path.write_text(TABLE)
    report = analyze_path(path)
    assert "event-failed-scheduling" in {f.rule_id for f in report.findings}
    assert "unrecognised-error" not in {f.rule_id for f in report.findings}
