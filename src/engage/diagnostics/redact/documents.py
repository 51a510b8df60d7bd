"""Structured redaction of parsed JSON/YAML: Kubernetes objects, Helm values, Kubecost configs.

- Every string value goes through the text rules; values under secret-named keys are masked.
- Kubernetes ``Secret``: ``data``/``stringData`` values are dropped (keys and sizes stay) and
  its ``last-applied-configuration`` annotation is dropped; on other objects that annotation is
  parsed and redacted like the object itself.
- ``{"name": "DB_PASSWORD", "value": ...}`` pairs (env entries, HAR headers) mask the value.
- String values under keys ending in ``.json``/``.yaml`` (ConfigMap data) are parsed and
  redacted as documents of that name; ``HELM_VALUES`` (base64 YAML) is decoded and redacted.
- Kubecost: ``productKey.key``, the contents of ``cloud-integration.json`` credentials.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

import yaml

from engage.diagnostics.redact.detectors import normalize_key
from engage.diagnostics.redact.pairs import (
    KeyClassifier,
    PairScanner,
    is_file_path,
    is_placeholder,
    names_objects,
)
from engage.diagnostics.redact.rules import KeyPath
from engage.diagnostics.redact.tokens import contains_token, size_marker

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
SECRET_DATA_RULE = "k8s-secret-data"
LAST_APPLIED_RULE = "k8s-last-applied"
CLOUD_INTEGRATION_RULE = "kubecost-cloud-integration"
_CLOUD_SECRET_KEYS = frozenset(
    normalize_key(k)
    for k in (
        "secret",
        "key",
        "id",
        "accessKey",
        "serviceKeyName",
        "serviceKeySecret",
        "azureStorageAccessKey",
        "clientSecret",
        "password",
        "token",
        "sasToken",
    )
)
Scalar = str | int | float | bytes
# a Secret manifest kept as a string inside another document (a test snapshot, a bug report)
_JSON_TEXT = re.compile(r"\s*[\[{]\s*[\"{\[]")
_FLAG = re.compile(rb"--?[A-Za-z][\w.\-]{0,80}")
_EMBEDDED_SECRET = re.compile(r"^kind:\s*Secret\s*$", re.MULTILINE)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bytes) and not isinstance(value, bool)


def _scalar_list(value: Any) -> bool:
    """A non-empty list of strings (not of numbers: ports, counts)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _scalar_bytes(value: Scalar) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogateescape")


def is_k8s_secret(obj: dict[Any, Any]) -> bool:
    """A Kubernetes Secret object (core/v1)."""
    return obj.get("kind") == "Secret" and str(obj.get("apiVersion", "v1")) in ("v1", "")


class DocumentRedactor:
    """Walks a parsed document and returns a redacted copy."""

    def __init__(
        self,
        *,
        text: Callable[[str], str],
        mask: Callable[[str, bytes], str],
        count: Callable[[str], None],
        classifier: KeyClassifier,
        key_paths: tuple[KeyPath, ...],
        changes: Callable[[], int],
        remember: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self.remember = remember  # records dropped Secret data for the known-value pass
        self.text = text
        self.mask_bytes = mask
        self.count = count
        self.classifier = classifier
        self.key_paths = key_paths
        self.changes = changes
        # flags and their values in lists of strings, judged as in text
        self.flags = PairScanner(classifier, lambda rule, value: mask(rule, value).encode("utf-8"))

    def mask(self, rule: str, value: Scalar) -> str:
        """Token for a scalar value."""
        return self.mask_bytes(rule, _scalar_bytes(value))

    def redact(self, obj: Any, name: str) -> Any:
        """Redacted copy of a document; ``name`` (a file name) selects special handling."""
        from engage.diagnostics.redact.har import is_har, redact_har

        if name.lower().endswith(".har") or is_har(obj):
            obj = redact_har(obj, self)
        if name.lower().endswith("cloud-integration.json"):
            return self._mask_tree(obj, CLOUD_INTEGRATION_RULE, only_secret_keys=True)
        return self.walk(obj, ())

    def walk(self, obj: Any, path: tuple[str, ...]) -> Any:
        """Redact any value found at ``path``."""
        if isinstance(obj, dict):
            return self._dict(obj, path)
        if isinstance(obj, list):
            return self._list(obj, path)
        if isinstance(obj, str):
            if "\n" in obj and _EMBEDDED_SECRET.search(obj):
                return self.nested(obj, "embedded.yaml", path)
            if _JSON_TEXT.match(obj) and obj.rstrip()[-1:] in ("}", "]"):
                return self.nested(obj, "embedded.json", path)  # JSON kept in a string
            return self.text(obj)
        return obj

    def _list(self, obj: list[Any], path: tuple[str, ...]) -> list[Any]:
        """Items walked one by one; a flag naming a secret (``"--password"``) masks the string
        after it (container ``args`` and ``command``)."""
        out = [self.walk(v, (*path, "*")) for v in obj]
        for i, item in enumerate(obj[:-1]):
            if not (isinstance(item, str) and item.startswith("-") and isinstance(obj[i + 1], str)):
                continue
            flag = item.encode("utf-8", "replace")
            rule = self.flags.flag_rule(flag) if _FLAG.fullmatch(flag) else None
            if rule is None:
                continue
            token = self.flags.flag_value(rule, obj[i + 1].encode("utf-8", "surrogateescape"))
            if token is not None:
                out[i + 1] = token.decode("utf-8", "surrogateescape")
        return out

    def _dict(self, obj: dict[Any, Any], path: tuple[str, ...]) -> dict[Any, Any]:
        if is_k8s_secret(obj):
            obj = self._k8s_secret(obj)
        pair_rule = self._pair_rule(obj)
        parent = normalize_key(path[-1]) if path else ""
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            kp = (*path, str(key))
            hit = next((p.name for p in self.key_paths if p.matches(kp)), None)
            if hit is not None:
                out[key] = self._mask_tree(value, hit, only_secret_keys=False)
            elif pair_rule is not None and key == "value":
                out[key] = self._pair_value(pair_rule, obj.get("name"), value)
            elif isinstance(key, str) and _is_scalar(value) and self._secret_key(key, parent):
                out[key] = self._mask_scalar(self._secret_key(key, parent) or "", value)
            elif isinstance(key, str) and _scalar_list(value) and self._secret_key(key, parent):
                rule = self._secret_key(key, parent) or ""  # "tokens": ["...", "..."]
                out[key] = [self._mask_scalar(rule, v) for v in value]
            elif isinstance(key, str) and isinstance(value, str) and self._nested_kind(key):
                out[key] = self.nested(value, key, kp)
            else:
                out[key] = self.walk(value, kp)
        return out

    def _secret_key(self, key: str, parent: str) -> str | None:
        if parent == "productkey" and key == "key":
            return "kubecost-product-key"
        return self.classifier.classify(key.encode("utf-8", "replace"))

    def _mask_scalar(self, rule: str, value: Scalar, *, force: bool = False) -> Any:
        if isinstance(value, bytes):  # YAML !!binary: the token as bytes stays valid !!binary
            if not value or contains_token(value):
                return value
            return self.mask(rule, value).encode("utf-8")
        raw = _scalar_bytes(value)
        if force:
            return value if not raw or contains_token(raw) else self.mask(rule, value)
        if isinstance(value, str) and (is_placeholder(raw) or is_file_path(raw)):
            return value
        if rule == "secret" and isinstance(value, str) and names_objects(raw):
            return value
        return self.mask(rule, value)

    def _pair_rule(self, obj: dict[Any, Any]) -> str | None:
        name = obj.get("name")
        if not isinstance(name, str) or "value" not in obj:
            return None
        if name == "HELM_VALUES":
            return "helm-values"
        return self.classifier.classify_name(name.encode("utf-8", "replace"))

    def _pair_value(self, rule: str, name: Any, value: Any) -> Any:
        if rule == "helm-values" and isinstance(value, str):
            return self._helm_values(value)
        if not _is_scalar(value):
            return self.walk(value, ())
        if isinstance(value, int | float) and abs(value) < 100000:
            return value
        return self._mask_scalar(rule, value)

    def _helm_values(self, value: str) -> str:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return self.text(value)
        redacted = self.nested(decoded, "values.yaml", ("HELM_VALUES",))
        if redacted == decoded:
            return value
        return base64.b64encode(redacted.encode("utf-8")).decode("ascii")

    @staticmethod
    def _nested_kind(key: str) -> str | None:
        lower = key.lower()
        if lower.endswith(".json") or lower == LAST_APPLIED:
            return "json"
        if lower.endswith((".yaml", ".yml")):
            return "yaml"
        return None

    def nested(self, value: str, key: str, path: tuple[str, ...]) -> str:
        """A document stored as a string (ConfigMap data, annotations): redact it in place."""
        kind = self._nested_kind(key) or "yaml"
        before = self.changes()
        try:
            if kind == "json":
                parsed = json.loads(value)
            else:
                parsed = yaml.load(value, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (ValueError, yaml.YAMLError, RecursionError):
            return self.text(value)
        if not isinstance(parsed, dict | list):
            return self.text(value)
        result = self.redact(parsed, key)
        if self.changes() == before:
            return value
        if kind == "json":
            compact = ": " not in value[:200]
            dumped = json.dumps(
                result, ensure_ascii=False, separators=(",", ":") if compact else None
            )
            return dumped + ("\n" if value.endswith("\n") else "")
        return str(yaml.safe_dump(result, sort_keys=False, allow_unicode=True))

    def _k8s_secret(self, obj: dict[Any, Any]) -> dict[Any, Any]:
        obj = dict(obj)
        for field in ("data", "stringData"):
            values = obj.get(field)
            if isinstance(values, dict):
                obj[field] = {k: self._secret_value(v, field == "data") for k, v in values.items()}
        meta = obj.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
            notes = meta["annotations"]
            if LAST_APPLIED in notes:
                self.count(LAST_APPLIED_RULE)
                kept = {k: v for k, v in notes.items() if k != LAST_APPLIED}
                obj["metadata"] = {**meta, "annotations": kept}
        return obj

    def _secret_value(self, value: Any, is_base64: bool) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # stringData: {pin: 123456}: YAML reads a number, still a secret
        if not isinstance(value, str) or not value or value.startswith("«redacted:"):
            return value
        plain = value.encode("utf-8")
        if is_base64:
            with contextlib.suppress(binascii.Error, ValueError):
                plain = base64.b64decode(value, validate=True)
        size = len(plain)
        if self.remember is not None:
            for known in {plain, plain.strip()}:
                self.remember(SECRET_DATA_RULE, known)
        self.count(SECRET_DATA_RULE)
        return size_marker(SECRET_DATA_RULE, size)

    def _mask_tree(self, value: Any, rule: str, *, only_secret_keys: bool) -> Any:
        """Mask every scalar leaf under ``value`` (or only those under secret-looking keys)."""
        if isinstance(value, dict):
            out: dict[Any, Any] = {}
            for k, v in value.items():
                secret = not only_secret_keys or normalize_key(str(k)) in _CLOUD_SECRET_KEYS
                if secret and not (isinstance(k, str) and k == "authorizerType"):
                    out[k] = self._mask_tree(v, rule, only_secret_keys=False)
                else:
                    out[k] = self._mask_tree(v, rule, only_secret_keys=only_secret_keys)
            return out if not only_secret_keys else self.walk(out, ())
        if isinstance(value, list):
            return [self._mask_tree(v, rule, only_secret_keys=only_secret_keys) for v in value]
        if only_secret_keys:
            return value
        if _is_scalar(value):
            return self._mask_scalar(rule, value, force=True)
        return value
