"""Read the input of one analysis: scan logs, load documents, collect per-instance state."""

from __future__ import annotations

import io
import json
import re
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from engage.diagnostics.analyze import documents as docs
from engage.diagnostics.analyze.eventtable import is_event_table, parse_event_table
from engage.diagnostics.analyze.findings import Accumulator, FallbackTable
from engage.diagnostics.analyze.inputs import (
    HEAD,
    Entry,
    InputProblems,
    environment_of,
    input_size,
    is_bug_report,
    is_tarball,
    iter_entries,
    log_identity,
    looks_binary,
    split_bug_report,
)
from engage.diagnostics.analyze.instances import (
    best_version,
    flavour_of,
    identity_from_key,
    namespace_of,
)
from engage.diagnostics.analyze.kube import (
    container_statuses,
    is_kubecost_event,
    is_kubecost_pod,
    list_items,
    version_from_pod,
)
from engage.diagnostics.analyze.lines import LogLine
from engage.diagnostics.analyze.model import Instance, Timeline
from engage.diagnostics.analyze.registry import load_rules
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule, dig, unwrap
from engage.diagnostics.analyze.scanner import LogScanner, LogSource
from engage.diagnostics.analyze.special import SpecialFiles
from engage.diagnostics.analyze.streams import Prefixed, json_lines, peek, values_candidate
from engage.diagnostics.har import is_har
from engage.diagnostics.versions import DetectedVersion, detect_version

MAX_DOCUMENT = 256 * 1024 * 1024
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Tools next to Kubecost whose error lines matter for it (besides Kubecost's own workloads).
_RELATED = re.compile(
    r"prometheus|thanos|helm|kubectl|events|nginx|frontend|grafana|kube-state-metrics|"
    r"node-exporter|cost|turndown|diagnostics",
    re.IGNORECASE,
)
# Event reasons that state rules report (event-failed-scheduling, event-failed-mount, ...)
CLAIMED_REASONS = frozenset(
    {"FailedScheduling", "FailedMount", "FailedAttachVolume", "Failed", "OOMKilling", "BackOff"}
)
_PAGES = (".html", ".htm", ".css", ".js", ".svg")
Progress = Callable[[int, int], None]


@lru_cache(maxsize=4)
def _scanner(rule_ids: tuple[str, ...]) -> LogScanner:
    rules = {r.id: r for r in load_rules()}
    return LogScanner([rules[i] for i in rule_ids])


def build_scanner() -> LogScanner:
    """The (cached) hyperscan scanner over every registered log-line rule."""
    return _scanner(tuple(r.id for r in load_rules()))


class AnalysisRun:
    """State of one analysis while the input is read."""

    def __init__(self, path: Path, progress: Progress | None) -> None:
        """Prepare to read `path`, reporting progress to `progress`."""
        self.path = path
        self.single_file = path.is_file() and not is_tarball(path)
        self.progress = progress
        self.total = max(input_size(path), 1)
        self.done = 0
        self.problems = InputProblems()
        self.data: dict[str, InstanceData] = {}
        self.declared: list[Instance] = []
        self.timeline = Timeline()
        self.bytes_scanned = 0
        self.files_scanned = 0
        self.engage_bundle = False
        self.kubecost_seen: set[str] = set()
        self.acc: dict[tuple[str, str, bool], Accumulator] = {}
        self.rules: dict[str, Rule] = {}
        self.fallback = FallbackTable()
        self.special = SpecialFiles(self.problems.add)
        self.standalone_mcd = False
        self.scanner = build_scanner()

    # -- reading -------------------------------------------------------------------------
    def read(self) -> None:
        """Read every entry of the input once."""
        for entry in iter_entries(self.path, self.problems):
            try:
                self._entry(entry)
            except (tarfile.TarError, EOFError, zlib.error) as exc:
                self.problems.add(entry.path, f"truncated or corrupt data, read partly: {exc}")
            except OSError as exc:
                self.problems.add(entry.path, f"read error: {exc}")
            self._tick(entry)

    def _tick(self, entry: Entry) -> None:
        if entry.position is not None:
            self.done = entry.position()
        else:
            self.done += entry.size
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)

    def _entry(self, entry: Entry) -> None:
        key = self._instance_key(entry.path)
        with entry.opener() as handle:
            head = handle.read(HEAD)
            if not head:
                self.problems.add(entry.path, "empty file")
                return
            lower = entry.path.lower()
            if self.special.take(entry.path, head, handle):
                self.files_scanned += 1
                return
            if lower.endswith(_PAGES):
                self.problems.add(entry.path, "web page or asset (not analysed)")
                return
            if looks_binary(entry.path, head):
                self.problems.add(entry.path, "binary file (not analysed)")
                return
            if lower.endswith(".json") or (
                head.lstrip()[:1] in (b"{", b"[")
                and not lower.endswith((".log", ".txt"))
                and not json_lines(head)
            ):
                self._document(entry, key, head + handle.read(MAX_DOCUMENT), "json")
                return
            if lower.endswith((".yaml", ".yml")):
                if values_candidate(lower):  # parse only what may be Helm values (YAML is slow)
                    self._document(entry, key, head + handle.read(MAX_DOCUMENT), "yaml")
                else:
                    self.problems.add(entry.path, "YAML other than Helm values (not analysed)")
                return
            if is_bug_report(head):
                self._bug_report(entry, key, head + handle.read())
                return
            if entry.position is None:  # a plain file: rewind instead of re-joining the head
                handle.seek(0)
                self._log(entry, key, handle)
            else:
                self._log(entry, key, Prefixed(head, handle))

    def _document(self, entry: Entry, key: str, data: bytes, kind: str) -> None:
        try:
            text = data.decode("utf-8", errors="replace")
            doc = json.loads(text) if kind == "json" else yaml.load(text, Loader=_YAML_LOADER)
        except (ValueError, yaml.YAMLError) as exc:
            self.problems.add(entry.path, f"invalid {kind.upper()}: {str(exc)[:80]}")
            return
        self.bytes_scanned += len(data)
        self.files_scanned += 1
        self._dispatch(entry.path, key, doc, kind)

    def _dispatch(self, path: str, key: str, doc: Any, kind: str) -> None:
        if docs.is_manifest(path, doc):
            self.engage_bundle = True
            self.declared += docs.manifest_instances(doc)
            return
        clusters = docs.mcd_clusters(doc)
        if clusters is not None:
            self._mcd(path, key, clusters)
            return
        if docs.is_k8s_list(doc):
            items = list_items(doc)
            kind = docs.kind_folder(path, items)
            self._inst(key).objects.setdefault(kind, []).extend((path, item) for item in items)
            if kind == "events":  # event messages are log lines too (e.g. FailedMount text)
                self._scan_events(path, key, items)
            return
        if docs.is_kubelet_summary(doc):
            self._inst(key).objects.setdefault("stats", []).append((path, doc))
            return
        if is_har(doc):  # a HAR export saved as .json
            self.special.har_document(path, doc)
            return
        data = unwrap(doc)
        name = docs.endpoint_name(path)
        if "kubecost-api/" in path or name in ("installInfo", "clusterInfo", "productConfigs"):
            self._endpoint(path, key, name, data)
        elif docs.looks_like_helm_values(data):
            self._inst(key).values.append((path, data))
        elif kind == "json" or path == self.path.name:
            self.problems.add(path, "document not recognised")

    def _endpoint(self, path: str, key: str, name: str, data: Any) -> None:
        inst = self._inst(key)
        inst.api[name] = (path, data)
        if name == "helmValues" and docs.looks_like_helm_values(data):
            inst.values.append((path, data))
        if name in ("installInfo", "clusterInfo", "productConfigs") and isinstance(data, dict):
            found = detect_version(data)
            if found:
                inst.versions.append((path, found))

    def _mcd(self, path: str, key: str, clusters: list[dict[str, Any]]) -> None:
        if path == self.path.name:  # the input itself: one instance per cluster
            self.standalone_mcd = True
            for cluster in clusters:
                cid = str(cluster.get("clusterId") or "unknown")
                inst = self._inst(f"mcd:{cid}")
                inst.mcd.append((path, cluster))
                found = detect_version(str(cluster.get("kubecostVersion") or ""))
                if found:
                    inst.versions.append((path, found))
            return
        self._inst(key).mcd.extend((path, cluster) for cluster in clusters)

    def _bug_report(self, entry: Entry, key: str, data: bytes) -> None:
        for section in split_bug_report(data):
            component = section.container
            source = LogSource(entry.path, component, 0, True)
            self._scan(source, key, io.BytesIO(section.data), section.first_line)
        self.files_scanned += 1

    def _log(self, entry: Entry, key: str, handle: Any) -> None:
        ident = log_identity(entry.path)
        if ident.kubecost is False and not key:
            self.problems.add(entry.path, "log of a non-Kubecost workload (not analysed)")
            return
        if ident.kubecost:
            self.kubecost_seen.add(key)
        # inside an engage bundle every log is read; hits from workloads that do not look like
        # Kubecost count only if the instance turns out to be a Kubecost namespace
        foreign = ident.kubecost is False
        source = LogSource(entry.path, ident.container, 0, None if foreign else ident.kubecost)
        head = peek(handle)
        if is_event_table(head):  # `kubectl get events` output saved as text
            text = (head + bytes(handle.read(MAX_DOCUMENT))).decode("utf-8", "replace")
            items = parse_event_table(text)
            self._inst(key).objects.setdefault("events", []).extend((entry.path, i) for i in items)
            self._scan_events(entry.path, key, items, everything=self.single_file)
        else:
            self._scan(source, key, Prefixed(head, handle), 1, foreign=foreign)
        self.files_scanned += 1

    def _scan_events(
        self, path: str, key: str, items: list[dict[str, Any]], *, everything: bool = False
    ) -> None:
        """Scan event messages as log lines (`everything`: a table the user gave on its own)."""
        for foreign in (False, True):
            if foreign and not key:
                return
            mine = [i for i in items if everything or is_kubecost_event(i) != foreign]
            for claimed in (False, True):  # reasons the event rules report get no fallback
                part = [i for i in mine if (i.get("reason") in CLAIMED_REASONS) == claimed]
                if part:
                    text = "\n".join(docs.event_line(item) for item in part).encode()
                    source = LogSource(path, "events", 0, not foreign or None)
                    source = replace(source, fallback=not claimed)
                    self._scan(source, key, io.BytesIO(text), 1, foreign=foreign)

    def _scan(
        self, source: LogSource, key: str, handle: Any, first_line: int, *, foreign: bool = False
    ) -> None:
        inst = self._inst(key)
        source = replace(source, related=self._related(key, source))

        def on_hit(rule: Rule, src: LogSource, hit: Hit) -> None:
            self.add(key, rule, hit, foreign=foreign)

        def on_error(src: LogSource, hour: str) -> None:
            self.timeline.add_error(src.component, hour)

        def on_version(src: LogSource, found: DetectedVersion) -> None:
            inst.versions.append((src.path, found))

        def on_fallback(src: LogSource, line: LogLine, hit: Hit) -> None:
            if not foreign:
                self.fallback.add(key, src.component, line, hit)

        size, split = self.scanner.scan(
            handle,
            source,
            on_hit=on_hit,
            on_error_line=on_error,
            on_version=on_version,
            on_fallback=on_fallback,
            first_line=first_line,
        )
        self.bytes_scanned += size
        if split:
            self.problems.add(source.path, "over-long line(s) scanned in windows")

    def _related(self, key: str, src: LogSource) -> bool:
        """Generic rules and unclaimed lines count in Kubecost's logs, the tools around it, and
        a file given alone.

        Host journals and other workloads' logs in a folder or archive (a must-gather) have
        error lines of their own that say nothing about Kubecost.
        """
        return bool(
            src.kubecost
            or key
            or self.single_file
            or _RELATED.search(src.component)
            or _RELATED.search(src.path.rsplit("/", 1)[-1])
        )

    # -- instances -----------------------------------------------------------------------
    def _instance_key(self, path: str) -> str:
        found = environment_of(path)
        return found[0] if found else ""

    def _inst(self, key: str) -> InstanceData:
        if key not in self.data:
            self.data[key] = InstanceData(Instance(path=key))
        return self.data[key]

    def add(self, key: str, rule: Rule, hit: Hit, *, foreign: bool = False) -> None:
        """Count a hit of `rule` for instance `key` (`foreign`: a non-Kubecost workload)."""
        acc = self.acc.get((key, rule.id, foreign))
        if acc is None:
            acc = self.acc[(key, rule.id, foreign)] = Accumulator()
            self.rules[rule.id] = rule
        acc.add(hit)

    def is_kubecost_instance(self, key: str, declared: Instance | None) -> bool:
        """Whether an instance is a Kubecost namespace (declared version, pods, API, values)."""
        inst = self._inst(key)
        return bool(
            key
            and (
                (declared is not None and declared.version)
                or key in self.kubecost_seen
                or inst.api
                or inst.values
                or inst.mcd
                or any(is_kubecost_pod(pod) for _path, pod in inst.items("pods"))
            )
        )

    def resolve_instances(self) -> list[str]:
        """Give every instance its identity, version and flavour; returns keys in order."""
        declared = {i.path: i for i in self.declared}
        keys = [i.path for i in self.declared] + [k for k in self.data if k not in declared]
        if not keys:
            keys = [""]
        for key in keys:
            inst = self._inst(key)
            base = declared.get(key) or identity_from_key(key)
            inst.all_pods_are_kubecost = self.is_kubecost_instance(key, declared.get(key))
            for path, pod in inst.items("pods"):
                found = version_from_pod(pod)
                if found:
                    inst.versions.append((path, found))
            version = base.version or best_version(inst.versions)
            flavour = base.flavour if base.flavour != "unknown" else flavour_of(version, inst)
            namespace = base.namespace if base.namespace != "unknown" else namespace_of(inst)
            inst.instance = replace(base, version=version, flavour=flavour, namespace=namespace)
        return keys

    def restarts(self, inst: InstanceData) -> None:
        """Feed the restart chart from container terminations and back-off events."""
        for _path, pod in inst.kubecost_pods():
            name = str((pod.get("metadata") or {}).get("name", "?"))
            for status in container_statuses(pod):
                finished = dig(status, "lastState", "terminated", "finishedAt")
                if isinstance(finished, str) and len(finished) >= 13:
                    self.timeline.add_restart(name, finished[:13])
        for _path, event in inst.items("events"):
            if event.get("reason") == "BackOff":
                when = event.get("lastTimestamp") or event.get("eventTime")
                target = str(dig(event, "involvedObject", "name", default="?"))
                if isinstance(when, str) and len(when) >= 13:
                    self.timeline.add_restart(target, when[:13], int(event.get("count") or 1))
