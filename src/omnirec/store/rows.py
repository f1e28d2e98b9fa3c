"""Per-customer model rows in both backends: ModelRows -> payloads per row kind, a customer's payloads -> ModelRows."""

from __future__ import annotations

from collections.abc import Sequence

from omnirec.store import codec
from omnirec.store.records import HistoryEntry, ModelRows, ModelRowsBatch


def row_payloads(batch: ModelRowsBatch) -> dict[str, dict[str, bytes]]:
    """Row kind ('user', 'history') -> {id: payload} of the parts the batch holds (no row for an empty history)."""
    vectors = {}
    if batch.vectors is not None:
        vectors = {i: codec.encode_vector(v) for i, v in zip(batch.ids, batch.vectors, strict=True)}
    histories = {}
    if batch.indptr is not None:
        items, types, times, channels = batch.items, batch.types, batch.times, batch.channels
        ptr = batch.indptr
        for k, customer in enumerate(batch.ids):
            a, b = ptr[k], ptr[k + 1]
            if a < b:  # Structs, not tuples: msgspec keeps them out of the garbage collector's way (2x faster)
                entries = [HistoryEntry(items[j], types[j], times[j], channels[j]) for j in range(a, b)]
                histories[customer] = codec.encode_history(entries)
    return {"user": vectors, "history": histories}


def model_rows(
    customers: Sequence[Sequence[str]], vectors: Sequence[bytes | None], histories: Sequence[bytes | None]
) -> list[ModelRows]:
    """One ModelRows per customer from the 'user' and 'history' payloads of all their ids, flattened in order."""
    out: list[ModelRows] = []
    pos = 0
    for ids in customers:
        end = pos + len(ids)
        vector = next((codec.decode_vector(v) for v in vectors[pos:end] if v is not None), None)
        history = [
            row for payload in histories[pos:end] if payload is not None for row in codec.decode_history(payload)
        ]
        out.append(ModelRows(vector, history))
        pos = end
    return out


def flat_ids(customers: Sequence[Sequence[str]]) -> list[str]:
    """Every id of every customer, in order (what model_rows expects the payloads of)."""
    return [i for ids in customers for i in ids]
