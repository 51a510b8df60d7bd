"""Choosing how to redact a stream from its name and first bytes, and doing it.

``.tar*``/``.tgz`` -> archive members; ``.gz``/``.xz``/``.bz2`` -> decompress, redact the inner
file, recompress (a binary inner file, e.g. a pprof profile, passes through byte-for-byte);
``.har``/``.json``/``.yaml`` -> text rules, plus structural rules when the document needs them;
binary -> passed through and reported; anything else -> streamed text.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import json
import lzma
import re
import shutil
import zlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import IO, Any

import yaml

from engage.diagnostics.redact.documents import DocumentRedactor
from engage.diagnostics.redact.errors import UnsupportedInput
from engage.diagnostics.redact.report import FileCounter, RedactionReport
from engage.diagnostics.redact.scanner import STRUCT_OWNER
from engage.diagnostics.redact.secretlines import SecretLines
from engage.diagnostics.redact.streams import (
    REFUSED_SUFFIXES,
    SNIFF_SIZE,
    NullSink,
    chain,
    is_binary,
    refused_kind,
)
from engage.diagnostics.redact.tables import TABLE_SUFFIXES, mask_secret_columns
from engage.diagnostics.redact.textstream import StreamState, TextStreamRedactor

STRUCTURED_MAX = 128 << 20
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2")
_STRUCTURED = (".har", ".json", ".yaml", ".yml")
_SPECIAL_NAMES = ("cloud-integration.json", "values.yaml", "values.yml")
# files whose whole content is one credential: Kubecost mounts its product key as a file
# holding only the key (/var/configs/productkey)
WHOLE_FILE_SECRETS = {"productkey": "kubecost-product-key"}
# PostgreSQL password files: host:port:database:user:password lines. By name only: as a pattern
# for every line of every file the format cost 18 % of the scan, and it occurs nowhere else
PGPASS_NAMES = frozenset({"pgpass", ".pgpass", "pgpass.conf"})
_PGPASS_LINE = re.compile(
    rb"(?m)^(?:[^:\s\\]|\\.){1,253}:(?:[0-9]{1,5}|\*):(?:[^:\s\\]|\\.){1,63}:"
    rb"(?:[^:\s\\]|\\.){1,63}:(?P<secret>\S+?)[ \t]*\r?$"
)
# Kubernetes static token and basic-auth files (--token-auth-file, --basic-auth-file):
# token-or-password,user,uid[,"groups"] lines
STATIC_TOKEN_NAMES = frozenset(
    {"known_tokens.csv", "known-tokens.csv", "tokens.csv", "token.csv", "static-tokens.csv"}
    | {"basic_auth.csv", "basic-auth.csv", "basicauth.csv"}
)
_STATIC_TOKEN_LINE = re.compile(rb'(?m)^[ \t]*"?(?P<secret>[^,#\s"][^,\s"]*)"?[ \t]*,[^\r\n]*$')
# file name -> (rule, the lines and where their secret is); other lines go through the rules
LINE_SECRET_FILES = {
    **{name: ("pgpass", _PGPASS_LINE) for name in PGPASS_NAMES},
    **{name: ("static-token-file", _STATIC_TOKEN_LINE) for name in STATIC_TOKEN_NAMES},
}
Opener = Callable[[IO[bytes], str], Any]
_COMPRESSORS: dict[str, tuple[Opener, Callable[[], Any], str]] = {
    ".gz": (
        lambda f, mode: gzip.GzipFile(filename="", fileobj=f, mode=mode, mtime=0),
        lambda: zlib.decompressobj(wbits=47),
        "gzip",
    ),
    ".xz": (lambda f, mode: lzma.LZMAFile(f, mode), lzma.LZMADecompressor, "xz"),  # noqa: SIM115
    ".bz2": (
        lambda f, mode: bz2.BZ2File(f, mode),  # type: ignore[call-overload]
        bz2.BZ2Decompressor,
        "bzip2",
    ),
}
_LOG_NAME = re.compile(r"\.log(?:\.\d+)?$|\.(?:out|err|stdout|stderr)$|^(?:stdout|stderr)$")
_INDENT = re.compile(rb"\n([ \t]+)[\"\[{0-9tfn-]")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def is_log_name(name: str) -> bool:
    """Container and service logs: scanned without the config-only rules (entropy)."""
    base = name.lower().rsplit("/", 1)[-1]
    return bool(_LOG_NAME.search(base))


def is_tarball(name: str) -> bool:
    """Names of tar archives (compressed or not)."""
    return name.lower().endswith(TAR_SUFFIXES)


class Pipeline:
    """Redacts one named stream into another, recursing into compressed files and archives."""

    def __init__(
        self,
        *,
        text: TextStreamRedactor,
        log_text: TextStreamRedactor,
        docs: DocumentRedactor,
        report: RedactionReport,
        using: Callable[[FileCounter], AbstractContextManager[None]],
        always_structured: bool,
        text_only: bool = False,
    ) -> None:
        self.text_only = text_only  # the known-value pass: literal replacement keeps any format
        self.text = text
        self.log_text = log_text
        self.docs = docs
        self.report = report
        self.using = using
        self.always_structured = always_structured

    def redact_stream(self, src: IO[bytes], dst: IO[bytes], name: str) -> None:
        """Redact ``src`` into ``dst``; the format is chosen from ``name`` and the content."""
        lower = name.lower()
        if is_tarball(lower):
            from engage.diagnostics.redact.archives import redact_tar_stream

            redact_tar_stream(self, src, dst, name)
            return
        suffix = next((s for s in REFUSED_SUFFIXES if lower.endswith(s)), None)
        if suffix is not None:
            raise UnsupportedInput(f"{REFUSED_SUFFIXES[suffix]} cannot be redacted; refused")
        for ext, spec in _COMPRESSORS.items():
            if lower.endswith(ext):
                self._compressed(src, dst, name, ext, spec)
                return
        self._plain(src, dst, name)

    def _compressed(
        self,
        src: IO[bytes],
        dst: IO[bytes],
        name: str,
        ext: str,
        spec: tuple[Opener, Callable[[], Any], str],
    ) -> None:
        opener, decompressor, label = spec
        raw_head = src.read(1 << 16)
        try:
            plain_head = decompressor().decompress(raw_head)[:SNIFF_SIZE]
        except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error) as exc:
            raise UnsupportedInput(f"not a valid {label} file ({exc}); refused") from exc
        if is_binary(plain_head):
            dst.write(raw_head)
            shutil.copyfileobj(src, dst, 1 << 20)
            self.report.binary_files.append(name)
            return
        inner = name[: -len(ext)]
        try:
            with opener(chain(raw_head, src), "rb") as plain:
                if isinstance(dst, NullSink):
                    self.redact_stream(plain, dst, inner)
                    return
                with opener(dst, "wb") as packed:
                    self.redact_stream(plain, packed, inner)
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
            raise UnsupportedInput(f"corrupt {label} data ({exc}); refused") from exc

    def _plain(self, src: IO[bytes], dst: IO[bytes], name: str) -> None:
        head = src.read(SNIFF_SIZE)
        counter = self.report.counter(name)
        if not head:
            self.report.empty_files.append(name)
            return
        kind = refused_kind(head)
        if kind is not None:
            raise UnsupportedInput(f"{kind} cannot be redacted; refused")
        if is_binary(head):
            dst.write(head)
            shutil.copyfileobj(src, dst, 1 << 20)
            self.report.binary_files.append(name)
            return
        if len(head) < SNIFF_SIZE and self._named_secret_file(head, dst, name, counter):
            return
        with self.using(counter):
            if name.lower().endswith(_STRUCTURED) and not self.text_only:
                self._structured(src, dst, name, head, counter)
            elif name.lower().endswith(tuple(TABLE_SUFFIXES)) and not self.text_only:
                self._table(src, dst, name, head, counter)
            else:
                text = self.log_text if is_log_name(name) else self.text
                self._notes(name, text.stream(src, dst, counter, head=head))

    def _table(
        self, src: IO[bytes], dst: IO[bytes], name: str, head: bytes, counter: FileCounter
    ) -> None:
        """A CSV/TSV file: the columns its header names as secrets, then the text rules."""
        data = head + src.read(STRUCTURED_MAX + 1 - len(head))
        if len(data) <= STRUCTURED_MAX:
            sep = TABLE_SUFFIXES[name.lower()[name.rfind(".") :]]
            classify = self.text.lines.classifier.classify_name
            data = mask_secret_columns(data, sep, classify, self.text.lines.mask)
            self._notes(name, self.text.stream(io.BytesIO(data), dst, counter))
            return
        self.report.problem(name, f"larger than {STRUCTURED_MAX >> 20} MiB: text rules only")
        self._notes(name, self.text.stream(src, dst, counter, head=data))

    def _named_secret_file(
        self, head: bytes, dst: IO[bytes], name: str, counter: FileCounter
    ) -> bool:
        """Small files whose name says how their secrets are laid out (True: written).

        ``productkey`` holds one credential and nothing else; a PostgreSQL password file holds
        ``host:port:database:user:password`` lines, a Kubernetes static token file
        ``token,user,uid,...`` lines (their other lines go through the text rules).
        """
        base = name.rsplit("/", 1)[-1].lower()
        mask = self.text.lines.mask
        with self.using(counter):
            if base in LINE_SECRET_FILES:
                rule_name, lines = LINE_SECRET_FILES[base]
                data = lines.sub(
                    lambda m: (
                        head[m.start() : m.start("secret")]
                        + mask(rule_name, m.group("secret"))
                        + head[m.end("secret") : m.end()]
                    ),
                    head,
                )
                self._notes(name, self.text.stream(io.BytesIO(data), dst, counter))
                return True
            rule, value = WHOLE_FILE_SECRETS.get(base), head.strip()
            if rule is not None and value and b"\n" not in value:
                start = head.index(value)
                dst.write(head[:start] + mask(rule, value) + head[start + len(value) :])
                return True
        return False

    def _notes(self, name: str, state: StreamState) -> None:
        if state.long_lines:
            self.report.problem(
                name,
                f"{state.long_lines} line(s) longer than "
                f"{self.text.max_line >> 20} MiB, redacted in windows",
            )
        if state.invalid_utf8_at >= 0:
            self.report.problem(
                name, f"invalid UTF-8 at byte {state.invalid_utf8_at}; redacted as bytes"
            )

    def _structured(
        self, src: IO[bytes], dst: IO[bytes], name: str, head: bytes, counter: FileCounter
    ) -> None:
        data = head + src.read(STRUCTURED_MAX + 1 - len(head))
        if len(data) > STRUCTURED_MAX:
            self.report.problem(
                name,
                f"larger than {STRUCTURED_MAX >> 20} MiB: text rules "
                "only, structural rules skipped",
            )
            self._notes(name, self.text.stream(src, dst, counter, head=data))
            return
        lower = name.lower()
        compiled = self.text.lines.compiled
        raw_hits = compiled.scan(data)
        hits = compiled.gate(raw_hits)
        needs = (
            self.always_structured
            or lower.endswith((".har", *_SPECIAL_NAMES))
            or any(owner == STRUCT_OWNER for _, owner in hits)
            # JSON is cheap to parse: walked as a document whenever a rule fires, so a value
            # with "\n" escapes (a private key) is one value, not pieces of a line
            or (bool(hits) and lower.endswith(".json"))
        )
        if needs and self._secret_lines(data, dst, name, lower, counter):
            return
        docs = self._parse(data, lower) if needs else None
        if docs is None:
            if needs:
                self.report.problem(name, "not valid JSON/YAML; redacted as text")
            self._notes(name, self.text.redact_scanned(data, dst, counter, raw_hits))
            return
        before = counter.total
        redacted = [self.docs.redact(doc, name) for doc in docs]
        dst.write(data if counter.total == before else self._dump(redacted, data, lower))

    def _secret_lines(
        self, data: bytes, dst: IO[bytes], name: str, lower: str, counter: FileCounter
    ) -> bool:
        """Kubernetes Secrets in block YAML, redacted line by line (True: done, no parse)."""
        if (
            self.always_structured
            or not lower.endswith((".yaml", ".yml"))
            or lower.endswith(_SPECIAL_NAMES)
        ):
            return False
        edited = SecretLines(counter.add, self.docs.remember).redact(data)
        if edited is None:
            return False
        compiled = self.text.lines.compiled
        self._notes(name, self.text.redact_scanned(edited, dst, counter, compiled.scan(edited)))
        return True

    @staticmethod
    def _parse(data: bytes, lower: str) -> list[Any] | None:
        try:
            if lower.endswith((".yaml", ".yml")):
                return list(yaml.load_all(data, Loader=_YAML_LOADER))
            return [json.loads(data.decode("utf-8-sig"))]
        except (ValueError, yaml.YAMLError, RecursionError):
            return None

    @staticmethod
    def _dump(docs: list[Any], original: bytes, lower: str) -> bytes:
        if lower.endswith((".yaml", ".yml")):
            explicit = len(docs) > 1 or original.lstrip().startswith(b"---")
            text = yaml.dump_all(
                docs,
                Dumper=_YAML_DUMPER,
                sort_keys=False,
                allow_unicode=True,
                default_flow_style=False,
                explicit_start=explicit,
            )
            return str(text).encode("utf-8")
        m = _INDENT.search(original[:65536])
        indent = m.group(1).decode() if m else None
        separators = (",", ":") if indent is None and b'": ' not in original[:4096] else None
        out = json.dumps(docs[0], ensure_ascii=False, indent=indent, separators=separators)
        bom = codecs.BOM_UTF8 if original.startswith(codecs.BOM_UTF8) else b""
        tail = b"\n" if original.endswith(b"\n") else b""
        return bom + out.encode("utf-8") + tail
