"""Store contract, model versions and model data: the same tests for memory, Redis and Redis Cluster."""

from __future__ import annotations

import time

import numpy as np
import pytest

from model_rows import rows
from omnirec.errors import StoreUnavailable
from omnirec.store.factory import open_store
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import ModelRows, ModelRowsBatch, VersionInfo
from redis_servers import RedisServer, free_port

pytestmark = pytest.mark.anyio


def info(version: str, **kw: object) -> VersionInfo:
    return VersionInfo(
        version=version, state="staging", created_at="2026-01-01T00:00:00Z", published_at=time.time(), **kw
    )  # type: ignore[arg-type]


async def publish_tiny(store: FeatureStore, version: str) -> None:
    await store.stage_version(info(version))
    await store.write_model_arrays(version, {"x": np.arange(3, dtype=np.float32)})
    await store.seal_version(version, info(version, n_items=3, checksum="abc"))


async def test_versions_lifecycle(store: FeatureStore) -> None:
    assert await store.active_version() is None
    assert await store.list_versions() == []
    await store.stage_version(info("v1"))
    with pytest.raises(ValueError, match="staging"):
        await store.activate("v1")
    with pytest.raises(ValueError):
        await store.activate("nope")
    await store.seal_version("v1", info("v1", n_items=3, n_users=2, checksum="abc", metrics={"ndcg": 0.5}))
    assert await store.active_version() is None  # sealing does not activate
    await store.activate("v1")
    assert await store.active_version() == "v1"
    (v1,) = await store.list_versions()
    assert (v1.state, v1.n_items, v1.n_users, v1.checksum, v1.metrics) == ("ready", 3, 2, "abc", {"ndcg": 0.5})
    assert v1.replaced_at == 0.0
    with pytest.raises(ValueError, match="active"):
        await store.delete_version("v1")
    with pytest.raises(ValueError, match="active"):
        await store.stage_version(info("v1"))

    await publish_tiny(store, "v2")
    await store.activate("v2")
    versions = {v.version: v for v in await store.list_versions()}
    assert [v.version for v in await store.list_versions()] == ["v1", "v2"]
    assert versions["v1"].replaced_at > 0 and versions["v2"].replaced_at == 0
    await store.activate("v1")  # rollback
    assert await store.active_version() == "v1"
    await store.delete_version("v2")
    assert [v.version for v in await store.list_versions()] == ["v1"]
    with pytest.raises(ValueError):
        await store.read_model_arrays("v2", ["x"])


async def test_writes_need_a_staging_version(store: FeatureStore) -> None:
    with pytest.raises(ValueError):
        await store.write_model_rows("ghost", ModelRowsBatch.of({"u": rows(1)}))
    await publish_tiny(store, "v1")
    with pytest.raises(ValueError):
        await store.write_model_arrays("v1", {"y": np.zeros(2)})


async def test_arrays_round_trip_including_a_large_one(store: FeatureStore) -> None:
    rng = np.random.default_rng(0)
    arrays = {
        "vectors": rng.standard_normal((40_000, 64), dtype=np.float32),  # 10 MB: two parts
        "ids": np.array(["a", "bé", "c"]),
        "mask": np.array([[True, False], [False, True]]),
        "ptr": np.array([0, 2, 5], dtype=np.int64),
        "empty": np.zeros((0, 4), dtype=np.int32),
    }
    await store.stage_version(info("v1"))
    written = await store.write_model_arrays("v1", arrays)
    assert written >= arrays["vectors"].nbytes
    got = await store.read_model_arrays("v1", list(arrays))
    for name, array in arrays.items():
        assert got[name].dtype == array.dtype, name
        np.testing.assert_array_equal(got[name], array)
    with pytest.raises(ValueError):
        await store.read_model_arrays("v1", ["missing"])


async def test_rows_round_trip_and_versions_are_separate(store: FeatureStore) -> None:
    await store.stage_version(info("v1"))
    vectors = {f"id{i}": rows(i) for i in range(300)}
    assert await store.write_model_rows("v1", ModelRowsBatch.of(vectors)) == 300 * 2 * 4  # float32 pairs
    a, b = ("a", "view", 5, "web"), ("b", "purchase", 6, "store")
    await store.write_model_rows(
        "v1", ModelRowsBatch.of({"id1": rows(None, a), "id2": rows(None, b, a)})
    )  # vectors stay
    await store.stage_version(info("v2"))
    await store.write_model_rows("v2", ModelRowsBatch.of({"id1": rows(-1)}))
    got = await store.read_model_rows("v1", [[i] for i in [*vectors, "absent"]])
    assert got == [rows(i, *{1: [a], 2: [b, a]}.get(i, [])) for i in range(300)] + [ModelRows()]
    # one customer's ids (canonical first): the first vector found, every id's history in id order
    assert await store.read_model_rows("v1", [["absent", "id2", "id1"], []]) == [rows(2, b, a, a), ModelRows()]
    assert await store.read_model_rows("v2", [["id1"], ["id2"]]) == [rows(-1), ModelRows()]
    assert await store.read_model_rows("v1", []) == []


async def test_restaging_removes_a_half_written_copy(store: FeatureStore, all_keys: object) -> None:
    await store.stage_version(info("v1"))
    await store.write_model_rows("v1", ModelRowsBatch.of({"u1": rows(1)}))
    await store.write_model_arrays("v1", {"x": np.ones(3)})
    await store.stage_version(info("v1"))
    assert await store.read_model_rows("v1", [["u1"]]) == [ModelRows()]
    await store.delete_version("v1")
    assert not [k for k in all_keys() if ":v1" in k]  # type: ignore[operator]


@pytest.mark.parametrize("scheme", ["redis", "redis+cluster"])
async def test_dead_port_raises_store_unavailable(scheme: str) -> None:
    store = open_store(f"{scheme}://127.0.0.1:{free_port()}", timeout_ms=100)
    start = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await store.ping()
    with pytest.raises(StoreUnavailable):
        await store.get_customer("c1")
    assert time.monotonic() - start < 15  # no retry loop: 2 x 100 ms, with room for a loaded machine
    await store.close()


def test_unknown_scheme_lists_the_supported_ones() -> None:
    with pytest.raises(ValueError, match=r"memory://, redis://, rediss://, redis\+cluster://"):
        open_store("mongodb://localhost")


async def test_redis_outage_and_recovery(redis_server_process: RedisServer) -> None:
    store = open_store(redis_server_process.url, prefix="t", timeout_ms=200)
    await store.set_features("c1", {"segment": "a"})
    redis_server_process.stop()
    with pytest.raises(StoreUnavailable):
        await store.get_customer("c1")
    redis_server_process.start()  # same port, empty (no persistence)
    assert (await store.get_customer("c1")).features == {}
    await store.close()
