"""ModelRowsBatch: the columnar rows publish writes, built from records and read back per customer."""

from __future__ import annotations

import pytest

from model_rows import rows
from omnirec.store.records import ModelRows, ModelRowsBatch


def test_a_batch_gives_back_each_customers_rows() -> None:
    a, b = ("a", "view", 5, "web"), ("b", "purchase", 6, "store")
    given = {"c1": rows(1, b, a), "c2": rows(2), "c3": rows(3, a)}
    batch = ModelRowsBatch.of(given)
    assert batch.ids == ["c1", "c2", "c3"] and list(batch.indptr or []) == [0, 2, 2, 3]
    assert [batch.row(k) for k in range(3)] == list(given.values())
    assert ModelRowsBatch.of({"c1": rows(None, a)}).vectors is None


def test_a_batch_holds_a_vector_for_every_customer_or_none() -> None:
    with pytest.raises(ValueError, match="every customer or for none"):
        ModelRowsBatch.of({"c1": rows(1), "c2": ModelRows()})
