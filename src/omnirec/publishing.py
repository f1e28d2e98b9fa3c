"""publish_bundle: load a trained bundle into a feature store as a new version, verify it, then activate it.

Order of a publish: clean up stale staging versions -> stage -> write arrays and per-customer rows in batches
(hashing every payload) -> read a sample back and compare -> seal with counts and checksum ->
activate -> delete old versions. A publish that dies part way leaves its version 'staging', which is
never served and is removed by the next publish once older than STALE_STAGING_SECONDS.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np

from omnirec.bundle import ModelBundle
from omnirec.bundle.format import MANIFEST_ARRAY, manifest_to_array
from omnirec.bundle.io import validate_arrays
from omnirec.errors import BundleError
from omnirec.store.protocol import Lifecycle, ModelStore
from omnirec.store.records import CUSTOMER_ROW_KINDS, ModelRows, ModelRowsBatch, VersionInfo

ROW_ARRAYS = ("user_vectors", "history_indptr", "history_items", "history_times", "history_types", "history_channels")
ROW_KINDS = CUSTOMER_ROW_KINDS  # per-customer rows; item neighbour lists are served from the arrays only
STALE_STAGING_SECONDS = 120  # a staging version untouched this long belongs to a dead publish
VERIFY_PER_BATCH = 4  # rows of every written batch read back and compared before sealing

Progress = Callable[[int, int], None]


class PublishTarget(ModelStore, Lifecycle, Protocol):
    """What publish writes: a model version, then the marker the service's readiness checks."""


MODEL_MARKER = "model"  # Lifecycle.write_marker names (the customer import writes "customers")


def catalogue_arrays(bundle: ModelBundle) -> dict[str, np.ndarray]:
    """The arrays stored whole (everything but the per-user ones, which become rows; user_ids is kept),
    plus the manifest as MANIFEST_ARRAY so the store's copy of a version is self-describing."""
    arrays = {name: array for name, array in bundle.arrays.items() if name not in ROW_ARRAYS}
    arrays[MANIFEST_ARRAY] = manifest_to_array(bundle.manifest)
    return arrays


def bundle_rows(bundle: ModelBundle, kind: str, batch_size: int) -> Iterator[ModelRowsBatch]:
    """Batches of customers' rows of one row kind, 'user' (trained vectors) or 'history', sliced from the bundle."""
    user_ids = bundle["user_ids"].tolist()
    if kind == "user":
        vectors = bundle["user_vectors"]
        for start in range(0, len(user_ids), batch_size):
            yield ModelRowsBatch(ids=user_ids[start : start + batch_size], vectors=vectors[start : start + batch_size])
    elif kind == "history":
        yield from _history_rows(bundle, user_ids, batch_size)
    else:
        raise ValueError(f"unknown row kind {kind!r}; rows are {ROW_KINDS}")


def _history_rows(bundle: ModelBundle, user_ids: list[str], batch_size: int) -> Iterator[ModelRowsBatch]:
    item_ids, indptr = bundle["item_ids"], bundle["history_indptr"]
    for start in range(0, len(user_ids), batch_size):
        stop = min(start + batch_size, len(user_ids))
        lo, hi = int(indptr[start]), int(indptr[stop])
        yield ModelRowsBatch(
            ids=user_ids[start:stop],
            indptr=(indptr[start : stop + 1] - lo).tolist(),
            items=item_ids[bundle["history_items"][lo:hi]].tolist(),
            types=bundle["history_types"][lo:hi].tolist(),
            times=bundle["history_times"][lo:hi].tolist(),
            channels=bundle["history_channels"][lo:hi].tolist(),
        )


async def publish_bundle(
    bundle: ModelBundle,
    store: PublishTarget,
    *,
    activate: bool = True,
    batch_size: int = 2000,
    progress: Progress | None = None,
    keep_versions: int = 3,
    grace_seconds: int = 300,
) -> VersionInfo:
    """Write `bundle` as a new store version, verify it, seal it and (by default) activate it."""
    validate_arrays(bundle.arrays, bundle.manifest.dim, where=f"bundle {bundle.version}")  # before any write
    version = bundle.version
    await cleanup_stale_staging(store, keep=version)
    now = time.time()
    metrics = {k: float(v) for k, v in bundle.manifest.metrics.items() if isinstance(v, int | float)}
    info = VersionInfo(
        version=version,
        state="staging",
        created_at=bundle.manifest.created_at,
        published_at=now,
        n_items=bundle.n_items,
        n_users=bundle.n_users,
        metrics=metrics,
    )
    await store.stage_version(info)
    arrays = catalogue_arrays(bundle)
    total = len(arrays) + len(ROW_KINDS) * bundle.n_users
    done, written, digest = 0, 0, hashlib.sha256()
    for name, array in arrays.items():
        written += await store.write_model_arrays(version, {name: array})
        digest.update(name.encode() + b"\0" + np.ascontiguousarray(array).tobytes())
        done += 1
        _report(progress, done, total)
    for name in ROW_ARRAYS:  # what the rows are made of (user_ids is a catalogue array)
        digest.update(name.encode() + b"\0" + np.ascontiguousarray(bundle[name]).tobytes())
    samples: dict[str, dict[str, ModelRows]] = {}
    for kind in ROW_KINDS:
        per_row = bundle.n_users
        kind_done = 0
        in_flight: list[asyncio.Future[int]] = []  # at most two: one batch encodes while the other is sent
        try:
            for rows in bundle_rows(bundle, kind, batch_size):
                _sample(samples.setdefault(kind, {}), rows)
                in_flight.append(asyncio.ensure_future(store.write_model_rows(version, rows)))
                await asyncio.sleep(0)  # let it start (and let requests run: the embedded store never yields)
                if len(in_flight) == 2:
                    written += await in_flight.pop(0)
                kind_done += batch_size
                _report(progress, done + min(kind_done, per_row), total)
            while in_flight:
                written += await in_flight.pop(0)
        except BaseException:
            for task in in_flight:
                task.cancel()
            raise
        done += per_row
    await _verify(store, version, bundle, samples)
    sealed = VersionInfo(
        version=version,
        state="ready",
        created_at=info.created_at,
        published_at=now,
        n_items=bundle.n_items,
        n_users=bundle.n_users,
        bytes=written,
        checksum=digest.hexdigest(),
        metrics=metrics,
    )
    await store.seal_version(version, sealed)
    if activate:
        await store.activate(version)
        await store.write_marker(MODEL_MARKER)  # the service's readiness: a store that lost it lost its data
    await prune_versions(store, keep_versions=keep_versions, grace_seconds=grace_seconds)
    return next(v for v in await store.list_versions() if v.version == version)


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _sample(sample: dict[str, ModelRows], rows: ModelRowsBatch) -> None:
    """Keep the first few rows of every batch, so the read-back check spans the whole publish."""
    for k, row_id in enumerate(itertools.islice(rows.ids, VERIFY_PER_BATCH)):
        sample[row_id] = rows.row(k)


async def _verify(
    store: ModelStore, version: str, bundle: ModelBundle, samples: dict[str, dict[str, ModelRows]]
) -> None:
    """Read back the item and user id arrays and a sample of every row kind; any mismatch aborts the publish."""
    ids = await store.read_model_arrays(version, ["item_ids", "user_ids"])
    if ids["item_ids"].shape[0] != bundle.n_items or ids["user_ids"].shape[0] != bundle.n_users:
        raise BundleError(f"publish of {version}: the store holds different item/user counts than the bundle")
    for kind, sample in samples.items():
        got = await store.read_model_rows(version, [[row_id] for row_id in sample])
        part = (lambda r: ModelRows(vector=r.vector)) if kind == "user" else (lambda r: ModelRows(history=r.history))
        if [part(r) for r in got] != list(sample.values()):
            raise BundleError(f"publish of {version}: {kind} rows read back differ from what was written")


async def cleanup_stale_staging(
    store: ModelStore, *, keep: str = "", older_than: float = STALE_STAGING_SECONDS
) -> list[str]:
    """Delete staging versions (dead publishes) started more than `older_than` seconds ago."""
    cutoff = time.time() - older_than
    stale = [
        v.version
        for v in await store.list_versions()
        if v.state == "staging" and v.version != keep and v.published_at < cutoff
    ]
    for version in stale:
        await store.delete_version(version)
    return stale


async def prune_versions(store: ModelStore, *, keep_versions: int, grace_seconds: int) -> list[str]:
    """Delete ready versions beyond the `keep_versions` newest non-active ones, once out of use for the grace."""
    active = await store.active_version()
    ready = [v for v in await store.list_versions() if v.state == "ready" and v.version != active]
    cutoff = time.time() - grace_seconds
    old = sorted(ready, key=lambda v: (v.published_at, v.version), reverse=True)[keep_versions:]
    doomed = [v.version for v in old if (v.replaced_at or v.published_at) < cutoff]
    for version in doomed:
        await store.delete_version(version)
    return doomed
