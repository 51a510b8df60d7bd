"""Key/value and name/value pairs in text: ``password=...``, ``"token": "..."``, env entries.

Handles the shapes found in logs and configs: ``key=value``, ``key: value``, ``key := value``,
JSON pairs (also escaped inside a log line: ``\\"password\\":\\"...\\"``), connection strings
(``Password=...;``), and ``{"name": "DB_PASSWORD", "value": "..."}`` pairs.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engage.diagnostics.redact.detectors import KeyRule, key_words, word_set
from engage.diagnostics.redact.tokens import contains_token

KV_RE = re.compile(
    rb"""(?:(?<![\w.\-])|(?<=[\s"'=]--)|(?<=[\s"'=]-)|(?<=^--)|(?<=^-))(?<!redacted:)
    (?P<key>[A-Za-z_][\w.\-]{0,80})
    (?P<kq>\\*["']?)
    [ \t]*(?P<sep>:=|=>|[:=])[ \t]*
    (?:(?P<pq>")(?P<pqv>(?:[^"\\\r\n]|\\[^\r\n])*)(?=")
      |(?P<dq>\\+")(?P<dqv>(?:[^"\\\r\n]|\\+(?!")[^"\r\n])*)
      |(?P<sq>\\*')(?P<sqv>[^'\\\r\n]*)
      |(?P<uv>[^\s"'\\,;&<>(){}\[\]`|]+))?""",
    re.X,
)
# an XML element on one line: <password>value</password>, <ns:secretKey a="b">value</ns:secretKey>
XML_RE = re.compile(
    rb"<(?P<tag>[A-Za-z_][\w.\-]{0,80}(?::[A-Za-z_][\w.\-]{0,80})?)(?:[ \t][^<>]{0,400})?>"
    rb"(?P<value>[^<>\r\n]{1,4096})</(?P=tag)[ \t]*>"
)
NAME_RE = re.compile(
    rb"""(?<![\w\-])(?P<nq>\\*["']?)name\\*["']?[ \t]*[:=][ \t]*\\*["']?
    (?P<name>[A-Za-z0-9_.\-]{1,120})""",
    re.X,
)
# one XML element's name and value attributes: <add key="DbPassword" value="..." />
XML_PAIR_RE = re.compile(
    rb"""<[\w:.\-]+[ \t][^<>\r\n]*?(?<![\w\-.])(?:key|name)[ \t]*=[ \t]*(?P<nq>["'])
    (?P<name>[A-Za-z0-9_.:\-]{1,120})(?P=nq)[^<>\r\n]*?(?<![\w\-.])value[ \t]*=[ \t]*
    (?P<vq>["'])(?P<value>[^"'<>\r\n]*)(?P=vq)""",
    re.X,
)
VALUE_RE = re.compile(
    rb"""(?<![\w\-])\\*["']?value\\*["']?[ \t]*:[ \t]*
    (?:(?P<pq>")(?P<pqv>(?:[^"\\\r\n]|\\[^\r\n])*)(?=")
      |(?P<dq>\\+")(?P<dqv>(?:[^"\\\r\n]|\\+(?!")[^"\r\n])*)
      |(?P<sq>\\*')(?P<sqv>[^'\\\r\n]*)
      |(?P<uv>[^\s"'\\,;&<>(){}\[\]`|]+))""",
    re.X,
)
# a command-line flag alone as a YAML list item ("- --password"): its value is the next item
FLAG_ITEM_RE = re.compile(rb"[ \t]*-[ \t]+([\"']?)--?(?P<key>[A-Za-z][\w.\-]{0,80})\1[ \t]*\r?\n?")
# a flag and its value as neighbouring strings of one list: ["--db-password", "value"]
FLAG_PAIR_RE = re.compile(
    rb"(?P<q>\\*[\"'])--?(?P<key>[A-Za-z][\w.\-]{0,80})(?P=q)[ \t]*,[ \t]*"
    rb"(?P<vq>\\*[\"'])(?P<value>[^\"'\\\r\n]+)(?P=vq)"
)
FLAG_VALUE_RE = re.compile(rb"[ \t]*-[ \t]+([\"']?)(?P<value>[^\"'\r\n]+?)\1[ \t]*\r?\n?")
# one more quoted value after a value (not a key: no separator follows it)
_MORE_QUOTED = re.compile(rb"""[ \t]*,[ \t]*(?P<q>["'])(?P<v>[^"'\\\r\n]*)(?P=q)(?![ \t]*[:=])""")
_LINE_START = re.compile(rb"[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?[\"']?")
_BLOCK_REST = re.compile(rb"[ \t]*(?:[|>][-+0-9]*)?[ \t]*\r?\n?")
_PLACEHOLDERS = frozenset(
    b"true false null none nil undefined yes no on off <nil> redacted [redacted] <redacted> "
    b"masked [masked] <masked> hidden [hidden] <hidden> changeme-not-set".split()
)
_K8S_NAME = re.compile(rb"[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?")
_NAME_LIST = re.compile(rb"[a-z0-9.,\- ]+")
# password: {{ .Values.password | default "s3cret" }}: the default is a real value
_TEMPLATE_DEFAULT = re.compile(rb"\|[ \t]*default[ \t]+([\"'])(?P<lit>[^\"'\r\n{}]{4,200})\1")
_TEMPLATE_OPEN = re.compile(rb"[ \t]*[\"']?\{\{")
# a flow sequence as a pair's value (tokens: [a, "b"]) and its items
_FLOW_LIST = re.compile(rb"[ \t]*\[([^\[\]{}\r\n]{1,4096})\]")
# a tuple of quoted strings (Python, Terraform): tokens = ("a", "b")
_TUPLE = re.compile(rb"""[ \t]*\(((?:[ \t]*(["'])[^"'\r\n]*\2[ \t]*,?){1,64}[ \t]*)\)""")
_FLOW_ITEM = re.compile(rb"[ \t]*([\"']?)([^,\"'\[\]]*?)\1[ \t]*(?:,|$)")
_FILE_PATH = re.compile(rb"(?:/[\w.@\-]{1,40})+/?")
# a bare file name with the extension of a key, certificate or config file (--tls-key=key.pem)
_FILE_NAME = re.compile(
    rb"[a-z][\w\-]{0,40}\.(?:pem|crt|cer|key|pub|csr|der|p12|pfx|jks|json|ya?ml|conf|cfg|ini|toml)"
)
_YAML_TAG = re.compile(rb"!!?[\w/:.\-]*[ \t]+")
_HEX_NUMBER = re.compile(rb"0x[0-9a-fA-F]+")
_FILLER = frozenset(b"*xX.-_#?")
HEADER_RULES = {
    "cookie": "cookie",
    "set-cookie": "cookie",
    "authorization": "authorization-header",
    "proxy-authorization": "authorization-header",
}
_HEADER_SECRET_WORDS = word_set(
    """
token key secret signature auth session credential credentials apikey csrf xsrf
"""
)

Masker = Callable[[str, bytes], bytes]


def _b64_token(value: bytes) -> bool:
    try:
        return contains_token(base64.b64decode(value + b"=" * (-len(value) % 4)))
    except ValueError:
        return False


def is_placeholder(value: bytes) -> bool:
    """Values that are not secrets: empty, booleans, templates, masks and tokens."""
    if len(value) < 3 or contains_token(value) or value[:1] in (b"=", b">", b"%"):
        return True
    if value.lower() in _PLACEHOLDERS or all(c in _FILLER for c in value):
        return True
    return value.startswith((b"${", b"{{", b"$(", b"<%", b"[["))


_CMDLET = re.compile(rb"[A-Z][a-z]+[A-Za-z]*-[A-Z][a-z]+[A-Za-z]*")


def is_command_name(value: bytes) -> bool:
    """A PowerShell cmdlet (``$password = ConvertTo-SecureString "..."``): a command, whose
    argument is the secret, never the secret itself."""
    return _CMDLET.fullmatch(value) is not None


def names_objects(value: bytes) -> bool:
    """``secrets: etcd-client-0,kubelet-client``: references to Secret objects, not values.

    Only hyphenated lower-case Kubernetes names count, so ``secret: hunter2`` is still masked.
    """
    prefix = _NAME_LIST.match(value)
    names = [n.strip() for n in (prefix.group(0) if prefix else b"").split(b",")]
    return any(names) and all(b"-" in n and _K8S_NAME.fullmatch(n) for n in names if n)


def strict_list_of_names(items: bytes) -> bool:
    """``[etcd-all-certs, etcd-peer-certs]``: Secret object names, not secret values."""
    names = [i.strip().strip(b"\"'") for i in items.split(b",")]
    return bool(names) and all(n and b"-" in n and _K8S_NAME.fullmatch(n) for n in names)


def is_file_path(value: bytes) -> bool:
    """``/etc/secrets/tls.key``, ``key.pem``: a path to a secret, not the secret itself."""
    if _FILE_NAME.fullmatch(value):
        return True
    if not _FILE_PATH.fullmatch(value) or value.count(b"/") < 2:
        return False
    upper = sum(1 for c in value if 65 <= c <= 90)
    return upper * 4 < len(value)


def _not_a_value(value: bytes) -> bool:
    """Object references and prose after ``secret:``/``token:`` (multi-line log messages)."""
    if names_objects(value):
        return True
    first, space, _ = value.partition(b" ")
    return bool(space) and not looks_secret(first)


def is_small_number(value: bytes) -> bool:
    """Counters and sizes (``"value": 1764``) next to a secret-looking name are not secrets."""
    return len(value) < 6 and value.isdigit()


def looks_secret(value: bytes) -> bool:
    """For ``key: value`` inside prose: only values that look like a credential count.

    Kubernetes object names (``localhost-recovery-client-token-0``) are not credentials.
    """
    if b"-" in value and _K8S_NAME.fullmatch(value) and re.search(rb"[a-z]", value):
        return False
    if _HEX_NUMBER.fullmatch(value):  # Go pointers and addresses in struct dumps: 0xc0006f8780
        return False
    has_digit = any(48 <= c <= 57 for c in value)
    mixed = value.lower() != value and value.upper() != value
    return (has_digit and len(value) >= 6) or (mixed and len(value) >= 16)


@dataclass(frozen=True)
class PairHit:
    """What a pair scan found: a continuation to follow, or a value pending on a later line."""

    rule: str
    block: bool  # True: a key with an empty value opened a block (INI/YAML)
    block_scalar: bool  # the block is a YAML literal/folded scalar (| or >)


class KeyClassifier:
    """Decides whether a key names a secret, and which rule it belongs to."""

    def __init__(self, key_rules: Sequence[KeyRule]) -> None:
        self._rules = list(key_rules)
        self._cache: dict[bytes, str | None] = {}
        self.strict = frozenset(r.name for r in self._rules if r.strict)

    def classify(self, key: bytes) -> str | None:
        """Rule name for a secret-holding key, or None."""
        if key in self._cache:
            return self._cache[key]
        # "spec.volumes.0.secret.items.0.key": only the last dotted segment names the value
        words = key_words(key.rsplit(b".", 1)[-1].decode("ascii", "replace"))
        found = None
        if words and words[0] != "existing":
            found = next((r.name for r in self._rules if r.matches(words)), None)
        if len(self._cache) < 100_000:
            self._cache[key] = found
        return found

    def classify_name(self, name: bytes) -> str | None:
        """Rule for the name of a name/value pair (env variable, HTTP header, cookie...)."""
        lower = name.decode("ascii", "replace").lower()
        if lower in HEADER_RULES:
            return HEADER_RULES[lower]
        if lower.startswith("x-") and set(lower[2:].split("-")) & _HEADER_SECRET_WORDS:
            return "token-header"
        return self.classify(name)


def _value_span(m: re.Match[bytes]) -> tuple[int, int, bool]:
    for group, quoted in (("pqv", True), ("dqv", True), ("sqv", True), ("uv", False)):
        if m.group(group) is not None:
            return m.start(group), m.end(group), quoted
    return -1, -1, False


def _line_rest(line: bytes, start: int) -> int:
    """End of an unquoted value that runs to the end of the line (minus comment and blanks)."""
    end = len(line)
    while end > start and line[end - 1] in b" \t\r\n":
        end -= 1
    for marker in (b" #", b"\t#"):
        cut = line.find(marker, start, end)
        if cut != -1:
            end = cut
    while end > start and line[end - 1] in b" \t":
        end -= 1
    return end


class PairScanner:
    """Masks secret values of key/value and name/value pairs on one line."""

    def __init__(self, classifier: KeyClassifier, mask: Masker) -> None:
        self.classifier = classifier
        self.mask = mask

    def key_values(self, line: bytes) -> tuple[bytes, PairHit | None]:
        """Mask every secret ``key <sep> value`` on a line; report a block opened at its end."""
        pieces: list[bytes] = []
        last = pos = 0
        hit: PairHit | None = None
        while (m := KV_RE.search(line, pos)) is not None:
            rule = self.classifier.classify(m.group("key"))
            if rule is None:
                pos = m.end("key")
                continue
            start, end, quoted = _value_span(m)
            pos = max(m.end(), m.end("key") + 1)
            strict = rule in self.classifier.strict
            at_start = _LINE_START.fullmatch(line, 0, m.start("key")) is not None
            if start < 0:
                if at_start and _BLOCK_REST.fullmatch(line, m.end()):
                    rest = line[m.end() :].strip()
                    hit = PairHit(rule, True, rest[:1] in (b"|", b">"))
                flow = _FLOW_LIST.match(line, m.end()) or _TUPLE.match(line, m.end())
                if flow is not None and not strict_list_of_names(flow.group(1)):
                    for item in _FLOW_ITEM.finditer(line, flow.start(1), flow.end(1)):
                        value = item.group(2)
                        if value and not is_placeholder(value) and not is_file_path(value):
                            pieces += [line[last : item.start(2)], self.mask(rule, value)]
                            last = item.end(2)
                    pos = max(pos, flow.end())
                fallback = self._template_default(line, m.end())
                if fallback is not None and fallback.start("lit") >= last:
                    pieces += [line[last : fallback.start("lit")], self.mask(rule, fallback["lit"])]
                    last = pos = fallback.end("lit")
                continue
            spaced = any(c in b" \t" for c in line[m.end("key") : start])
            if not quoted and at_start and not m.group("kq") and (m.group("sep") == b":" or spaced):
                end = max(end, _line_rest(line, start))
            tag = _YAML_TAG.match(line, start, end) if not quoted else None
            if tag is not None:  # "key: !!binary <value>": the tag stays, the value goes
                start = tag.end()
            value = line[start:end]
            binary = tag is not None and tag.group(0).strip() in (b"!!binary", b"!binary")
            if binary and _b64_token(value):
                continue  # already redacted: the base64 of a token
            colon = m.group("sep") == b":"
            # a command-line flag (--secrets=a-b,c-d) names objects as a "key:" line does
            flag = line[max(0, m.start("key") - 1) : m.start("key")] == b"-"
            if not strict and self._not_secret(
                rule, value, colon=colon or flag, prose=colon and not quoted and not at_start
            ):
                continue
            token = self.mask(rule, value)
            if binary:  # still valid base64, so the YAML still loads
                token = base64.b64encode(token)
            pieces += [line[last:start], token]
            last = pos = end
            if quoted and at_start and line[end : end + 1] in (b'"', b"'"):
                # SECRETS = 'a', 'b' (a tuple or list without brackets): every value goes
                more = _MORE_QUOTED.match(line, end + 1)
                while more is not None:
                    extra = more.group("v")
                    if not is_placeholder(extra):
                        pieces += [line[last : more.start("v")], self.mask(rule, extra)]
                        last = more.end("v")
                    pos = more.end()
                    more = _MORE_QUOTED.match(line, pos)
        if not pieces:
            return self._xml_elements(line), hit
        pieces.append(line[last:])
        return self._xml_elements(b"".join(pieces)), hit

    def flag_rule(self, flag: bytes) -> str | None:
        """The rule for a command-line flag's name (``--db-password``), or None."""
        return self.classifier.classify(flag.lstrip(b"-"))

    def flag_value(self, rule: str, value: bytes) -> bytes | None:
        """The token for the value given to a secret flag, or None when it is not a secret
        (another flag, a placeholder such as ``$(DB_PASSWORD)``, a file path)."""
        if not value or value[:1] == b"-" or contains_token(value):
            return None
        if rule not in self.classifier.strict and self._not_secret(
            rule, value, colon=True, prose=False
        ):
            return None
        return self.mask(rule, value)

    def flag_values(self, line: bytes) -> tuple[bytes, str | None]:
        """Flags and their values as separate list items (container ``args``, ``command``).

        ``["--db-password", "x"]`` on one line: the value is masked here. ``- --password`` as
        a YAML list item: the rule is returned, and the next item is the value.
        """
        item = FLAG_ITEM_RE.fullmatch(line)
        if item is not None:
            return line, self.flag_rule(item.group("key"))
        pieces: list[bytes] = []
        last = 0
        for m in FLAG_PAIR_RE.finditer(line):
            rule = self.flag_rule(m.group("key"))
            token = None if rule is None else self.flag_value(rule, m.group("value"))
            if token is not None:
                pieces += [line[last : m.start("value")], token]
                last = m.end("value")
        if not pieces:
            return line, None
        pieces.append(line[last:])
        return b"".join(pieces), None

    def _xml_elements(self, line: bytes) -> bytes:
        """Mask the text of one-line XML elements named like secrets (``<password>x</...>``)."""
        if b"</" not in line:
            return line

        def replace(m: re.Match[bytes]) -> bytes:
            rule = self.classifier.classify(m.group("tag").rsplit(b":", 1)[-1])
            value = m.group("value").strip()
            if rule is None or contains_token(value):
                return m.group(0)
            strict = rule in self.classifier.strict
            if not strict and self._not_secret(rule, value, colon=False, prose=False):
                return m.group(0)
            raw = m.group("value")
            start = m.start("value") + len(raw) - len(raw.lstrip())
            end = m.end("value") - (len(raw) - len(raw.rstrip()))
            offset = m.start()
            whole = m.group(0)
            return whole[: start - offset] + self.mask(rule, value) + whole[end - offset :]

        return XML_RE.sub(replace, line)

    @staticmethod
    def _template_default(line: bytes, at: int) -> re.Match[bytes] | None:
        """``{{ .Values.password | default "s3cret" }}`` after a secret key: the literal."""
        opening = _TEMPLATE_OPEN.match(line, at)
        if opening is None:
            return None
        close = line.find(b"}}", opening.end())
        if close < 0:
            return None
        found = _TEMPLATE_DEFAULT.search(line, opening.end(), close)
        return found if found is not None and not is_placeholder(found["lit"]) else None

    @staticmethod
    def _not_secret(rule: str, value: bytes, *, colon: bool, prose: bool) -> bool:
        if is_placeholder(value) or is_file_path(value) or is_command_name(value):
            return True
        if colon and rule in ("secret", "token") and _not_a_value(value):
            return True
        return prose and not looks_secret(value)

    def name_values(self, line: bytes) -> tuple[bytes, str | None]:
        """Mask values of secret-named pairs; return a rule if the value is on a later line."""
        pending: str | None = None
        if b"<" in line:
            line = self._xml_pairs(line)
        for m in NAME_RE.finditer(line):
            rule = self.classifier.classify_name(m.group("name"))
            if rule is None:
                continue
            line, found = self.value_after(line, m.end(), rule)
            pending = None if found else rule
        return line, pending

    def _xml_pairs(self, line: bytes) -> bytes:
        """``<add key="DbPassword" value="..."/>``: the value attribute of a secret name."""

        def replace(m: re.Match[bytes]) -> bytes:
            rule = self.classifier.classify_name(m.group("name").rsplit(b":", 1)[-1])
            value = m.group("value")
            if rule is None or is_placeholder(value) or is_file_path(value):
                return m.group(0)
            offset = m.start()
            whole = m.group(0)
            start, end = m.start("value") - offset, m.end("value") - offset
            return whole[:start] + self.mask(rule, value) + whole[end:]

        return XML_PAIR_RE.sub(replace, line)

    def value_after(self, line: bytes, pos: int, rule: str) -> tuple[bytes, bool]:
        """Mask the first ``value: ...`` at or after ``pos``; tell whether one was found."""
        v = VALUE_RE.search(line, pos)
        if v is None:
            return line, False
        start, end, quoted = _value_span(v)
        if not quoted and _LINE_START.fullmatch(line, 0, v.start()):
            end = max(end, _line_rest(line, start))
        value = line[start:end]
        if value.endswith(b",") and not quoted:
            end -= 1
            value = value[:-1]
        if is_placeholder(value) or is_small_number(value) or is_file_path(value):
            return line, True
        return line[:start] + self.mask(rule, value) + line[end:], True
