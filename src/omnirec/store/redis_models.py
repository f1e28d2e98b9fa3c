"""Model versions in Redis: version records and the active pointer under {p:model}, arrays and rows per version."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import msgspec
import numpy as np

from omnirec.store import codec, scripts
from omnirec.store.keys import ERASABLE_IDS, blank_ids
from omnirec.store.records import CUSTOMER_ROW_KINDS, ModelRows, ModelRowsBatch, VersionInfo
from omnirec.store.redis_client import RedisClient, as_str
from omnirec.store.rows import flat_ids, model_rows, row_payloads

ROW_BATCH = 1000  # keys per MSET


class RedisModels:
    """Version lifecycle, whole arrays (chunked raw bytes) and per-id rows."""

    def __init__(self, client: RedisClient) -> None:
        self._c = client
        self._keys = client.keys
        k = client.keys
        self._records = [k.model("active"), k.model("info"), k.model("state"), k.model("replaced")]

    async def list_versions(self) -> list[VersionInfo]:
        infos, states, replaced = await self._c.hgetall_many(self._records[1:])
        out = []
        for name, payload in infos.items():
            info = codec.decode_version(payload)
            state = as_str(states.get(name, b"staging"))
            out.append(msgspec.structs.replace(info, state=state, replaced_at=float(replaced.get(name, 0.0))))
        return sorted(out, key=lambda i: (i.published_at, i.version))

    async def active_version(self) -> str | None:
        value = await self._c.main.get(self._keys.model("active"))
        return None if value is None else as_str(value)

    async def stage_version(self, info: VersionInfo) -> None:
        await self._record("stage", info.version, msgspec.structs.replace(info, state="staging"))
        await self._drop_data(info.version)

    async def write_model_arrays(self, version: str, arrays: Mapping[str, np.ndarray]) -> int:
        await self._require_staging(version)
        return sum([await self._write_array(version, name, array) for name, array in arrays.items()])

    async def write_model_rows(self, version: str, rows: ModelRowsBatch) -> int:
        await self._require_staging(version)
        items = [(kind, i, p) for kind, by_id in row_payloads(rows).items() for i, p in by_id.items()]
        for start in range(0, len(items), ROW_BATCH):
            batch = items[start : start + ROW_BATCH]
            await self._c.mset({self._keys.row(version, kind, row_id): payload for kind, row_id, payload in batch})
        return sum(len(payload) for _, _, payload in items)

    async def seal_version(self, version: str, info: VersionInfo) -> None:
        await self._record("seal", version, msgspec.structs.replace(info, version=version, state="ready"))

    async def activate(self, version: str) -> None:
        keys = [self._records[0], *self._records[2:]]  # active, state, replaced
        result = as_str(await self._c.script(scripts.ACTIVATE)(keys=keys, args=[version, time.time()]))
        if result != "ok":
            raise ValueError(f"cannot activate version {version!r}: it is {result}; only ready versions can be")

    async def delete_version(self, version: str) -> None:
        if await self.active_version() == version:
            raise ValueError(f"version {version!r} is active; activate another version before deleting it")
        await self._drop_data(version)  # data first: a crash here leaves a record to retry the delete with
        await self._record("drop", version)

    async def read_model_arrays(self, version: str, names: Sequence[str]) -> dict[str, np.ndarray]:
        metas = await self._c.mget([self._keys.array_meta(version, n) for n in names])
        missing = [n for n, m in zip(names, metas, strict=True) if m is None]
        if missing:
            raise ValueError(f"version {version!r} has no arrays {missing}")
        out = {}
        for name, meta in zip(names, metas, strict=True):
            header = codec.decode(meta, codec.ArrayHeader)  # type: ignore[arg-type]
            part_keys = [self._keys.array_part(version, name, i) for i in range(header.parts)]
            parts = await self._c.bulk.mget(part_keys)  # one hash tag: one slot, plain MGET on a cluster too
            if any(p is None for p in parts):
                raise ValueError(f"version {version!r}: array {name!r} is incomplete")
            out[name] = codec.decode_array(header, parts)
        return out

    async def read_model_rows(self, version: str, customers: Sequence[Sequence[str]]) -> list[ModelRows]:
        ids = flat_ids(customers)
        payloads = await self._c.mget([self._keys.row(version, kind, i) for kind in CUSTOMER_ROW_KINDS for i in ids])
        return model_rows(customers, payloads[: len(ids)], payloads[len(ids) :])

    async def blank_ids(self, versions: Sequence[str], ids: Sequence[str]) -> None:
        """Erasure: replace these ids by '' in every version's user_ids array (positions and shape kept)."""
        for version in versions:
            try:
                stored = (await self.read_model_arrays(version, [ERASABLE_IDS]))[ERASABLE_IDS]
            except ValueError:  # a staging version without the array yet: its publish writes the bundle's
                continue
            blanked = blank_ids(stored, ids)
            if blanked is not None:
                await self._write_array(version, ERASABLE_IDS, blanked)

    async def _write_array(self, version: str, name: str, array: np.ndarray) -> int:
        """The array's parts, then its header (readers find an array by its header), on the bulk client."""
        header, parts = codec.encode_array(array)
        pipe = self._c.pipeline(bulk=True)
        for i, part in enumerate(parts):
            pipe.set(self._keys.array_part(version, name, i), part)
        pipe.set(self._keys.array_meta(version, name), codec.encode(header))
        await pipe.execute()
        return header.nbytes

    async def _record(self, op: str, version: str, info: VersionInfo | None = None) -> None:
        payload = codec.encode(info) if info is not None else b""
        reply = await self._c.script(scripts.VERSION_RECORD)(keys=self._records, args=[op, version, payload])
        if as_str(reply) != "ok":
            what = {"active": "is active", "absent": "does not exist"}.get(as_str(reply), f"is {as_str(reply)}")
            raise ValueError(f"cannot {op} version {version!r}: it {what}")

    async def _require_staging(self, version: str) -> None:
        state = await self._c.main.hget(self._keys.model("state"), version)
        if state is None or as_str(state) != "staging":
            found = as_str(state) if state is not None else "absent"
            raise ValueError(f"version {version!r} is {found}, expected staging")

    async def _drop_data(self, version: str) -> int:
        return sum([await self._c.delete_matching(p) for p in self._keys.version_patterns(version)])
