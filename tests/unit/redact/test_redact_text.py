"""Streaming text redaction: block boundaries, multi-line states, long lines, bad bytes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from engage.diagnostics.redact import Redactor
from engage.diagnostics.redact.textstream import TextStreamRedactor

KEY_LINE = "MIIEpAIBAAKCAQEAofK8b+E05flh5fDQ5N0UebH3U0iSP5QtV6YYJtikwCALKq0Y"


def _stream(redactor: Redactor, data: bytes, name: str = "x.log", **sizes: int) -> bytes:
    if sizes:
        for text in (redactor._text, redactor._log_text):
            text.block_size = sizes.get("block_size", text.block_size)
            text.max_line = sizes.get("max_line", text.max_line)
    out = io.BytesIO()
    redactor.redact_stream(io.BytesIO(data), out, name=name)
    return out.getvalue()


def _log(lines: int) -> bytes:
    rows = []
    for i in range(lines):
        rows.append(f"2024-05-01T00:00:{i % 60:02d}Z INF step {i} done")
        if i % 37 == 5:
            rows.append(f"2024-05-01T00:00:00Z DBG retry password=Secr3t-{i:04d}")
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize("block_size", [64, 333, 4096, 1 << 20])
def test_block_size_does_not_change_output(redactor: Redactor, block_size: int) -> None:
    data = _log(400)
    expected = _stream(Redactor(key=b"k"), data)
    assert _stream(Redactor(key=b"k"), data, block_size=block_size, max_line=1024) == expected
    assert b"Secr3t-" not in expected
    assert expected.count(b"\n") == data.count(b"\n")


def test_unchanged_text_is_byte_identical(redactor: Redactor) -> None:
    data = b"".join(f"line {i} ok\r\n".encode() for i in range(1000)) + b"no newline at end"
    assert _stream(redactor, data) == data


def test_pem_body_split_across_blocks(redactor: Redactor) -> None:
    body = "\n".join([KEY_LINE] * 30)
    data = f"a\n-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\nz\n"
    out = _stream(redactor, data.encode(), block_size=128, max_line=1024)
    assert KEY_LINE.encode() not in out
    assert out.count(b"\n") == data.count("\n")
    assert out.endswith(b"-----END RSA PRIVATE KEY-----\nz\n")


def test_long_line_is_windowed_and_reported(redactor: Redactor) -> None:
    filler = b"x" * 3000 + b" "
    data = filler * 10 + b"password=Hunter2-x9 " + filler * 10 + b"\nnext line\n"
    out = _stream(redactor, data, block_size=1024, max_line=2048)
    assert b"Hunter2-x9" not in out
    assert out.endswith(b"\nnext line\n")
    assert any("longer than" in p.message for p in redactor.report.problems)


def test_invalid_utf8_is_redacted_and_noted(redactor: Redactor) -> None:
    data = b"caf\xe9 \xff\xfe token=abc123def\n"
    out = _stream(redactor, data)
    assert b"abc123def" not in out and out.startswith(b"caf\xe9 \xff\xfe")
    assert any("invalid UTF-8" in p.message for p in redactor.report.problems)


def test_ini_continuation_and_yaml_block_scalar(redactor: Redactor) -> None:
    text = (
        "[s]\nsecrets_for_no_one_to_find =\n    hunter2\n    password123\nother = 1\n"
        "db:\n  password: |\n    line-one-s3cret\n    line-two-s3cret\n  user: admin\n"
    )
    out = redactor.redact_text(text)
    for secret in ("hunter2", "password123", "line-one-s3cret", "line-two-s3cret"):
        assert secret not in out
    assert "other = 1" in out and "user: admin" in out
    assert out.count("\n") == text.count("\n")


def test_env_name_value_on_following_line(redactor: Redactor) -> None:
    text = (
        "env:\n- name: DB_PASSWORD\n  value: hunter2-s3cret\n- name: LOG_LEVEL\n  value: debug\n"
        '{"name": "Cookie",\n "value": "session=abc123xyz"}\n'
    )
    out = redactor.redact_text(text)
    assert "hunter2-s3cret" not in out and "abc123xyz" not in out
    assert "value: debug" in out


def test_escaped_json_in_log_line(redactor: Redactor) -> None:
    line = r'{"log":"{\"client_secret\":\"0a9b8c7d6e5f\",\"user\":\"bob\"}\n","stream":"stdout"}'
    out = redactor.redact_text(line)
    assert "0a9b8c7d6e5f" not in out and r"\"user\":\"bob\"" in out


def test_redact_bytes_matches_stream(redactor: Redactor) -> None:
    data = _log(50)
    text: TextStreamRedactor = redactor._log_text
    from engage.diagnostics.redact.report import RedactionReport

    counter = RedactionReport().counter("x")
    assert text.redact_bytes(data, counter) == _stream(Redactor(key=b"unit-test-key"), data)


def test_a_long_single_line_document_is_redacted_around_each_hit() -> None:
    # one 300 KB JSON line (a managedFields dump, a HAR body): the rules run in windows around
    # the hits, so secrets and identities far apart on the line all go
    everything = Redactor(pseudonymize=frozenset({"all"}), key=b"k")
    parts = []
    for i in range(40):
        parts.append(f'"f{i}":"{"y" * 7000}"')
        parts.append(f'"password":"Hunter2-x9-{i}","hostIP":"10.0.{i}.7"')
    line = "{" + ",".join(parts) + "}"
    out = everything.redact_text(line + "\n")
    assert "Hunter2" not in out and "10.0." not in out
    assert out.count("«redacted:ip:") == 40
    assert out.endswith("}\n") and out.count("\n") == 1


@pytest.mark.parametrize(
    "line",
    [
        # the secret word far from the separator (the trigger used to look 24 characters on)
        "database_password_for_primary_replica_cluster: S3cr3t-v4lue-123\n",
        '{"secretName": "db", "database_password_for_primary_replica_cluster": "S3cr3t-v4lue-123"}\n',
        # a key the pair check skips ("secretName") beside one it must not skip
        "secretName: db password_for_the_primary_database_of_kubecost=S3cr3t-v4lue-123\n",
        'volumes: [{"secret": {"secretName": "db"}}] env DB_PASSWORD=S3cr3t-v4lue-123\n',
        # an earlier rule changes the line first: the pair offsets no longer hold
        "ghp_" + "A1b2C3d4" * 4 + "E5f6 secretName: dbcreds and more, password=S3cr3t-v4lue-123\n",
    ],
)
def test_secret_keys_beside_keys_that_only_look_secret(redactor: Redactor, line: str) -> None:
    assert "S3cr3t-v4lue-123" not in redactor.redact_text(line)


def test_keys_that_only_look_secret_are_left_alone(redactor: Redactor) -> None:
    line = 'secretName: db-creds tokenFile: /var/run/token {"secretRef": {"name": "x"}}\n'
    assert redactor.redact_text(line) == line


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("/usr/bin/exporter --db-password=Kq8miz9eGh5f --listen :9100\n", "Kq8miz9eGh5f"),
        ('FLAG: --storage-driver-password="root"\n', '"root"'),
        ("java -Djavax.net.ssl.keyStorePassword=Ch4ng3d-it -jar app.jar\n", "Ch4ng3d-it"),
        ("<config><password>nZHZ5oofTXLF</password><user>kc</user></config>\n", "nZHZ5oofTXLF"),
        ('<s:clientSecret id="1"> Xk9-secret-77 </s:clientSecret>\n', "Xk9-secret-77"),
    ],
)
def test_command_line_flags_and_xml_elements(redactor: Redactor, line: str, secret: str) -> None:
    assert secret not in redactor.redact_text(line)


@pytest.mark.parametrize(
    "line",
    [
        "      - --secrets=etcd-all-certs,etcd-peer-certs\n",  # Secret object names
        'FLAG: --docker-tls-key="key.pem"\n',  # a file name
        '<input type="password" name="pw"><passwordPolicy>strict</passwordPolicy>\n',
        "<token></token> <key>${KEY}</key>\n",
    ],
)
def test_flags_and_elements_that_hold_no_secret_stay(redactor: Redactor, line: str) -> None:
    assert redactor.redact_text(line) == line


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        (
            "> Cookie: session=3KSudSYDtmpA; csrftoken=Zx81hhQ0aa\n"
            "< Set-Cookie: sid=2y1TMlay4aY4; Path=/; HttpOnly\n",
            ["3KSudSYDtmpA", "Zx81hhQ0aa", "2y1TMlay4aY4"],
        ),
        ("root 1 mysql -uroot -pFSTOjlWfTveFn0 -h db kubecost\n", ["FSTOjlWfTveFn0"]),
        (
            "redis-cli -h redis -a Rd1s-p4ss ping\nsshpass -p Ssh-p4ss ssh kc@host\n",
            ["Rd1s-p4ss", "Ssh-p4ss"],
        ),
    ],
)
def test_cookie_headers_and_tool_passwords_in_text(
    redactor: Redactor, text: str, secrets: list[str]
) -> None:
    out = redactor.redact_text(text)
    for secret in secrets:
        assert secret not in out, secret
    assert "Path=/; HttpOnly" in out or "Set-Cookie" not in text


def test_pgpass_lines_in_a_config_file(redactor: Redactor, tmp_path: Path) -> None:
    src = tmp_path / "pgpass.conf"
    src.write_text("db.internal:5432:kubecost:kc:CEx9i8J2kFsn\n*:*:*:ro:R0-pass\nh:1:d:ro:ro\n")
    redactor.redact_path(src, tmp_path / "out.conf")
    out = (tmp_path / "out.conf").read_text()
    assert "CEx9i8J2kFsn" not in out and "R0-pass" not in out
    assert out.startswith("db.internal:5432:kubecost:kc:")
    assert "\nh:1:d:ro:«redacted:pgpass:" in out  # the fifth field, even when it repeats one


def test_cookie_and_tool_words_alone_change_nothing(redactor: Redactor) -> None:
    text = "cookie_secret_file: /etc/proxy/cookie\nmysql -h db -u kc kubecost\nredis-cli ping\n"
    assert redactor.redact_text(text) == text


def test_alert_webhook_urls_go_whole(redactor: Redactor) -> None:
    text = (
        "      globalMsTeamsWebhookUrl: https://acme.webhook.office.com/webhookb2/0eYOweu1evrz\n"
        '{"slackWebhookUrl": "https://hooks.slack.com/services/T000/B000/XyZ123abc"}\n'
    )
    out = redactor.redact_text(text)
    assert "0eYOweu1evrz" not in out and "XyZ123abc" not in out
    assert "globalMsTeamsWebhookUrl: «redacted:webhook-url:" in out


def test_the_product_key_file_is_one_secret(redactor: Redactor, tmp_path: Path) -> None:
    """Kubecost mounts its product key as /var/configs/productkey, the key alone."""
    src = tmp_path / "configs"
    src.mkdir()
    (src / "productkey").write_text("ADEWkzR0xzvsuGiNlpehF71ITIAX0Xcd\n")
    (src / "notes.txt").write_text("productkey rotated\n")
    redactor.redact_path(src, tmp_path / "out")
    out = (tmp_path / "out" / "productkey").read_text()
    assert out.startswith("«redacted:kubecost-product-key:") and out.endswith("»\n")
    assert (tmp_path / "out" / "notes.txt").read_text() == "productkey rotated\n"


def test_a_list_under_a_secret_key_stays_a_list(redactor: Redactor) -> None:
    import yaml

    text = "tokens:\n  - Tkn-1z2x3c4v5b\n  - Tkn-9a8s7d6f5g\nother: 1\n"
    doc = yaml.safe_load(redactor.redact_text(text))
    assert len(doc["tokens"]) == 2 and all("«redacted:token:" in t for t in doc["tokens"])
    assert doc["other"] == 1


def test_flow_lists_under_secret_keys(redactor: Redactor) -> None:
    import yaml

    text = (
        'tokens: [Tkn-1z2x3c4v5b, "Tkn-9a8s7d6f5g"]\n'
        "secrets: [etcd-all-certs, etcd-peer-certs]\n"
        'passwords: ["${A}", "{{ .B }}"]\n'
    )
    out = redactor.redact_text(text)
    doc = yaml.safe_load(out)
    assert all(t.startswith("«redacted:token:") for t in doc["tokens"])
    assert doc["secrets"] == ["etcd-all-certs", "etcd-peer-certs"]
    assert doc["passwords"] == ["${A}", "{{ .B }}"]


def test_a_templates_literal_default_is_a_value(redactor: Redactor) -> None:
    text = (
        'password: {{ .Values.password | default "Tpl-7h6g5f4d3s" }}\n'
        "token: {{ .Values.token }}\n"
        'apiKey: "{{ .Values.k | default (randAlphaNum 32) }}"\n'
    )
    out = redactor.redact_text(text)
    assert "Tpl-7h6g5f4d3s" not in out
    assert 'password: {{ .Values.password | default "«redacted:password:' in out
    assert out.splitlines()[1:] == text.splitlines()[1:]
