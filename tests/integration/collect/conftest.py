"""Fake clusters on loopback and a kubeconfig pointing at them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.k8s_cluster import FakeCluster
from tests.support.k8s_scenarios import hung_cluster, kubecost_2x_duckdb, kubecost_3x_clickhouse
from tests.support.k8s_server import FakeKubeServer, write_kubeconfig

HEAP = (
    Path(__file__).parents[2]
    / "fixtures"
    / "shared"
    / "pprof"
    / "parca_heap_parca-server_many-1644509299337903000.pb.gz"
)


class Fleet:
    """Running fake servers by context name, and the kubeconfig that lists them."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.servers: dict[str, FakeKubeServer] = {}

    def add(self, cluster: FakeCluster) -> FakeCluster:
        self.servers[cluster.name] = FakeKubeServer(cluster).start()
        return cluster

    def kubeconfig(self, current: str | None = None) -> str:
        path = write_kubeconfig(
            self.tmp_path / "kubeconfig", self.servers.values(), current=current
        )
        return str(path)

    def stop(self) -> None:
        for s in self.servers.values():
            s.stop()


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    f = Fleet(tmp_path)
    yield f
    f.stop()


@pytest.fixture
def prod(fleet: Fleet, tmp_path: Path) -> FakeCluster:
    return fleet.add(kubecost_2x_duckdb("prod", tmp_path / "db", heap_profile=HEAP.read_bytes()))


@pytest.fixture
def staging(fleet: Fleet) -> FakeCluster:
    return fleet.add(kubecost_3x_clickhouse("staging"))


@pytest.fixture
def hung(fleet: Fleet) -> FakeCluster:
    return fleet.add(hung_cluster("dr"))
