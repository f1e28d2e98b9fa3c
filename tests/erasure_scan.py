"""Search a store for traces of ids: every Redis key's DUMP, the memory store's objects, files on disk.

An id counts as found in its UTF-8 or UTF-32 (numpy's str arrays) encoding, in any byte string held.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import redis


def encodings(ids: Iterable[str]) -> list[bytes]:
    return [e for i in ids for e in (i.encode(), i.encode("utf-32-le"), i.encode("utf-32-be"))]


def redis_traces(clients: Iterable[redis.Redis], ids: Iterable[str]) -> list[str]:
    """'key: id' for every key whose DUMP holds an id."""
    wanted = encodings(ids)
    found = []
    for client in clients:
        for key in client.scan_iter(count=1000):
            dump = client.dump(key) or b""
            found += [f"{key!r}: {w!r}" for w in wanted if w in dump or w in key]
    return found


def _walk(obj: Any, seen: set[int]) -> Iterable[bytes]:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, str):
        yield obj.encode()
    elif isinstance(obj, bytes | bytearray | memoryview):
        yield bytes(obj)
    elif isinstance(obj, np.ndarray):
        yield obj.tobytes()
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(k, seen)
            yield from _walk(v, seen)
    elif isinstance(obj, list | tuple | set | frozenset):
        for v in obj:
            yield from _walk(v, seen)
    elif isinstance(obj, msgspec.Struct):
        for f in obj.__struct_fields__:
            yield from _walk(getattr(obj, f), seen)
    elif hasattr(obj, "__dict__"):
        yield from _walk(vars(obj), seen)


def object_traces(obj: Any, ids: Iterable[str]) -> list[str]:
    """Every str/bytes/array reachable from obj (the memory store) that holds an id."""
    wanted = encodings(ids)
    return [repr(chunk[:80]) for chunk in _walk(obj, set()) for w in wanted if w in chunk]


def file_traces(folder: Path, ids: Iterable[str]) -> list[str]:
    wanted = encodings(ids)
    return [f"{p}: {w!r}" for p in folder.rglob("*") if p.is_file() for w in wanted if w in p.read_bytes()]
