"""Item and user feature matrices for LightFM: identity + `column=value` + numeric quantile buckets.

Which numeric columns are really codes (`category` = 1234) and so categorical: omnirec_train.column_kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from omnirec.columns import CONSENT_PREFIX
from omnirec.data.event_log import FeatureTable
from omnirec_train.column_kinds import split_columns
from omnirec_train.interactions import IdMap

# A categorical column whose values are nearly all distinct (titles, ids) is no grouping: skip it.
NEAR_UNIQUE_SHARE = 0.5


@dataclass(frozen=True)
class FeatureMatrix:
    """LightFM feature matrix: columns [identity (n) | named features (F)], rows summing to 1."""

    matrix: sp.csr_matrix  # n x (n + F)
    names: list[str]  # the F named features, 'column=value' or 'column=bucketK'
    category: np.ndarray  # str per row: the grouping column's value, '' when none

    @property
    def n_named(self) -> int:
        return len(self.names)

    def named_only(self) -> sp.csr_matrix:
        """Rows over the named features only, renormalised to sum 1 (all-zero rows stay zero)."""
        n = self.matrix.shape[0]
        part = sp.csr_matrix(self.matrix[:, n:])
        return _normalise_rows(part)


def _normalise_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    scale = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    return sp.csr_matrix(sp.diags(scale) @ matrix, dtype=np.float32)


def _bucket(values: np.ndarray, buckets: int) -> np.ndarray:
    """Quantile bucket 0..buckets-1 per value, -1 for NaN."""
    finite = values[~np.isnan(values)]
    out = np.full(values.shape[0], -1, dtype=np.int64)
    if finite.size == 0:
        return out
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, buckets + 1)[1:-1]))
    ok = ~np.isnan(values)
    out[ok] = np.searchsorted(edges, values[ok], side="right")
    return out


def _columns(
    n: int, categorical: dict[str, np.ndarray], numeric: dict[str, np.ndarray], buckets: int, max_values: int
) -> list[tuple[str, np.ndarray]]:
    """(column, string value per row) for each usable column of an n-row table; '' means no feature."""
    cols: list[tuple[str, np.ndarray]] = []
    n = max(n, 1)
    for name, values in categorical.items():
        if name.startswith(CONSENT_PREFIX):  # consent flags are customer state, never a model feature
            continue
        distinct = np.unique(values[values != ""])
        if 0 < distinct.size <= max_values and (distinct.size <= NEAR_UNIQUE_SHARE * n or n < 20):
            cols.append((name, values.astype(str)))
    for name, values in numeric.items():
        bucket = _bucket(values.astype(np.float64), buckets)
        if (bucket >= 0).any():
            cols.append((name, np.where(bucket >= 0, np.char.add("bucket", bucket.astype(str)), "")))
    return cols


def _category_column(cols: list[tuple[str, np.ndarray]], categorical: set[str]) -> str | None:
    names = [c for c, _ in cols if c in categorical]
    if "category" in names:
        return "category"
    return names[0] if names else None


def build_features(
    ids: IdMap,
    table: FeatureTable | None,
    buckets: int,
    max_values: int,
    categorical: tuple[str, ...] = (),
    numeric: tuple[str, ...] = (),
) -> FeatureMatrix:
    """Feature matrix over every id of `ids`; rows without a table entry get identity only.

    `categorical` / `numeric` override the column rule (TrainingConfig.categorical_columns / numeric_columns).
    """
    n = len(ids)
    identity = sp.identity(n, dtype=np.float32, format="csr")
    if table is None or not len(table):
        return FeatureMatrix(matrix=identity, names=[], category=np.full(n, "", dtype=str))
    cat_values, num_values = split_columns(table, categorical, numeric)
    cols = _columns(len(table), cat_values, num_values, buckets, max_values)
    rows = ids.to_internal(table.ids)
    known = rows >= 0
    names: list[str] = []
    r_parts: list[np.ndarray] = []
    c_parts: list[np.ndarray] = []
    for column, values in cols:
        present = known & (values != "")
        labels = np.char.add(f"{column}=", values[present])
        uniq, inverse = np.unique(labels, return_inverse=True)
        r_parts.append(rows[present])
        c_parts.append(n + len(names) + inverse)
        names.extend(uniq.tolist())
    r = np.concatenate([np.arange(n), *r_parts])
    c = np.concatenate([np.arange(n), *c_parts])
    matrix = sp.csr_matrix((np.ones(r.shape[0], dtype=np.float32), (r, c)), shape=(n, n + len(names)))
    category = np.full(n, "", dtype=object)
    cat_col = _category_column(cols, set(cat_values))
    if cat_col is not None:  # the grouping of category filters and repeat statistics, integer codes included
        category[rows[known]] = cat_values[cat_col][known]
    return FeatureMatrix(matrix=_normalise_rows(matrix), names=names, category=category.astype(str))
