"""Encodings of what the store holds: msgspec msgpack for records, raw little-endian bytes for vectors.

Nothing is pickled. The row helpers (vectors, history) are shared by publishing, which
writes rows, and the service, which decodes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec
import numpy as np

from omnirec.store.keys import CHUNK_BYTES
from omnirec.store.records import CustomerEvent, HistoryEntry, VersionInfo

T = TypeVar("T")

_encoder = msgspec.msgpack.Encoder()
_event_decoder = msgspec.msgpack.Decoder(CustomerEvent)
_version_decoder = msgspec.msgpack.Decoder(VersionInfo)


def payload_version(payload: bytes) -> str:
    """A short digest naming a stored payload (the offer catalogue's version): equal bytes, equal name."""
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def encode(value: Any) -> bytes:
    """msgpack bytes of a record or plain data."""
    return _encoder.encode(value)


def decode(payload: bytes, type: type[T]) -> T:
    return msgspec.msgpack.decode(payload, type=type)


def decode_event(payload: bytes) -> CustomerEvent:
    return _event_decoder.decode(payload)


def decode_version(payload: bytes) -> VersionInfo:
    return _version_decoder.decode(payload)


# -- rows ----------------------------------------------------------------------------------------
def encode_vector(vector: np.ndarray) -> bytes:
    """Raw float32 bytes of a 1-d vector (kind 'user' rows)."""
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def decode_vector(payload: bytes) -> np.ndarray:
    return np.frombuffer(payload, dtype="<f4")


def encode_history(entries: Sequence[HistoryEntry]) -> bytes:
    return _encoder.encode(list(entries))


def decode_history(payload: bytes) -> list[HistoryEntry]:
    return msgspec.msgpack.decode(payload, type=list[HistoryEntry])


# -- whole arrays --------------------------------------------------------------------------------
class ArrayHeader(msgspec.Struct, frozen=True, kw_only=True):
    """Header stored beside an array's parts. dtype 'str' means the payload is a msgpack list of str."""

    dtype: str
    shape: list[int]
    parts: int
    nbytes: int


def encode_array(array: np.ndarray) -> tuple[ArrayHeader, list[bytes]]:
    """Header and payload parts (each at most CHUNK_BYTES) of an array."""
    if array.dtype.kind == "U":
        payload = _encoder.encode(array.reshape(-1).tolist())
        dtype = "str"
    else:
        little = array.astype(array.dtype.newbyteorder("<"), copy=False)
        payload = np.ascontiguousarray(little).tobytes()
        dtype = little.dtype.str
    view = memoryview(payload)
    parts = [bytes(view[i : i + CHUNK_BYTES]) for i in range(0, len(payload), CHUNK_BYTES)] or [b""]
    return ArrayHeader(dtype=dtype, shape=list(array.shape), parts=len(parts), nbytes=len(payload)), parts


def decode_array(header: ArrayHeader, parts: Sequence[bytes]) -> np.ndarray:
    payload = b"".join(parts)
    if len(payload) != header.nbytes:
        raise ValueError(f"array payload has {len(payload)} bytes, header says {header.nbytes}")
    if header.dtype == "str":
        return np.array(msgspec.msgpack.decode(payload, type=list[str]), dtype=str).reshape(header.shape)
    return np.frombuffer(payload, dtype=np.dtype(header.dtype)).reshape(header.shape)
