"""Everywhere a secret hides: JSON escapes, PEM variants, YAML nesting, URLs, free text."""

from __future__ import annotations

import base64
import io
import json
import secrets
import string

import pytest
import yaml

from engage.diagnostics.redact import Redactor

ALNUM = string.ascii_letters + string.digits


def _rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _key_body(lines: int = 6) -> list[str]:
    return [_rand(64, ALNUM + "+/") for _ in range(lines)]


def _stream(redactor: Redactor, data: bytes, name: str) -> bytes:
    out = io.BytesIO()
    redactor.redact_stream(io.BytesIO(data), out, name=name)
    return out.getvalue()


def test_gcp_service_account_json_loses_whole_key_and_stays_json(redactor: Redactor) -> None:
    body = _key_body(18)
    pem = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END PRIVATE KEY-----\n"
    doc = {"type": "service_account", "private_key_id": _rand(40), "private_key": pem}
    out = _stream(redactor, json.dumps(doc, indent=2).encode(), "sa.json")
    parsed = json.loads(out)
    assert all(line.encode() not in out for line in body)
    assert parsed["private_key_id"] != doc["private_key_id"]


@pytest.mark.parametrize("dashes", [4, 5, 6])
def test_pem_with_any_dash_count_escaped_on_one_line(redactor: Redactor, dashes: int) -> None:
    body = _key_body(3)
    d = "-" * dashes
    text = f"{d}BEGIN RSA PRIVATE KEY{d}\\n" + "\\n".join(body) + f"\\n{d}END RSA PRIVATE KEY{d}"
    out = redactor.redact_text(f'{{"log": "{text}"}}')
    assert all(line not in out for line in body)


def test_json_value_with_escapes_is_one_value(redactor: Redactor) -> None:
    secret = _rand(12) + '\\"' + _rand(10)
    out = redactor.redact_text(f'{{"password": "{secret}", "user": "bob"}}')
    assert secret not in out and secret.split('\\"')[1] not in out
    assert json.loads(out)["user"] == "bob"


def test_json_inside_a_string_value_is_walked(redactor: Redactor) -> None:
    token = _rand(30)
    inner = json.dumps({"auth": {"clientSecret": token}})
    out = _stream(redactor, json.dumps({"config": inner}).encode(), "cm.json")
    assert token.encode() not in out
    assert json.loads(json.loads(out)["config"])["auth"]["clientSecret"].startswith("«redacted:")


def test_yaml_password_on_nested_lines(redactor: Redactor) -> None:
    secret = _rand(20)
    text = f"db:\n  password:\n    secure: {secret}\n  host: db.local\n"
    out = redactor.redact_text(text)
    assert secret not in out and "host: db.local" in out
    assert yaml.safe_load(out)["db"]["password"]["secure"].startswith("«redacted:")


def test_kubernetes_secret_volume_is_not_nested_secret(redactor: Redactor) -> None:
    text = "volumes:\n- name: certs\n  secret:\n    secretName: etcd-client\n    optional: true\n"
    assert redactor.redact_text(text) == text


def test_yaml_binary_stays_valid_base64(redactor: Redactor) -> None:
    value = base64.b64encode(secrets.token_bytes(24)).decode()
    for data in (
        f"secret_blob: !!binary {value}\nname: x\n".encode(),
        f"kind: Secret\napiVersion: v1\nsecret_blob: !!binary {value}\n".encode(),
    ):
        out = _stream(redactor, data, "values.yaml")
        loaded = yaml.safe_load(out)
        assert value.encode() not in out
        assert isinstance(loaded["secret_blob"], bytes)
        assert b"redacted:" in loaded["secret_blob"]


@pytest.mark.parametrize(
    "template",
    [
        "https://{u}:x-oauth-basic@github.com/acme/repo.git",
        "git+https://{u}@github.com/acme/repo.git#v1",
        "https://{u}:@gitlab.example.com/x",
    ],
)
def test_token_in_the_user_slot_of_a_url(redactor: Redactor, template: str) -> None:
    user = _rand(40, string.ascii_lowercase + string.digits)
    out = redactor.redact_text(template.format(u=user))
    assert user not in out
    assert template.split("@", 1)[1] in out


@pytest.mark.parametrize("password", ["p@ss:w0rd-x", "a@b@c9d", "m42p!x@2wd"])
def test_password_with_at_and_colon_in_a_url(redactor: Redactor, password: str) -> None:
    out = redactor.redact_text(f"dsn=postgresql://app:{password}@db.example.com:5432/prod end")
    assert password not in out
    assert "@db.example.com:5432/prod end" in out


@pytest.mark.parametrize(
    "phrase",
    [
        "kube client using bearer token {v}",
        "Authorization: Bearer {v}",
        "retrying with token {v} now",
        "the password is {v}.",
        "api key {v}",
    ],
)
def test_credentials_in_free_text(redactor: Redactor, phrase: str) -> None:
    value = _rand(8) + "9" + _rand(15)
    assert value not in redactor.redact_text(phrase.format(v=value))


def test_free_text_keeps_ordinary_words(redactor: Redactor) -> None:
    text = "token refresh failed; secret kube-system/bootstrap-token-abcdef not found"
    assert redactor.redact_text(text) == text


def test_github_app_installation_token_with_jwt(redactor: Redactor) -> None:
    jwt = "eyJ" + _rand(20) + ".eyJ" + _rand(40) + "." + _rand(43)
    token = f"ghs_{_rand(6)}_{jwt}"
    out = redactor.redact_text(f"GITHUB_TOKEN={token} x-access-token:{token}")
    assert jwt.split(".")[2] not in out


@pytest.mark.parametrize("prefix", ["hvs.", "hvb.", "hvr."])
def test_vault_tokens_on_their_own(redactor: Redactor, prefix: str) -> None:
    token = prefix + _rand(24) + _rand(70, ALNUM + "_-")
    out = redactor.redact_text(f"vault login {token}\n")
    assert token not in out


@pytest.mark.parametrize("prefix", ["shpat_", "gsk_", "vck_", "acme_live_"])
def test_vendor_prefixed_tokens_of_unknown_vendors(redactor: Redactor, prefix: str) -> None:
    token = prefix + "aB3" + _rand(33)
    assert token not in redactor.redact_text(f"export TOKEN_X {token}")


def test_prefixed_identifiers_stay(redactor: Redactor) -> None:
    text = "metric kube_pod_container_status_restarts_total sha256_" + "a" * 64
    assert redactor.redact_text(text) == text


def test_secrets_in_json_log_lines_lose_their_data(redactor: Redactor) -> None:
    """Audit logs and 'applied' messages carry whole Secret objects on one line: their data
    goes whatever the keys are called, and the rest of the line stays as written."""
    value = base64.b64encode(b"Pl41n-Data-v4lue-xyz").decode()
    audit = {
        "kind": "Event",
        "verb": "create",
        "requestObject": {"kind": "Secret", "metadata": {"name": "app"}, "data": {"config": value}},
    }
    compact = json.dumps(audit, separators=(",", ":"))
    docker = json.dumps({"log": json.dumps({"kind": "Secret", "data": {"blob": value}}) + "\n"})
    text = f"{compact}\n2024 INFO applied {json.dumps(audit)} ok\n{docker}\nkind: Secret\n"
    out = redactor.redact_text(text)
    assert value not in out
    lines = out.splitlines()
    assert json.loads(lines[0])["requestObject"]["data"]["config"].startswith("«redacted:")
    assert '"verb":"create"' in lines[0]  # compact stays compact
    assert lines[1].startswith('2024 INFO applied {"kind": "Event", "verb": "create"')
    assert lines[1].endswith("} ok") and lines[3] == "kind: Secret"
    assert json.loads(json.loads(lines[2])["log"])["data"]["blob"].startswith("«redacted:")
