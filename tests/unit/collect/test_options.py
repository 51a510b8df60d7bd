"""Durations, environment planning and service lookup."""

from __future__ import annotations

import pytest

from engage.diagnostics.collect import CollectOptions, KubeconfigError, parse_duration
from engage.diagnostics.collect.endpoints import find_service
from engage.diagnostics.collect.environment import plan_environments
from engage.diagnostics.collect.runner import bundle_top, safe_name
from tests.support import k8s_objects as o


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("24h", 86400), ("2d", 172800), ("45", 45), ("1.5h", 5400)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_parse_duration_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


def test_default_is_current_context() -> None:
    assert plan_environments(CollectOptions(), ["a", "b"], "b") == [("b", "b")]


def test_named_environments_and_all_contexts() -> None:
    opts = CollectOptions(environments={"prod": "a"}, all_contexts=True)
    assert plan_environments(opts, ["a", "b"], "a") == [("b", "b"), ("prod", "a")]


def test_unknown_context_is_an_error() -> None:
    with pytest.raises(KubeconfigError, match=r"unknown context.*nope"):
        plan_environments(CollectOptions(contexts=["nope"]), ["a"], "a")


def test_safe_names_shorten_cloud_ids() -> None:
    assert safe_name("arn:aws:eks:us-east-1:123456789012:cluster/prod") == "prod"
    assert safe_name("gke_my-project_us-central1_prod-gke") == "prod-gke"
    assert safe_name("a b/c") == "a-b-c"


def test_bundle_top_uses_case_id() -> None:
    from datetime import UTC, datetime

    top = bundle_top("CASE-42", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert top == "engage-bundle-CASE-42-20250102T030405Z"


def test_find_service_prefers_named_service() -> None:
    services = [
        o.service("kubecost-cost-analyzer", "k", {}, {}, {"tcp-model": 9003, "x": 9004}),
        o.service("kubecost-aggregator", "k", {}, {}, {"tcp-api": 9004}),
    ]
    assert find_service(services, "aggregator") == ("kubecost-aggregator", 9004)
    assert find_service(services, "cost-model") == ("kubecost-cost-analyzer", 9003)
    assert find_service(services, "cloud-cost") is None
