"""Model versions in Redis: version records and the active pointer under {p:model}, arrays and rows per version."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import msgspec
import numpy as np

from omnirec.store import codec
from omnirec.store.keys import CUSTOMER_ROW_KINDS, ERASABLE_IDS, blank_ids
from omnirec.store.records import ModelRows, ModelRowsBatch, VersionInfo
from omnirec.store.redis_base import RedisBase, as_str, translate_errors
from omnirec.store.rows import flat_ids, model_rows, row_payloads

ROW_BATCH = 1000  # keys per MSET


class RedisModels(RedisBase):
    """Version lifecycle, whole arrays (chunked raw bytes) and per-id rows."""

    def _version_keys(self) -> list[str]:
        k = self._keys
        return [k.model("active"), k.model("info"), k.model("state"), k.model("replaced")]

    async def _record(self, op: str, version: str, info: VersionInfo | None = None) -> None:
        payload = codec.encode(info) if info is not None else b""
        result = as_str(await self._version_record(keys=self._version_keys(), args=[op, version, payload]))
        if result != "ok":
            what = {"active": "is active", "absent": "does not exist"}.get(result, f"is {result}")
            raise ValueError(f"cannot {op} version {version!r}: it {what}")

    async def _require_staging(self, version: str) -> None:
        state = await self._client.hget(self._keys.model("state"), version)
        if state is None or as_str(state) != "staging":
            found = as_str(state) if state is not None else "absent"
            raise ValueError(f"version {version!r} is {found}, expected staging")

    @translate_errors
    async def list_versions(self) -> list[VersionInfo]:
        pipe = self._client.pipeline(transaction=False)
        for key in (self._keys.model("info"), self._keys.model("state"), self._keys.model("replaced")):
            pipe.hgetall(key)
        infos, states, replaced = await pipe.execute()
        out = []
        for name, payload in infos.items():
            info = codec.decode_version(payload)
            out.append(
                msgspec.structs.replace(
                    info,
                    state=as_str(states.get(name, b"staging")),
                    replaced_at=float(replaced.get(name, 0.0)),
                )
            )
        return sorted(out, key=lambda i: (i.published_at, i.version))

    @translate_errors
    async def active_version(self) -> str | None:
        value = await self._client.get(self._keys.model("active"))
        return None if value is None else as_str(value)

    @translate_errors
    async def stage_version(self, info: VersionInfo) -> None:
        await self._record("stage", info.version, msgspec.structs.replace(info, state="staging"))
        await self._drop_data(info.version)

    @translate_errors
    async def write_model_arrays(self, version: str, arrays: Mapping[str, np.ndarray]) -> int:
        await self._require_staging(version)
        written = 0
        for name, array in arrays.items():
            header, parts = codec.encode_array(array)
            pipe = self._bulk.pipeline(transaction=False)
            for i, part in enumerate(parts):
                pipe.set(self._keys.array_part(version, name, i), part)
            pipe.set(self._keys.array_meta(version, name), codec.encode(header))
            await pipe.execute()
            written += header.nbytes
        return written

    @translate_errors
    async def write_model_rows(self, version: str, rows: ModelRowsBatch) -> int:
        await self._require_staging(version)
        items = [(kind, i, p) for kind, by_id in row_payloads(rows).items() for i, p in by_id.items()]
        for start in range(0, len(items), ROW_BATCH):
            batch = items[start : start + ROW_BATCH]
            await self._mset({self._keys.row(version, kind, row_id): payload for kind, row_id, payload in batch})
        return sum(len(payload) for _, _, payload in items)

    @translate_errors
    async def seal_version(self, version: str, info: VersionInfo) -> None:
        await self._record("seal", version, msgspec.structs.replace(info, version=version, state="ready"))

    @translate_errors
    async def activate(self, version: str) -> None:
        result = as_str(
            await self._activate(keys=self._version_keys()[:1] + self._version_keys()[2:], args=[version, time.time()])
        )
        if result != "ok":
            raise ValueError(f"cannot activate version {version!r}: it is {result}; only ready versions can be")

    @translate_errors
    async def delete_version(self, version: str) -> None:
        if await self.active_version() == version:
            raise ValueError(f"version {version!r} is active; activate another version before deleting it")
        await self._drop_data(version)  # data first: a crash here leaves a record to retry the delete with
        await self._record("drop", version)

    async def _drop_data(self, version: str) -> int:
        return sum([await self._delete_matching(p) for p in self._keys.version_patterns(version)])

    @translate_errors
    async def read_model_arrays(self, version: str, names: Sequence[str]) -> dict[str, np.ndarray]:
        metas = await self._mget([self._keys.array_meta(version, n) for n in names])
        missing = [n for n, m in zip(names, metas, strict=True) if m is None]
        if missing:
            raise ValueError(f"version {version!r} has no arrays {missing}")
        out = {}
        for name, meta in zip(names, metas, strict=True):
            header = codec.decode(meta, codec.ArrayHeader)  # type: ignore[arg-type]
            part_keys = [self._keys.array_part(version, name, i) for i in range(header.parts)]
            parts = await self._bulk.mget(part_keys)  # one hash tag: one slot, plain MGET on a cluster too
            if any(p is None for p in parts):
                raise ValueError(f"version {version!r}: array {name!r} is incomplete")
            out[name] = codec.decode_array(header, parts)
        return out

    async def _blank_model_ids(self, versions: Sequence[str], ids: Sequence[str]) -> None:
        """Erasure: replace these ids by '' in every version's user_ids array (positions and shape kept)."""
        for version in versions:
            try:
                stored = (await self.read_model_arrays(version, [ERASABLE_IDS]))[ERASABLE_IDS]
            except ValueError:  # a staging version without the array yet: its publish writes the bundle's
                continue
            blanked = blank_ids(stored, ids)
            if blanked is None:
                continue
            header, parts = codec.encode_array(blanked)
            pipe = self._bulk.pipeline(transaction=False)
            for i, part in enumerate(parts):
                pipe.set(self._keys.array_part(version, ERASABLE_IDS, i), part)
            pipe.set(self._keys.array_meta(version, ERASABLE_IDS), codec.encode(header))
            await pipe.execute()

    @translate_errors
    async def read_model_rows(self, version: str, customers: Sequence[Sequence[str]]) -> list[ModelRows]:
        ids = flat_ids(customers)
        payloads = await self._mget([self._keys.row(version, kind, i) for kind in CUSTOMER_ROW_KINDS for i in ids])
        return model_rows(customers, payloads[: len(ids)], payloads[len(ids) :])
