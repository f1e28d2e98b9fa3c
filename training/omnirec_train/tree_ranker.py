"""Fit the learned ranker: LightGBM LambdaRank over the candidates' features, flattened into a TreeEnsemble.

Fitted on the validation split inside the training period, customers as query groups, with early stopping
on held-out customers; nothing is tuned per dataset (one fixed, small configuration). The booster leaves
the trainer as arrays (omnirec.scoring.trees), so the service needs neither LightGBM nor pickle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from omnirec.bundle.format import TreeEnsemble
from omnirec.scoring.trees import CompiledTrees

# Small trees, a low learning rate and early stopping: a reranker of ~100-300 candidates per customer.
LGBM_PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "learning_rate": 0.05,
    "num_leaves": 15,
    "max_depth": 6,  # bounds the scorer's steps per row (numpy walks every tree to max_depth)
    "min_data_in_leaf": 50,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "lambdarank_truncation_level": 20,
    "use_missing": False,  # features are always finite; every split is a plain `x <= threshold`
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "verbosity": -1,
}
MAX_ROUNDS = 300
EARLY_STOPPING = 30


@dataclass(frozen=True)
class GroupedRows:
    """Candidates of many customers, contiguous per customer: features, graded relevance and group sizes."""

    matrix: np.ndarray  # float64 (rows, features)
    label: np.ndarray  # int (rows,)
    group: np.ndarray  # int64 (customers,): rows per customer, in order

    def customers(self, keep: np.ndarray) -> GroupedRows:
        """The rows of the customers where `keep` (bool per customer) is True."""
        rows = np.repeat(keep, self.group)
        return GroupedRows(self.matrix[rows], self.label[rows], self.group[keep])


def fit_trees(
    train: GroupedRows, valid: GroupedRows, feature_names: Sequence[str], seed: int, rounds: int | None = None
) -> tuple[TreeEnsemble, int]:
    """(ensemble, boosting rounds used). With `rounds` None, early stopping on `valid` picks the rounds."""
    import lightgbm as lgb

    params = {**LGBM_PARAMS, "seed": seed}
    data = lgb.Dataset(train.matrix, label=train.label, group=train.group, feature_name=list(feature_names))
    if rounds is None:
        valid_set = lgb.Dataset(valid.matrix, label=valid.label, group=valid.group, reference=data)
        booster = lgb.train(
            params,
            data,
            num_boost_round=MAX_ROUNDS,
            valid_sets=[valid_set],
            callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False)],
        )
        used = max(1, int(booster.best_iteration or booster.current_iteration()))
    else:
        booster = lgb.train(params, data, num_boost_round=max(1, rounds))
        used = max(1, rounds)
    return ensemble_from_dump(booster.dump_model(num_iteration=used), feature_names), used


def ensemble_from_dump(dump: dict[str, Any], feature_names: Sequence[str]) -> TreeEnsemble:
    """Flatten LightGBM's dump_model() JSON into a TreeEnsemble (numeric `<=` splits only)."""
    split_feature: list[int] = []
    threshold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    leaf_value: list[float] = []
    roots: list[int] = []
    depth = 0

    def visit(node: dict[str, Any], level: int) -> int:
        nonlocal depth
        if "leaf_value" in node or "split_feature" not in node:
            leaf_value.append(float(node.get("leaf_value", 0.0)))
            return ~(len(leaf_value) - 1)
        if node.get("decision_type", "<=") != "<=":
            raise ValueError(f"unsupported split {node.get('decision_type')!r}: the ranker uses numeric splits")
        depth = max(depth, level + 1)
        index = len(split_feature)
        split_feature.append(int(node["split_feature"]))
        threshold.append(float(node["threshold"]))
        left.append(0)
        right.append(0)
        left[index] = visit(node["left_child"], level + 1)
        right[index] = visit(node["right_child"], level + 1)
        return index

    for tree in dump["tree_info"]:
        roots.append(visit(tree["tree_structure"], 0))
    return TreeEnsemble(
        feature_names=tuple(feature_names),
        roots=tuple(roots),
        split_feature=tuple(split_feature),
        threshold=tuple(threshold),
        left=tuple(left),
        right=tuple(right),
        leaf_value=tuple(leaf_value),
        max_depth=depth,
    )


def predict(ensemble: TreeEnsemble, matrix: np.ndarray) -> np.ndarray:
    """Scores of rows whose columns are ensemble.feature_names in order."""
    return CompiledTrees(ensemble, {name: i for i, name in enumerate(ensemble.feature_names)}).predict(matrix)
