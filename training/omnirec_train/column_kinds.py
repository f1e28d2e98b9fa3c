"""Which feature columns are categorical: integer codes (ids, categories, brands) are; quantities are not.

A numeric column of integer codes (`category` = 1234, `brand_id`) cut into quantile buckets puts unrelated
categories into one feature and collapses items without events onto a few identical rows (issue 14). The
rule, documented in the README's input contract:

- a text column is categorical, as before;
- a numeric column is categorical when every value is an integer AND a word of its name marks an id or a
  code (ID_WORDS: `category`, `brand_id`, `typeCode`, `dept`...); other numeric columns (`price`,
  `weight_g`, `rating`) stay numeric, because integer quantities (prices in cents) have many distinct
  values too, so neither integrality nor a count of distinct values tells a code from an amount;
- TrainingConfig.categorical_columns / numeric_columns override the rule per column name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from omnirec.data.event_log import FeatureTable

ID_WORDS = frozenset(
    {"id", "ids", "code", "codes", "cat", "category", "categories", "brand", "type", "class", "group", "sku"}
    | {"dept", "department", "segment", "cluster", "family", "division", "subcategory", "subcat", "genre"}
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_EXACT_INTEGER = 2.0**53  # floats represent every integer below this exactly


def name_words(name: str) -> list[str]:
    """Lower-case words of a column name: 'brand_id' -> [brand, id], 'categoryID' -> [category, id]."""
    return [w.lower() for w in _WORD.findall(name)]


def looks_like_code(name: str, values: np.ndarray) -> bool:
    """Every present value an integer, and the name says id/code/category/brand/type... (ID_WORDS)."""
    return is_integer_valued(values) and any(w in ID_WORDS for w in name_words(name))


def is_integer_valued(values: np.ndarray) -> bool:
    present = values[~np.isnan(values)]
    return bool(present.size) and bool(np.all((present == np.round(present)) & (np.abs(present) < _EXACT_INTEGER)))


def code_strings(values: np.ndarray) -> np.ndarray:
    """Numbers as the text a category filter compares: '1234' (never '1234.0'), '' when missing."""
    out = np.full(values.shape[0], "", dtype=object)
    present = ~np.isnan(values)
    if is_integer_valued(values):
        out[present] = values[present].astype(np.int64).astype(str)
    else:
        out[present] = [repr(float(v)) for v in values[present]]
    return out.astype(str)


def split_columns(
    table: FeatureTable, categorical: Iterable[str] = (), numeric: Iterable[str] = ()
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(categorical columns as str arrays, numeric columns as float64 arrays) after the rule and overrides.

    A `numeric` override of a text column is refused at load (omnirec.data.loading); here it is ignored.
    """
    force_cat, force_num = set(categorical), set(numeric)
    cats = dict(table.categorical)
    nums: dict[str, np.ndarray] = {}
    for name, values in table.numeric.items():
        as_code = name in force_cat or (name not in force_num and looks_like_code(name, values))
        if as_code:
            cats[name] = code_strings(values)
        else:
            nums[name] = values
    return cats, nums
