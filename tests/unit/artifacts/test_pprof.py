"""The pprof reader on hand-built profiles with known answers and on real Go heap profiles."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engage.diagnostics.pprof import (
    ProfileError,
    heap_summary,
    parse_profile,
    read_profile,
    top_sites,
)
from tests.unit.artifacts.pprof_builder import HEAP_TYPES, heap_profile_gz, profile

FIXTURES = Path(__file__).parents[2] / "fixtures" / "shared" / "pprof"
HEAP = FIXTURES / "parca_heap_parca-server_many-1644509299337903000.pb.gz"
CPU = FIXTURES / "parca_cpu_fib.pb.gz"


def test_top_sites_rank_flat_in_use_space(tmp_path: Path) -> None:
    path = tmp_path / "heap.pb.gz"
    path.write_bytes(heap_profile_gz())
    prof = read_profile(path)
    assert prof.is_heap
    sites = top_sites(prof, "inuse_space")
    assert [(s.function, s.value) for s in sites] == [
        ("cache.load", 600),
        ("json.decode", 300),
        ("main.main", 100),
    ]
    assert sites[0].share == pytest.approx(0.6)
    assert sites[0].filename == "cache.go"
    summary = heap_summary(prof, limit=2)
    assert summary["ranked_by"] == "inuse_space"
    assert summary["totals"] == {
        "inuse_space": 1000,
        "inuse_objects": 6,
        "alloc_space": 22000,
        "alloc_objects": 13,
    }
    assert [s["function"] for s in summary["top_sites"]] == ["cache.load", "json.decode"]


def test_alloc_only_profile_is_ranked_by_alloc_space() -> None:
    prof = parse_profile(profile([("alloc_space", "bytes")], [(["a.f"], [5]), (["b.g"], [9])]))
    assert prof.is_heap
    summary = heap_summary(prof)
    assert summary["ranked_by"] == "alloc_space"
    assert summary["top_sites"][0]["function"] == "b.g"


def test_negative_values_decode_as_signed() -> None:
    prof = parse_profile(profile([("inuse_space", "bytes")], [(["a.f"], [-5])]))
    assert prof.samples[0][1] == [-5]


def test_real_go_heap_profile() -> None:
    prof = read_profile(HEAP)
    assert prof.sample_types == HEAP_TYPES
    assert len(prof.samples) == 241  # as recorded in the corpus description
    assert len(prof.functions) == 419
    summary = heap_summary(prof, limit=3)
    top = summary["top_sites"][0]
    assert top["function"] == "github.com/dgraph-io/badger/v3/skl.newArena"
    assert top["value"] == 87_244_800 and top["file"].endswith("skl/arena.go")
    assert sum(s["share"] for s in summary["top_sites"]) <= 1.0


def test_cpu_profile_is_not_a_heap_profile() -> None:
    prof = read_profile(CPU)
    assert prof.sample_types == [("samples", "count"), ("cpu", "nanoseconds")]
    assert not prof.is_heap
    assert top_sites(prof, "inuse_space") == []


def test_truncated_gzip_is_an_error(tmp_path: Path) -> None:
    data = HEAP.read_bytes()
    (tmp_path / "cut.pb.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ProfileError, match="truncated"):
        read_profile(tmp_path / "cut.pb.gz")


def test_truncated_protobuf_is_an_error(tmp_path: Path) -> None:
    raw = gzip.decompress(HEAP.read_bytes())
    (tmp_path / "cut.pb.gz").write_bytes(gzip.compress(raw[: len(raw) - 7]))
    with pytest.raises(ProfileError):
        read_profile(tmp_path / "cut.pb.gz")


@pytest.mark.parametrize(
    "data", [b"\x0f\x00", b"\x08", b"\x0a\x05ab", b"\xff" * 11, b"\x32\x02\x08\x01"]
)
def test_garbage_is_an_error(data: bytes) -> None:
    with pytest.raises(ProfileError):
        parse_profile(data)


def test_string_index_out_of_range_is_an_error() -> None:
    bad = b"\x0a\x04\x08\x07\x10\x01" + b"\x32\x00"  # sample type -> string 7; table [""]
    with pytest.raises(ProfileError, match="string index 7"):
        parse_profile(bad)


def test_decompressed_size_is_capped(tmp_path: Path) -> None:
    (tmp_path / "big.pb.gz").write_bytes(gzip.compress(bytes(2 << 20)))
    with pytest.raises(ProfileError, match="more than 1 MiB"):
        read_profile(tmp_path / "big.pb.gz", max_bytes=1 << 20)


FUNCS = st.sampled_from(["a.f", "b.g", "c.h", "d.i", "runtime.mallocgc"])
STACKS = st.lists(
    st.tuples(st.lists(FUNCS, min_size=1, max_size=4), st.integers(min_value=0, max_value=1 << 40)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(stacks=STACKS)
def test_top_sites_agree_with_brute_force(stacks: list[tuple[list[str], int]]) -> None:
    prof = parse_profile(profile([("inuse_space", "bytes")], [(s, [v]) for s, v in stacks]))
    expected: dict[str, int] = {}
    for names, value in stacks:
        if value:
            expected[names[0]] = expected.get(names[0], 0) + value
    sites = top_sites(prof, "inuse_space", limit=10)
    assert {s.function: s.value for s in sites} == expected
    assert [s.value for s in sites] == sorted((s.value for s in sites), reverse=True)
