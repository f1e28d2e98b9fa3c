"""Trainer feature matrices: categorical values become 'column=value', consent flags never do."""

from __future__ import annotations

import numpy as np

from omnirec.data.event_log import FeatureTable
from omnirec_train.column_kinds import looks_like_code
from omnirec_train.features import build_features
from omnirec_train.interactions import IdMap


def test_consent_columns_are_not_model_features() -> None:
    ids = np.array(["a", "b", "c"])
    table = FeatureTable(
        ids=ids,
        categorical={
            "segment": np.array(["pet", "diy", "pet"]),
            "consent_email": np.array(["true", "false", "true"]),
        },
    )
    features = build_features(IdMap(ids), table, buckets=4, max_values=100)
    assert features.names == ["segment=diy", "segment=pet"]
    row_a = features.matrix[0].toarray().ravel()
    assert row_a.sum() == 1.0  # identity + one feature, normalised
    assert row_a[3 + 1] == row_a[0] == 0.5  # 'a' is segment=pet


def codes_table() -> FeatureTable:
    """Integer category codes and brand ids beside a genuine quantity (price in cents)."""
    ids = np.array([f"i{n}" for n in range(40)])
    return FeatureTable(
        ids=ids,
        numeric={
            "category": np.array([1234.0, 5678.0, 91011.0, np.nan] * 10),
            "brand_id": np.array([3.0, 4.0] * 20),
            "price_cents": (np.arange(40) % 10) * 100.0 + 99.0,
        },
    )


def test_integer_code_columns_become_categories_and_quantities_stay_buckets() -> None:
    table = codes_table()
    features = build_features(IdMap(table.ids), table, buckets=4, max_values=100)
    assert {"category=1234", "category=5678", "category=91011", "brand_id=3", "brand_id=4"} <= set(features.names)
    assert not any(name.startswith(("category=bucket", "brand_id=bucket")) for name in features.names)
    assert sum(name.startswith("price_cents=bucket") for name in features.names) == 4
    # The grouping column of category filters and repeat statistics keeps the codes as text, '' when missing.
    assert features.category[:4].tolist() == ["1234", "5678", "91011", ""]


def test_training_settings_override_the_column_rule() -> None:
    table = codes_table()
    features = build_features(
        IdMap(table.ids), table, buckets=4, max_values=100, categorical=("price_cents",), numeric=("brand_id",)
    )
    assert "price_cents=99" in features.names
    assert any(name.startswith("brand_id=bucket") for name in features.names)


def test_id_words_are_read_from_snake_and_camel_case_names() -> None:
    codes = np.array([1.0, 2.0, np.nan])
    for name in ("category", "brand_id", "categoryID", "typeCode", "dept", "item_type"):
        assert looks_like_code(name, codes), name
    for name in ("price", "weight_g", "rating", "identity", "stock"):
        assert not looks_like_code(name, codes), name
    assert not looks_like_code("category", np.array([1.5, 2.0]))  # not all integers: a measure, not a code
