"""Malformed bundles are refused before anything is activated: load_bundle raises BundleError, publish keeps v1.

Each corruption keeps the manifest checksum consistent unless the checksum itself is the point, so the
refusal shown is the one under test (shape, missing array, pickled data) and not just the checksum.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import msgspec
import numpy as np
import pytest

from bundle_factory import make_bundle
from omnirec.bundle.format import BundleManifest
from omnirec.bundle.io import ARRAYS, MANIFEST, file_sha256, load_bundle, save_bundle
from omnirec.errors import BundleError
from omnirec.publishing import publish_bundle
from omnirec.store.protocol import FeatureStore

MARKER = Path("/tmp/omnirec-bundle-refusal-unpickled")


class Payload:
    """Unpickling this would create MARKER: a bundle must never get that far."""

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[str]]:
        return (MARKER.touch, ())  # type: ignore[return-value]


def saved(tmp_path: Path, seed: int = 1) -> Path:
    return save_bundle(make_bundle(seed=seed, version=f"20260101T00000{seed}Z-bad0000{seed}"), tmp_path / "models")


def rewrite_arrays(path: Path, change: Callable[[dict[str, np.ndarray]], None], keep_checksum: bool = True) -> None:
    with np.load(path / ARRAYS, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    change(arrays)
    cast(Any, np.savez)(path / ARRAYS, **arrays)
    if keep_checksum:
        rewrite_checksum(path)


def rewrite_checksum(path: Path) -> None:
    manifest = msgspec.json.decode((path / MANIFEST).read_bytes(), type=BundleManifest)
    manifest = msgspec.structs.replace(manifest, arrays_sha256=file_sha256(path / ARRAYS))
    (path / MANIFEST).write_bytes(msgspec.json.encode(manifest))


def flip_a_byte(path: Path) -> None:
    data = bytearray((path / ARRAYS).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (path / ARRAYS).write_bytes(bytes(data))


def truncate(path: Path) -> None:
    data = (path / ARRAYS).read_bytes()
    (path / ARRAYS).write_bytes(data[: len(data) // 2])


def drop_array(arrays: dict[str, np.ndarray]) -> None:
    del arrays["popularity"]


def wrong_shape(arrays: dict[str, np.ndarray]) -> None:
    arrays["item_vectors"] = arrays["item_vectors"][:, :-1]  # dim no longer matches the manifest


def fewer_biases(arrays: dict[str, np.ndarray]) -> None:
    arrays["item_biases"] = arrays["item_biases"][:-1]


def wrong_dtype(arrays: dict[str, np.ndarray]) -> None:
    arrays["item_vectors"] = arrays["item_vectors"].astype(np.float64)


def out_of_catalogue(arrays: dict[str, np.ndarray]) -> None:
    arrays["similar_indices"][0, 0] = arrays["item_ids"].shape[0] + 5


def pickled_objects(arrays: dict[str, np.ndarray]) -> None:
    arrays["item_ids"] = np.array([Payload()] * arrays["item_ids"].shape[0], dtype=object)


CORRUPTIONS: dict[str, tuple[Callable[[Path], None], str]] = {
    "bad checksum": (flip_a_byte, "checksum"),
    "missing array": (lambda p: rewrite_arrays(p, drop_array), "missing arrays"),
    "wrong shape": (lambda p: rewrite_arrays(p, wrong_shape), "item_vectors"),
    "inconsistent length": (lambda p: rewrite_arrays(p, fewer_biases), "item_biases"),
    "wrong dtype": (lambda p: rewrite_arrays(p, wrong_dtype), "item_vectors must be f4"),
    "index outside catalogue": (lambda p: rewrite_arrays(p, out_of_catalogue), "outside the item catalogue"),
    "pickle-only npz": (lambda p: rewrite_arrays(p, pickled_objects), "cannot read arrays"),
    "truncated npz": (truncate, "checksum"),
    "manifest missing": (lambda p: (p / MANIFEST).unlink(), "no bundles here"),
    "manifest garbage": (lambda p: (p / MANIFEST).write_text('{"version": 3'), "malformed manifest"),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_load_bundle_refuses(corruption: str, tmp_path: Path) -> None:
    MARKER.unlink(missing_ok=True)
    path = saved(tmp_path)
    corrupt, message = CORRUPTIONS[corruption]
    corrupt(path)
    with pytest.raises(BundleError, match=message):
        load_bundle(path, verify_checksum=message == "checksum")
    assert not MARKER.exists(), "a pickled payload was executed"


def test_pickle_only_npz_is_refused_even_with_a_valid_checksum(tmp_path: Path) -> None:
    MARKER.unlink(missing_ok=True)
    path = saved(tmp_path)
    rewrite_arrays(path, pickled_objects)
    with zipfile.ZipFile(path / ARRAYS) as archive:
        assert "item_ids.npy" in archive.namelist()
    with pytest.raises(BundleError, match="cannot read arrays"):
        load_bundle(path)  # checksum matches: the refusal is allow_pickle=False
    assert not MARKER.exists()


def test_unreadable_npz_with_a_matching_checksum_is_a_bundle_error(tmp_path: Path) -> None:
    path = saved(tmp_path)
    (path / ARRAYS).write_bytes(b"PK\x03\x04 not really a zip archive")
    rewrite_checksum(path)
    with pytest.raises(BundleError):
        load_bundle(path)


# -- publish: a refused bundle never reaches the active pointer --------------------------------------


async def publish_from_disk(path: Path, store: FeatureStore) -> None:
    """What `omnirec publish` does: load (and validate) the bundle from disk, then publish it."""
    await publish_bundle(load_bundle(path), store, grace_seconds=0)


@pytest.mark.anyio
@pytest.mark.parametrize("corruption", ["bad checksum", "wrong shape", "pickle-only npz", "missing array"])
async def test_publish_of_a_corrupt_bundle_keeps_the_active_version(
    corruption: str, store: FeatureStore, tmp_path: Path
) -> None:
    good = saved(tmp_path, seed=1)
    await publish_from_disk(good, store)
    active = await store.active_version()
    assert active == load_bundle(good).version
    bad = saved(tmp_path, seed=2)
    CORRUPTIONS[corruption][0](bad)
    with pytest.raises(BundleError):
        await publish_from_disk(bad, store)
    assert await store.active_version() == active
    assert [v.version for v in await store.list_versions()] == [active]  # nothing staged or sealed


@pytest.mark.anyio
@pytest.mark.parametrize("change", [drop_array, wrong_shape, out_of_catalogue])
async def test_publish_bundle_validates_an_in_memory_bundle(
    change: Callable[[dict[str, np.ndarray]], None], store: FeatureStore
) -> None:
    good = make_bundle(seed=1, version="20260101T000001Z-good0001")
    await publish_bundle(good, store, grace_seconds=0)
    bad = make_bundle(seed=2, version="20260101T000002Z-bad00002")
    change(bad.arrays)  # built in memory by a caller that skipped load_bundle
    with pytest.raises(BundleError):
        await publish_bundle(bad, store, grace_seconds=0)
    assert await store.active_version() == good.version
    assert "20260101T000002Z-bad00002" not in [v.version for v in await store.list_versions() if v.state == "ready"]
