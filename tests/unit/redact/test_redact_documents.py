"""Structured redaction of Kubernetes objects, Helm values and Kubecost configs."""

from __future__ import annotations

import base64
import json
from typing import Any

import yaml

from engage.diagnostics.redact import Redactor, parse_rules

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _secret() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "cloud", "annotations": {LAST_APPLIED: '{"data":{"k":"czNjcjN0"}}'}},
        "type": "Opaque",
        "data": {"k": base64.b64encode(b"s3cr3t-value").decode(), "empty": ""},
        "stringData": {"plain": "hello-world-1"},
    }


def test_secret_values_dropped_keys_and_sizes_kept(redactor: Redactor) -> None:
    out = redactor.redact_document(_secret(), name="secret.yaml")
    assert out["data"]["k"] == "«redacted:k8s-secret-data:size=12»"
    assert out["data"]["empty"] == ""
    assert out["stringData"]["plain"] == "«redacted:k8s-secret-data:size=13»"
    assert LAST_APPLIED not in out["metadata"]["annotations"]
    assert "czNjcjN0" not in json.dumps(out)


def test_secrets_inside_a_list(redactor: Redactor) -> None:
    doc = {"apiVersion": "v1", "kind": "List", "items": [_secret(), _secret()]}
    out = redactor.redact_document(doc, name="secrets.json")
    assert all(i["data"]["k"].startswith("«redacted:") for i in out["items"])
    assert redactor.report.counts_by_rule["k8s-secret-data"] == 4


def test_last_applied_on_other_objects_is_redacted_inside(redactor: Redactor) -> None:
    applied = json.dumps({"kind": "ConfigMap", "data": {"app.conf": "password=Hunter2-x9"}})
    doc = {"kind": "ConfigMap", "metadata": {"annotations": {LAST_APPLIED: applied}}}
    out = redactor.redact_document(doc, name="cm.json")
    inner = json.loads(out["metadata"]["annotations"][LAST_APPLIED])
    assert "Hunter2-x9" not in inner["data"]["app.conf"]


def test_env_values_with_secret_names_masked(redactor: Redactor) -> None:
    env = [
        {"name": "DB_PASSWORD", "value": "hunter2-s3cret"},
        {"name": "KUBECOST_TOKEN", "value": "abcdef123456"},
        {"name": "LOG_LEVEL", "value": "debug"},
        {"name": "TLS_KEY_FILE", "value": "/etc/tls/tls.key"},
        {"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
    ]
    pod = {"kind": "Pod", "spec": {"containers": [{"name": "cost-model", "env": env}]}}
    out = redactor.redact_document(pod, name="pod.json")["spec"]["containers"][0]["env"]
    assert out[0]["value"].startswith("«redacted:password:")
    assert out[1]["value"].startswith("«redacted:kubecost-token:")
    assert out[2]["value"] == "debug"
    assert out[3]["value"] == "/etc/tls/tls.key"
    assert out[4]["valueFrom"]["secretKeyRef"]["name"] == "s"


def test_helm_values_saml_oidc_product_key_token(redactor: Redactor) -> None:
    values = yaml.safe_load(
        """
kubecostToken: a2VjLXRva2Vu
kubecostProductConfigs:
  productKey: {enabled: true, key: KC-1234-ABCD-5678, secretname: pk}
oidc: {enabled: true, clientID: kubecost, clientSecret: oidc-client-s3cret, secretName: oidc}
saml: {enabled: true, secretName: saml-secret, idpMetadataURL: "https://idp.example.com/md"}
global: {grafana: {adminPassword: admin-Passw0rd}}
federatedETL: {federatedStore: {secretName: federated-store}}
"""
    )
    out = redactor.redact_document(values, name="values.yaml")
    text = json.dumps(out)
    for secret in ("a2VjLXRva2Vu", "KC-1234-ABCD-5678", "oidc-client-s3cret", "admin-Passw0rd"):
        assert secret not in text
    assert out["saml"]["secretName"] == "saml-secret"
    assert out["oidc"]["clientID"] == "kubecost"
    assert out["federatedETL"]["federatedStore"]["secretName"] == "federated-store"


def test_cloud_integration_json_contents(redactor: Redactor) -> None:
    doc = {
        "aws": {
            "athena": [
                {
                    "bucket": "s3://cur",
                    "region": "us-east-1",
                    "authorizer": {
                        "authorizerType": "AWSAccessKey",
                        "id": "AKIAIOSFODNN7SECRETS",
                        "secret": "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",
                    },
                }
            ]
        },
        "azure": {
            "storage": [
                {
                    "account": "acme",
                    "authorizer": {
                        "authorizerType": "AzureAccessKey",
                        "accessKey": "q9Xz8w7v6u5t4s3r2q1p0o9n8m7l6k5==",
                    },
                }
            ]
        },
        "gcp": {
            "bigQuery": [
                {
                    "projectID": "p",
                    "authorizer": {
                        "authorizerType": "GCPKey",
                        "key": {
                            "type": "service_account",
                            "private_key_id": "abc123",
                            "client_email": "x@y",
                        },
                    },
                }
            ]
        },
    }
    out = redactor.redact_document(doc, name="cloud-integration.json")
    text = json.dumps(out)
    assert "wJalrXUtnFEMI" not in text and "AKIAIOSFODNN7" not in text and "q9Xz8w7v6" not in text
    assert "abc123" not in text
    assert out["aws"]["athena"][0]["region"] == "us-east-1"
    assert out["aws"]["athena"][0]["authorizer"]["authorizerType"] == "AWSAccessKey"


def test_configmap_data_holding_json_is_parsed(redactor: Redactor) -> None:
    inner = json.dumps(
        {"aws": [{"serviceKeyName": "AKIAIOSFODNN7SECRETS", "serviceKeySecret": "x" * 3 + "Y9z"}]}
    )
    cm = {"kind": "ConfigMap", "data": {"cloud-integration.json": inner}}
    out = redactor.redact_document(cm, name="cm.yaml")
    parsed = json.loads(out["data"]["cloud-integration.json"])
    assert parsed["aws"][0]["serviceKeySecret"].startswith("«redacted:")


def test_helm_values_env_is_decoded_and_redacted(redactor: Redactor) -> None:
    helm = base64.b64encode(b"kubecostToken: tok-123456\nclusterName: prod\n").decode()
    env = {"name": "HELM_VALUES", "value": helm}
    out = redactor.redact_document({"env": [env]}, name="deploy.json")
    decoded = base64.b64decode(out["env"][0]["value"]).decode()
    assert "tok-123456" not in decoded and "clusterName: prod" in decoded


def test_custom_key_paths() -> None:
    rules = parse_rules(
        {
            "rules": [
                {"name": "db-settings", "key_path": "database.*.host"},
                {"name": "everything-under", "key_path": "**.vault"},
            ]
        }
    )
    doc = {
        "database": {"primary": {"host": "db1.internal", "port": 5432}},
        "a": {"b": {"vault": {"x": "1", "y": ["2"]}}},
    }
    out = Redactor(rules, key=b"k").redact_document(doc, name="c.yaml")
    assert out["database"]["primary"]["host"].startswith("«redacted:db-settings:")
    assert out["database"]["primary"]["port"] == 5432
    assert out["a"]["b"]["vault"]["y"][0].startswith("«redacted:everything-under:")


def test_document_redaction_is_idempotent(redactor: Redactor) -> None:
    once = redactor.redact_document(_secret(), name="s.yaml")
    before = redactor.report.total
    assert redactor.redact_document(once, name="s.yaml") == once
    assert redactor.report.total == before


def test_a_list_of_strings_under_a_secret_key_loses_each_string(redactor: Redactor) -> None:
    doc = {
        "tokens": ["Tkn-1z2x3c4v5b", "Tkn-9a8s7d6f5g"],
        "secrets": ["etcd-all-certs", "etcd-peer-certs"],  # Secret object names stay
        "ports": [8080, 9090],
        "sa": {"secrets": [{"name": "builder-token-x"}]},
    }
    out = redactor.redact_document(doc, name="x.json")
    assert all(t.startswith("«redacted:token:") for t in out["tokens"])
    assert out["secrets"] == doc["secrets"] and out["ports"] == [8080, 9090]
    assert out["sa"] == doc["sa"]


def test_secret_values_that_yaml_reads_as_numbers_go_too(redactor: Redactor) -> None:
    doc = {"kind": "Secret", "data": {"a": 7100}, "stringData": {"pin": 123456, "on": True}}
    out = redactor.redact_document(doc, name="s.yaml")
    assert out["data"]["a"].startswith("«redacted:k8s-secret-data:size=3»")
    assert out["stringData"]["pin"] == "«redacted:k8s-secret-data:size=6»"
