"""Per-customer model rows in both backends: ModelRows -> payloads per row kind, a customer's payloads -> ModelRows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from omnirec.store import codec
from omnirec.store.records import ModelRows


def row_payloads(rows: Mapping[str, ModelRows]) -> dict[str, dict[str, bytes]]:
    """Row kind ('user', 'history') -> {id: payload} of the parts each ModelRows holds."""
    vectors = {i: codec.encode_vector(r.vector) for i, r in rows.items() if r.vector is not None}
    histories = {i: codec.encode_history(r.history) for i, r in rows.items() if r.history}
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
