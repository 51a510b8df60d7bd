"""Known-value propagation over a run, and the worker pool giving the same output."""

from __future__ import annotations

import base64
import json
import secrets
import string
import tarfile
from pathlib import Path
from urllib.parse import quote

import pytest

from engage.diagnostics.redact import Redactor

ALNUM = string.ascii_letters + string.digits


def _rand(n: int) -> str:
    return "Aa1" + "".join(secrets.choice(ALNUM) for _ in range(n - 3))


def _tree(root: Path, secret: str, cookie: str) -> None:
    (root / "a").mkdir(parents=True)
    # found late (file z), echoed early (file a), in several encodings
    (root / "a" / "early.log").write_text(
        f"connecting with {secret} ok\nurl /cb?x={quote(secret + '/+')}\n"
        f"b64 {base64.b64encode(secret.encode()).decode()}\n"
    )
    (root / "z.env").write_text(f"DB_PASSWORD={secret}\n")
    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": "t", "version": "1"},
            "entries": [
                {
                    "request": {
                        "method": "GET",
                        "url": f"https://x.example/app?theme=dark&t={cookie}",
                        "headers": [{"name": "Cookie", "value": f"sid={cookie}"}],
                        "cookies": [],
                        "queryString": [],
                    },
                    "response": {
                        "status": 200,
                        "headers": [],
                        "cookies": [],
                        "content": {"text": f"var s = '{cookie}';", "mimeType": "text/js"},
                        "redirectURL": "",
                    },
                    "timings": {"wait": 1},
                }
            ],
        }
    }
    (root / "m.har").write_text(json.dumps(har))
    secret_obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db"},
        "data": {"password": base64.b64encode(f"{secret}x9Q".encode()).decode()},
    }
    (root / "secret.json").write_text(json.dumps(secret_obj))
    (root / "pod.yaml").write_text(f"env:\n- name: X\n  value: {secret}x9Q\n")


@pytest.mark.parametrize("workers", [1, 2])
def test_every_echo_of_a_known_value_goes(tmp_path: Path, workers: int) -> None:
    secret, cookie = _rand(20), _rand(32)
    _tree(tmp_path / "in", secret, cookie)
    redactor = Redactor(key=b"k", workers=workers)
    report = redactor.redact_path(tmp_path / "in", tmp_path / "out")
    blob = b"".join(p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file())
    for left in (secret, quote(secret + "/+"), base64.b64encode(secret.encode()).decode(), cookie):
        assert left.encode() not in blob, left
    assert f"{secret}x9Q".encode() not in blob  # a Secret's decoded data, echoed in a pod
    har = json.loads((tmp_path / "out" / "m.har").read_text())  # still valid JSON
    assert har["log"]["entries"][0]["request"]["url"].startswith("https://x.example/app?theme=")
    assert report.counts_by_rule["known-value"] >= 4
    token = next(t for t, v in redactor.mapping.items() if v == secret)
    assert token.encode() in (tmp_path / "out" / "a" / "early.log").read_bytes()


def test_pool_and_single_process_write_the_same(tmp_path: Path) -> None:
    secret, cookie = _rand(20), _rand(32)
    _tree(tmp_path / "in", secret, cookie)
    for i in range(30):
        (tmp_path / "in" / f"f{i}.log").write_text(f"line {i} token={_rand(24)}\n" * 5)
    outs, reports = [], []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        report = Redactor(key=b"same", workers=workers).redact_path(tmp_path / "in", out)
        outs.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
        reports.append(report.to_dict())
    assert outs[0] == outs[1]
    assert reports[0] == reports[1]  # the known-value pass counts the same in the pool
    assert reports[0]["counts_by_rule"]["known-value"] > 0


def test_propagation_reaches_inside_tarballs(tmp_path: Path) -> None:
    secret = _rand(24)
    src = tmp_path / "b.tar.gz"
    with tarfile.open(src, "w:gz") as tar:
        for name, text in (("a.log", f"echo {secret}\n"), ("b.env", f"API_KEY={secret}\n")):
            path = tmp_path / name
            path.write_text(text)
            tar.add(path, arcname=name)
    Redactor(key=b"k").redact_path(src, tmp_path / "o.tar.gz")
    with tarfile.open(tmp_path / "o.tar.gz") as tar:
        data = b"".join(tar.extractfile(m).read() for m in tar.getmembers())  # type: ignore[union-attr]
    assert secret.encode() not in data


def test_words_found_by_mistake_are_not_spread(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.yaml").write_text("token:\n  secure: information\n")
    (tmp_path / "in" / "b.txt").write_text("more information here\n")
    Redactor(key=b"k").redact_path(tmp_path / "in", tmp_path / "out")
    assert (tmp_path / "out" / "b.txt").read_text() == "more information here\n"


@pytest.mark.parametrize("workers", [1, 2])
def test_folder_layout_and_byte_counts_match_the_output(tmp_path: Path, workers: int) -> None:
    secret = _rand(24)
    src = tmp_path / "in"
    (src / "empty" / "deeper").mkdir(parents=True)  # no file needs them: still made
    (src / "a" / "b").mkdir(parents=True)
    (src / "a" / "b" / "x.log").write_text(f"token={secret}\n")
    (src / "a" / "y.log").write_text(f"echo {secret}\n" * 3)  # grows in the known-value pass
    (src / "a" / "link").symlink_to("y.log")
    out = tmp_path / "out"
    report = Redactor(key=b"k", workers=workers).redact_path(src, out)
    assert (out / "empty" / "deeper").is_dir()
    assert (out / "a" / "link").is_symlink()
    files = [p for p in out.rglob("*") if p.is_file() and not p.is_symlink()]
    assert report.bytes_out == sum(p.stat().st_size for p in files)
    assert report.bytes_in == sum(
        p.stat().st_size for p in src.rglob("*") if p.is_file() and not p.is_symlink()
    )
    assert secret.encode() not in b"".join(p.read_bytes() for p in files)
