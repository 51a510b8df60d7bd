"""Optional pseudonyms for IPs, host names and e-mails; Kubernetes names always stay."""

from __future__ import annotations

from engage.diagnostics.redact import Redactor


def test_off_by_default(redactor: Redactor) -> None:
    text = "10.2.3.4 ops@acme.io db.acme.internal"
    assert redactor.redact_text(text) == text


def test_ips_hostnames_emails_consistent() -> None:
    r = Redactor(pseudonymize=frozenset({"ips", "hostnames", "emails"}), key=b"k")
    out = r.redact_text(
        "from 10.2.3.4 and 10.2.3.4 to fd00::1:2 mail ops@acme.io host db.acme.internal "
        "api rbac.authorization.k8s.io image quay.io/prometheus/prometheus:v2 at 127.0.0.1 "
        "svc kubecost-cost-analyzer.kubecost.svc.cluster.local version 1.2.3.4.5 time 17:58:33"
    )
    assert "10.2.3.4" not in out and "fd00::1:2" not in out
    assert "ops@acme.io" not in out and "db.acme.internal" not in out
    assert out.count(out.split("from ")[1].split(" ")[0]) == 2
    for kept in (
        "rbac.authorization.k8s.io",
        "quay.io/prometheus",
        "127.0.0.1",
        "kubecost-cost-analyzer.kubecost.svc.cluster.local",
        "1.2.3.4.5",
        "17:58:33",
    ):
        assert kept in out


def test_only_the_requested_kinds() -> None:
    out = Redactor(pseudonymize=frozenset({"emails"}), key=b"k").redact_text("10.2.3.4 a@b.io")
    assert out.startswith("10.2.3.4 «redacted:email:")
