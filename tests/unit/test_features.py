"""Trainer feature matrices: categorical values become 'column=value', consent flags never do."""

from __future__ import annotations

import numpy as np

from omnirec.data.event_log import FeatureTable
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
