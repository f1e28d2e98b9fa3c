"""Publishing against real stores: readers never see a mix of versions; dead publishes never go live."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from bundle_factory import make_bundle, version_marker
from omnirec.errors import BundleError
from omnirec.publishing import cleanup_stale_staging, publish_bundle
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import ModelRows, ModelRowsBatch, VersionInfo
from waiting import eventually

pytestmark = pytest.mark.anyio
V1, V2, V3 = "20260101T000000Z-00000001", "20260102T000000Z-00000002", "20260103T000000Z-00000003"


async def read_and_check(store: FeatureStore, user_ids: list[str]) -> str:
    """One request: read the active version once, then only its data (the customer rows and the item arrays
    serving loads: vectors and neighbour lists); every piece must carry its marker."""
    version = await store.active_version()
    assert version is not None
    marker = np.float32(version_marker(version))
    for rows in await store.read_model_rows(version, [[u] for u in user_ids]):
        assert rows.vector is not None and rows.vector[0] == marker
    arrays = await store.read_model_arrays(version, ["item_vectors", "similar_scores", "cooc_scores"])
    for name, array in arrays.items():
        assert np.all(array[:, 0] == marker), name
    return version


async def test_readers_never_see_a_mix_of_versions(store: FeatureStore) -> None:
    await publish_bundle(make_bundle(n_items=600, n_users=300, seed=1, version=V1), store, batch_size=100)
    bundle2 = make_bundle(n_items=600, n_users=300, seed=2, version=V2)
    users = [f"u{k}" for k in range(0, 300, 7)]
    stop = asyncio.Event()
    seen: list[str] = []

    async def reader() -> None:
        while not stop.is_set():
            seen.append(await read_and_check(store, users))
            await asyncio.sleep(0)

    async def reads_of(version: str, at_least: int) -> bool:
        for task in readers:  # a reader that failed stops the wait with its error
            if task.done():
                task.result()
        return seen.count(version) >= at_least

    readers = [asyncio.create_task(reader()) for _ in range(4)]
    await eventually(lambda: reads_of(V1, 4), "the readers never read v1")
    await publish_bundle(bundle2, store, batch_size=100)
    await eventually(lambda: reads_of(V2, 20), "the readers never read v2 after it was activated")
    stop.set()
    await asyncio.gather(*readers)  # re-raises any reader failure
    assert V1 in seen and seen[-1] == V2
    first_v2 = seen.index(V2)
    assert V1 not in seen[first_v2 + 4 :]  # at most the requests in flight at the switch still read v1


async def test_published_rows_decode_to_the_bundle(store: FeatureStore) -> None:
    bundle = make_bundle(n_items=40, n_users=10, version=V1)
    info = await publish_bundle(bundle, store, batch_size=7)
    assert (info.state, info.n_items, info.n_users) == ("ready", 40, 10)
    assert len(info.checksum) == 64 and info.bytes > 0 and info.metrics["ndcg@10"] == 0.25
    assert await store.active_version() == V1
    ids = bundle["item_ids"].tolist()
    neighbour_arrays = ["similar_indices", "similar_scores", "cooc_indices", "cooc_scores"]
    for name, array in (await store.read_model_arrays(V1, neighbour_arrays)).items():
        np.testing.assert_array_equal(array, bundle[name])  # serving's neighbour lists come from these arrays
    ptr = bundle["history_indptr"]
    for k, user in enumerate(bundle["user_ids"].tolist()):
        (rows,) = await store.read_model_rows(V1, [[user]])
        np.testing.assert_array_equal(rows.vector, bundle["user_vectors"][k])  # type: ignore[arg-type]
        lo, hi = int(ptr[k]), int(ptr[k + 1])
        assert [h.item_id for h in rows.history] == [ids[j] for j in bundle["history_items"][lo:hi]]
        assert [h.timestamp for h in rows.history] == bundle["history_times"][lo:hi].tolist()
    arrays = await store.read_model_arrays(V1, ["user_ids", "popularity", "channels"])
    np.testing.assert_array_equal(arrays["popularity"], bundle["popularity"])
    assert arrays["user_ids"].tolist() == bundle["user_ids"].tolist()
    with pytest.raises(ValueError):
        await store.read_model_arrays(V1, ["user_vectors"])  # per-user data lives in rows only


async def test_a_killed_publish_never_goes_live_and_is_cleaned_up(store: FeatureStore) -> None:
    await publish_bundle(make_bundle(version=V1), store)
    dead = VersionInfo(
        version="20250101T000000Z-dead", state="staging", created_at="x", published_at=time.time() - 3600
    )
    await store.stage_version(dead)
    await store.write_model_rows(dead.version, ModelRowsBatch(ids=["u0"], vectors=np.ones((1, 4), dtype=np.float32)))
    with pytest.raises(ValueError):
        await store.activate(dead.version)
    # a publish that dies half way (process killed, connection lost) stays staging

    def die_half_way(done: int, total: int) -> None:
        if done > total // 2:
            raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        await publish_bundle(
            make_bundle(n_items=300, n_users=200, version=V2), store, batch_size=50, progress=die_half_way
        )
    # the next publish started by removing the hour-old dead staging version and its data
    states = {v.version: v.state for v in await store.list_versions()}
    assert states == {V1: "ready", V2: "staging"}
    assert await store.read_model_rows(dead.version, [["u0"]]) == [ModelRows()]
    assert await store.active_version() == V1
    await publish_bundle(make_bundle(version=V3), store)
    assert V2 in {v.version for v in await store.list_versions()}  # too recent to be called dead yet
    assert await cleanup_stale_staging(store, older_than=0) == [V2]
    assert [v.version for v in await store.list_versions()] == [V1, V3]
    assert await store.read_model_rows(V2, [["u0"]]) == [ModelRows()]
    assert await store.active_version() == V3


async def test_old_versions_are_pruned_after_the_grace_never_the_active(store: FeatureStore) -> None:
    names = [f"2026010{n}T000000Z-0000000{n}" for n in range(1, 6)]
    for name in names:
        await publish_bundle(make_bundle(n_items=5, n_users=3, version=name), store, keep_versions=1, grace_seconds=300)
    assert len(await store.list_versions()) == 5  # all replaced less than the grace ago
    await store.activate(names[0])  # rollback to the oldest
    await publish_bundle(
        make_bundle(n_items=5, n_users=3, version="20260109T000000Z-00000009"),
        store,
        activate=False,
        keep_versions=1,
        grace_seconds=0,
    )
    remaining = [v.version for v in await store.list_versions()]
    assert remaining == [names[0], "20260109T000000Z-00000009"]
    assert await store.active_version() == names[0]


async def test_an_invalid_bundle_is_refused_before_anything_is_written(store: FeatureStore) -> None:
    bundle = make_bundle(version=V1)
    del bundle.arrays["cooc_scores"]
    with pytest.raises(BundleError, match="cooc_scores"):
        await publish_bundle(bundle, store)
    assert await store.list_versions() == []
