"""Bundles on disk: atomic save, validated load, checksum, newest-version lookup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bundle_factory import make_bundle
from omnirec.bundle import load_bundle, resolve_bundle_path, save_bundle
from omnirec.bundle.format import ModelBundle
from omnirec.bundle.io import ARRAYS, MANIFEST, new_version
from omnirec.errors import BundleError


def test_round_trip_keeps_every_array_and_records_a_checksum(tmp_path: Path) -> None:
    bundle = make_bundle(version="20260101T000000Z-aaaaaaaa")
    path = save_bundle(bundle, tmp_path)
    loaded = load_bundle(path)
    assert loaded.version == bundle.version
    assert len(loaded.manifest.arrays_sha256) == 64
    for name, array in bundle.arrays.items():
        np.testing.assert_array_equal(loaded[name], array)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


def test_versions_are_never_overwritten(tmp_path: Path) -> None:
    bundle = make_bundle(version="20260101T000000Z-aaaaaaaa")
    save_bundle(bundle, tmp_path)
    with pytest.raises(BundleError, match="already exists"):
        save_bundle(bundle, tmp_path)


def test_corrupt_arrays_fail_the_checksum(tmp_path: Path) -> None:
    path = save_bundle(make_bundle(), tmp_path)
    with (path / ARRAYS).open("r+b") as fh:
        fh.seek(200)
        fh.write(b"\x00garbage\x00")
    with pytest.raises(BundleError, match="checksum"):
        load_bundle(path)


def test_missing_or_misshapen_arrays_are_named(tmp_path: Path) -> None:
    bundle = make_bundle()
    arrays = dict(bundle.arrays)
    del arrays["repeat_rate"]
    with pytest.raises(BundleError, match="repeat_rate"):
        save_bundle(ModelBundle(bundle.manifest, arrays), tmp_path)
    arrays = dict(bundle.arrays)
    arrays["item_biases"] = arrays["item_biases"][:-1]
    with pytest.raises(BundleError, match="item_biases"):
        save_bundle(ModelBundle(bundle.manifest, arrays), tmp_path)


def test_a_models_folder_resolves_to_its_newest_bundle(tmp_path: Path) -> None:
    older = save_bundle(make_bundle(version="20260101T000000Z-bbbbbbbb"), tmp_path)
    newer = save_bundle(make_bundle(version="20260102T000000Z-aaaaaaaa"), tmp_path)
    assert resolve_bundle_path(tmp_path) == newer
    assert resolve_bundle_path(older) == older
    assert load_bundle(tmp_path).version == "20260102T000000Z-aaaaaaaa"


def test_empty_folder_and_bad_manifest_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="no bundles here"):
        resolve_bundle_path(tmp_path)
    broken = tmp_path / "20260101T000000Z-cccccccc"
    broken.mkdir()
    (broken / MANIFEST).write_text("{not json")
    with pytest.raises(BundleError, match="malformed manifest"):
        load_bundle(broken)


def test_new_versions_sort_by_time() -> None:
    from datetime import UTC, datetime

    first = new_version("f", datetime(2026, 1, 1, tzinfo=UTC))
    second = new_version("f", datetime(2026, 1, 2, tzinfo=UTC))
    assert first < second
    assert first.startswith("20260101T000000Z-")
