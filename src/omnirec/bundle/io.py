"""Writing, reading and finding bundles on disk. Arrays load with allow_pickle=False; nothing is unpickled."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import msgspec
import numpy as np

from omnirec.bundle.format import ARRAY_SPECS, FORMAT_VERSION, BundleManifest, ModelBundle
from omnirec.errors import BundleError

MANIFEST = "manifest.json"
ARRAYS = "arrays.npz"


def new_version(fingerprint: str, now: datetime | None = None) -> str:
    """A version name that sorts by creation time: 20261125T043512Z-1a2b3c4d."""
    now = now or datetime.now(UTC)
    salt = hashlib.sha256(f"{fingerprint}:{time.time_ns()}".encode()).hexdigest()[:8]
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{salt}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_bundle(bundle: ModelBundle, models_dir: Path) -> Path:
    """Write models_dir/<version>/ atomically (temp dir, then rename) and return its path."""
    validate_arrays(bundle.arrays, bundle.manifest.dim)
    models_dir.mkdir(parents=True, exist_ok=True)
    final = models_dir / bundle.manifest.version
    if final.exists():
        raise BundleError(f"{final} already exists; versions are never overwritten")
    tmp = models_dir / f".tmp-{bundle.manifest.version}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        savez = cast(Any, np.savez)  # numpy's stub types **kwargs as its own flags
        savez(tmp / ARRAYS, **bundle.arrays)
        manifest = msgspec.structs.replace(bundle.manifest, arrays_sha256=file_sha256(tmp / ARRAYS))
        (tmp / MANIFEST).write_bytes(msgspec.json.format(msgspec.json.encode(manifest), indent=2))
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def load_bundle(path: Path, verify_checksum: bool = True) -> ModelBundle:
    """Load a bundle directory (or the newest bundle in a models folder), validating every array."""
    path = resolve_bundle_path(path)
    try:
        manifest = msgspec.json.decode((path / MANIFEST).read_bytes(), type=BundleManifest)
    except FileNotFoundError as exc:
        raise BundleError(f"{path}: no {MANIFEST}; is this a bundle written by `omnirec train`?") from exc
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise BundleError(f"{path / MANIFEST}: malformed manifest: {exc}") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise BundleError(f"{path}: bundle format {manifest.format_version}, this omnirec reads {FORMAT_VERSION}")
    arrays_path = path / ARRAYS
    if not arrays_path.exists():
        raise BundleError(f"{path}: {ARRAYS} is missing")
    if verify_checksum and manifest.arrays_sha256 and file_sha256(arrays_path) != manifest.arrays_sha256:
        raise BundleError(f"{arrays_path}: checksum does not match the manifest; the bundle is corrupt")
    try:
        with np.load(arrays_path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise BundleError(f"{arrays_path}: cannot read arrays: {exc}") from exc
    validate_arrays(arrays, manifest.dim, where=str(arrays_path))
    return ModelBundle(manifest=manifest, arrays=arrays)


def validate_arrays(arrays: dict[str, np.ndarray], dim: int, where: str = "bundle") -> None:
    """Check every array of ARRAY_SPECS is present with a consistent shape and dtype kind."""
    missing = sorted(set(ARRAY_SPECS) - set(arrays))
    if missing:
        raise BundleError(f"{where}: missing arrays {missing}")
    sizes: dict[str, int] = {"D": dim}
    for name, spec in ARRAY_SPECS.items():
        arr = arrays[name]
        if spec.dtype == "U":
            if arr.dtype.kind != "U":
                raise BundleError(f"{where}: array {name} must hold strings, has {arr.dtype}")
        elif arr.dtype != np.dtype(spec.dtype):
            raise BundleError(f"{where}: array {name} must be {spec.dtype}, is {arr.dtype}")
        if arr.ndim != len(spec.shape):
            raise BundleError(f"{where}: array {name} must have {len(spec.shape)} dims, has {arr.ndim}")
        for symbol, size in zip(spec.shape, arr.shape, strict=True):
            key, offset = (symbol[:-2], 1) if symbol.endswith("+1") else (symbol, 0)
            expected = sizes.setdefault(key, size - offset)
            if expected != size - offset:
                raise BundleError(f"{where}: array {name} has {size} along {symbol}, expected {expected + offset}")
    if len(set(arrays["item_ids"].tolist())) != arrays["item_ids"].shape[0]:
        raise BundleError(f"{where}: item_ids are not unique")
    n_items = arrays["item_ids"].shape[0]
    for name in ("similar_indices", "cooc_indices", "history_items"):
        idx = arrays[name]
        if idx.size and (idx.max() >= n_items or idx.min() < -1):
            raise BundleError(f"{where}: {name} points outside the item catalogue")


def resolve_bundle_path(path: Path) -> Path:
    """A bundle directory as is; a models folder becomes its newest bundle (versions sort by time)."""
    if (path / MANIFEST).exists():
        return path
    if not path.is_dir():
        raise BundleError(f"{path}: no such bundle or models folder")
    versions = sorted(p for p in path.iterdir() if (p / MANIFEST).exists() and not p.name.startswith("."))
    if not versions:
        raise BundleError(f"{path}: no bundles here; train one with `omnirec train --data DIR --out {path}`")
    return versions[-1]
