"""Network identities: every written form of one entity gets one token; k8s strings stay."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engage.diagnostics.redact import Redactor, RulesError

TOKEN = re.compile(r"«redacted:([a-z0-9-]+):([0-9a-f]{6})»")


@pytest.fixture
def everything() -> Redactor:
    return Redactor(pseudonymize=frozenset({"all"}), key=b"k", domains=("acme.corp",))


def _tokens(text: str) -> list[tuple[str, str]]:
    return TOKEN.findall(text)


@pytest.mark.parametrize(
    "text",
    [
        "peer 10.0.187.218:6443 down",
        "listen ::ffff:10.0.187.218 ok",
        "node ip-10-0-187-218.ec2.internal ready",
        "pod router-10-0-187-218-x restarted",
        '{"hostIP":"10.0.187.218"}',
        # shell variables made from node names (etcd's pod script in a held-out AWS
        # must-gather of must-gather-clean: 3 addresses, 909 occurrences were left)
        'test "${NODE_ip_10_0_187_218_ec2_internal_IP}" != "${NODE_IP}"',
    ],
)
def test_every_ipv4_form_gets_the_dotted_forms_token(everything: Redactor, text: str) -> None:
    dotted = everything.redact_text("10.0.187.218")
    out = everything.redact_text(text)
    assert "187" not in out
    assert dotted in out


def test_ipv6_and_macs(everything: Redactor) -> None:
    out = everything.redact_text("fe80::1ff:fe23:4567:890a B4:96:91:70:19:98 b4-96-91-70-19-98")
    kinds = [k for k, _ in _tokens(out)]
    assert kinds == ["ip", "mac", "mac"]
    assert len({d for _, d in _tokens(out)[1:]}) == 1  # one MAC, two spellings, one token


@pytest.mark.parametrize(
    "kept",
    [
        "image quay.io/openshift/origin-cli:4.8.0 sha256:" + "ab" * 32,
        "container_cpu_usage_seconds_total{pod='x'} 17:58:33 v1.2.3.4",
        "apiVersion: rbac.authorization.k8s.io/v1 oid 1.3.6.1.4.1.311",
        "svc kube-dns.kube-system.svc.cluster.local 127.0.0.1 0.0.0.0",
        "uid 203db13e-70c7-462b-9a3d-bf32640cb0be node: true",
        "release v1_2_3_4 and bucket_300_1_2_3 and x_1_2_3_4_5",
    ],
)
def test_kubernetes_strings_stay(everything: Redactor, kept: str) -> None:
    assert everything.redact_text(kept) == kept


def test_node_names_and_cluster_domains(everything: Redactor) -> None:
    out = everything.redact_text(
        "nodeName: ci-ln-k7vx6h2-002ac-w7gjh-master-0\n"
        "server: https://api-int.ci-ln-x.ci.azure.devcluster.openshift.com:6443\n"
        "db.acme.corp mail ops@acme.io api.openshift.com\n"
    )
    assert "w7gjh" not in out and "devcluster" not in out and "acme.corp" not in out
    assert "ops@acme.io" not in out
    assert "api.openshift.com" in out  # a public endpoint, not the cluster's own


def test_off_unless_asked_and_bad_kinds_refused() -> None:
    text = "10.2.3.4 B4:96:91:70:19:98 nodeName: worker-1"
    assert Redactor(key=b"k").redact_text(text) == text
    assert (
        Redactor(pseudonymize=frozenset({"macs"}), key=b"k")
        .redact_text(text)
        .startswith("10.2.3.4 «redacted:mac:")
    )
    with pytest.raises(RulesError, match="unknown pseudonym kind"):
        Redactor(pseudonymize=frozenset({"ipz"}))


def test_mac_right_after_a_colon_label(everything: Redactor) -> None:
    out = everything.redact_text("{Name:eno1 MacAddress:b4:96:91:70:19:98 Speed:10000}")
    assert "b4:96" not in out and "MacAddress:«redacted:mac:" in out


# lines as they stand in the Azure must-gather of the shared corpus (k8s-logs/SOURCES.md)
AZURE_LINES = [
    "      id: /subscriptions/d38f1e38-4bed-438e-b227-833f997adf6a/resourceGroups/os4-common/"
    "providers/Microsoft.Network/dnszones/example.org\n",
    "          baseDomainResourceGroupName: os4-common\n",
    '{"dnsZone":{"id":"/subscriptions/d38f1e38-4bed-438e-b227-833f997adf6a/resourceGroups/'
    'ci-ln-k7vx6h2-002ac-w7gjh-rg/providers/Microsoft.Network/privateDnsZones/x"}}\n',
]


def test_azure_subscriptions_and_resource_groups_get_tokens() -> None:
    accounts = Redactor(pseudonymize=frozenset({"accounts"}), key=b"k")
    out = "".join(accounts.redact_text(line) for line in AZURE_LINES)
    for original in ("d38f1e38-4bed-438e-b227-833f997adf6a", "os4-common", "w7gjh-rg"):
        assert original not in out, original
    rules = {rule for rule, _ in _tokens(out)}
    assert rules == {"azure-subscription", "azure-resource-group", "azure-resource"}
    assert "/providers/Microsoft.Network/dnszones/«redacted:azure-resource:" in out
    assert "example.org" not in out  # the zone named in the id
    # one resource group, one token, in the id and in the field
    groups = re.findall(r"«redacted:azure-resource-group:([0-9a-f]{6})»", out)
    assert groups[0] == groups[1]


def test_aws_account_ids_in_arns_and_fields() -> None:
    accounts = Redactor(pseudonymize=frozenset({"accounts"}), key=b"k")
    out = accounts.redact_text(
        "role arn:aws:iam::123456789012:role/kubecost-s3 assumed; accountId: 123456789012\n"
        "bucket arn:aws:s3:::kubecost-cur and build 9876543210987\n"
    )
    assert "123456789012" not in out
    assert "arn:aws:s3:::kubecost-cur" in out and "9876543210987" in out
    assert len(set(_tokens(out))) == 1


def test_accounts_stay_without_the_option() -> None:
    out = Redactor(key=b"k").redact_text(AZURE_LINES[0])
    assert "os4-common" in out and "d38f1e38-4bed-438e-b227-833f997adf6a" in out


def test_kept_domains_do_not_flag_lines_but_hosts_beside_them_still_go(
    everything: Redactor,
) -> None:
    compiled = everything._lines.compiled
    host = next(i for i, r in enumerate(compiled.pattern_rules) if r.name == "hostname")
    kept = b"  node-role.kubernetes.io/master: ''\n  image: quay.io/openshift/x\n"
    assert all(owner != host for _, owner in compiled.scan(kept))
    assert everything.redact_text(kept.decode()) == kept.decode()
    mixed = "see db.acme.io and rbac.authorization.k8s.io and xkubernetes.io\n"
    out = everything.redact_text(mixed)
    assert "db.acme.io" not in out and "xkubernetes.io" not in out
    assert "rbac.authorization.k8s.io" in out


def test_every_resource_name_in_a_nested_azure_id_goes_types_stay() -> None:
    accounts = Redactor(pseudonymize=frozenset({"accounts"}), key=b"k")
    line = (
        "id: /subscriptions/64f0619f-ebc2-4156-9d91-c4c781de7e54/resourceGroups/rg-1/providers/"
        "Microsoft.Network/virtualNetworks/customer-vnet/subnets/customer-subnet-1/providers/"
        "Microsoft.Authorization/roleAssignments/0e670519-7c31-5ad8-ab3b-a5e09973a9fd\n"
    )
    out = accounts.redact_text(line)
    for name in ("customer-vnet", "customer-subnet-1", "0e670519-7c31"):
        assert name not in out, name
    for kept in (
        "/providers/Microsoft.Network/virtualNetworks/",
        "/subnets/",
        "/providers/Microsoft.Authorization/roleAssignments/",
    ):
        assert kept in out, kept
    assert [rule for rule, _ in _tokens(out)].count("azure-resource") == 3


def test_azure_operation_numbers_reach_their_other_fields(tmp_path: Path) -> None:
    """A deployment operation's number is in its id and in ``operationId``: both go."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "ops.yaml").write_text(
        "- id: /subscriptions/64f0619f-ebc2-4156-9d91-c4c781de7e54/resourceGroups/rg-1/providers/"
        "Microsoft.Resources/deployments/node-pool/operations/08584453795354504228\n"
        '  operationId: "08584453795354504228"\n'
        "  duration: 1234567\n"
    )
    Redactor(pseudonymize=frozenset({"accounts"}), key=b"k").redact_path(src, tmp_path / "out")
    out = (tmp_path / "out" / "ops.yaml").read_text()
    assert "08584453795354504228" not in out and "node-pool" not in out
    assert "duration: 1234567" in out  # short numbers are counts, not ids
