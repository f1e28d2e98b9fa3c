"""Model versions of the embedded backend: records, the active pointer, arrays and rows in process memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence

import msgspec
import numpy as np

from omnirec.store.keys import ERASABLE_IDS, blank_ids
from omnirec.store.records import CUSTOMER_ROW_KINDS, ModelRows, ModelRowsBatch, VersionInfo
from omnirec.store.rows import flat_ids, model_rows, row_payloads

STAGING = "staging"
READY = "ready"


class MemoryModels:
    """Version lifecycle with the same rules as the Redis backend; every method holds one lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._versions: dict[str, VersionInfo] = {}
        self._replaced: dict[str, float] = {}
        self._active: str | None = None
        self._arrays: dict[str, dict[str, np.ndarray]] = {}
        self._rows: dict[str, dict[str, dict[str, bytes]]] = {}

    def _require_state(self, version: str, state: str) -> None:
        info = self._versions.get(version)
        if info is None or info.state != state:
            found = info.state if info else "absent"
            raise ValueError(f"version {version!r} is {found}, expected {state}")

    def _info(self, version: str) -> VersionInfo:
        info = self._versions[version]
        return msgspec.structs.replace(info, replaced_at=self._replaced.get(version, 0.0))

    async def list_versions(self) -> list[VersionInfo]:
        with self._lock:
            infos = [self._info(v) for v in self._versions]
        return sorted(infos, key=lambda i: (i.published_at, i.version))

    async def active_version(self) -> str | None:
        return self._active

    async def stage_version(self, info: VersionInfo) -> None:
        with self._lock:
            if info.version == self._active:
                raise ValueError(f"version {info.version!r} is active; stage a new version instead")
            self._drop_data(info.version)
            self._versions[info.version] = msgspec.structs.replace(info, state=STAGING)

    async def write_model_arrays(self, version: str, arrays: Mapping[str, np.ndarray]) -> int:
        with self._lock:
            self._require_state(version, STAGING)
            stored = self._arrays.setdefault(version, {})
            for name, array in arrays.items():
                stored[name] = np.array(array, copy=True)
                stored[name].setflags(write=False)
            return sum(int(a.nbytes) for a in arrays.values())

    async def write_model_rows(self, version: str, rows: ModelRowsBatch) -> int:
        payloads = row_payloads(rows)  # stored encoded, as Redis stores them: the same bytes are reported
        with self._lock:
            self._require_state(version, STAGING)
            for kind, by_id in payloads.items():
                self._rows.setdefault(version, {}).setdefault(kind, {}).update(by_id)
            return sum(len(p) for by_id in payloads.values() for p in by_id.values())

    async def seal_version(self, version: str, info: VersionInfo) -> None:
        with self._lock:
            self._require_state(version, STAGING)
            self._versions[version] = msgspec.structs.replace(info, version=version, state=READY)

    async def activate(self, version: str) -> None:
        with self._lock:
            info = self._versions.get(version)
            if info is None or info.state != READY:
                found = info.state if info else "absent"
                raise ValueError(f"cannot activate version {version!r}: it is {found}; only ready versions can be")
            previous, self._active = self._active, version
            if previous is not None and previous != version:
                self._replaced[previous] = time.time()
            self._replaced.pop(version, None)

    async def delete_version(self, version: str) -> None:
        with self._lock:
            if version == self._active:
                raise ValueError(f"version {version!r} is active; activate another version before deleting it")
            self._drop_data(version)
            self._versions.pop(version, None)
            self._replaced.pop(version, None)

    def _drop_data(self, version: str) -> None:
        self._arrays.pop(version, None)
        self._rows.pop(version, None)

    async def read_model_arrays(self, version: str, names: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            stored = self._arrays.get(version, {})
            missing = [n for n in names if n not in stored]
            if missing:
                raise ValueError(f"version {version!r} has no arrays {missing}")
            return {n: stored[n] for n in names}

    async def read_model_rows(self, version: str, customers: Sequence[Sequence[str]]) -> list[ModelRows]:
        ids = flat_ids(customers)
        with self._lock:
            kinds = self._rows.get(version, {})
            vectors, histories = ([kinds.get(kind, {}).get(i) for i in ids] for kind in CUSTOMER_ROW_KINDS)
        return model_rows(customers, vectors, histories)

    def _drop_customer_rows(self, ids: set[str]) -> None:
        """Remove per-customer model rows (trained vector, training history) of these ids in every version.
        Caller holds the lock."""
        for kinds in self._rows.values():
            for kind in CUSTOMER_ROW_KINDS:
                rows = kinds.get(kind, {})
                for customer in ids:
                    rows.pop(customer, None)

    def _blank_model_ids(self, ids: Sequence[str]) -> None:
        """Erasure: the ids become '' in every version's user_ids array. Caller holds the lock."""
        for arrays in self._arrays.values():
            stored = arrays.get(ERASABLE_IDS)
            blanked = None if stored is None else blank_ids(stored, ids)
            if blanked is not None:
                blanked.setflags(write=False)
                arrays[ERASABLE_IDS] = blanked

    def _model_debug_keys(self) -> list[str]:
        keys = [f"model:version:{v}" for v in self._versions]
        keys += [f"m:{v}:a:{n}" for v, arrays in self._arrays.items() for n in arrays]
        for v, kinds in self._rows.items():
            keys += [f"m:{v}:r:{k}:{i}" for k, rows in kinds.items() for i in rows]
        return keys
