"""The leaf-mask scorer finds the leaf a plain walk down each tree finds, for every tree shape and width."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from omnirec.bundle.format import TreeEnsemble
from omnirec.scoring.tree_masks import GROUP_BYTES, LeafMasks, tree_order_sum
from omnirec.scoring.trees import CompiledTrees
from omnirec_train.tree_ranker import LGBM_PARAMS, GroupedRows, ensemble_from_dump, predict


def random_ensemble(rng: np.random.Generator, trees: int, leaves: int, features: int) -> TreeEnsemble:
    """Random trees grown by splitting a random leaf (the first with exactly `leaves` leaves, the others up to
    that), thresholds from a few values."""
    split_feature: list[int] = []
    threshold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    leaf_value: list[float] = []
    roots: list[int] = []
    for tree in range(trees):
        leaf_value.append(float(rng.normal()))
        root = ~(len(leaf_value) - 1)
        open_leaves = [(None, "root")]  # (parent split, side) of each current leaf
        for _ in range(leaves - 1 if tree == 0 else int(rng.integers(0, leaves))):
            parent, side = open_leaves.pop(int(rng.integers(len(open_leaves))))
            split = len(split_feature)
            split_feature.append(int(rng.integers(features)))
            threshold.append(float(rng.integers(0, 6)) / 4)  # ties between splits and with row values
            leaf_value.append(float(rng.normal()))
            left.append(~(len(leaf_value) - 1))
            leaf_value.append(float(rng.normal()))
            right.append(~(len(leaf_value) - 1))
            # the new split replaces the leaf it grew from (that leaf's number stays unused)
            if parent is None:
                root = split
            elif side == "left":
                left[parent] = split
            else:
                right[parent] = split
            open_leaves += [(split, "left"), (split, "right")]
        roots.append(root)
    return TreeEnsemble(
        feature_names=tuple(f"f{i}" for i in range(features)),
        roots=tuple(roots),
        split_feature=tuple(split_feature),
        threshold=tuple(threshold),
        left=tuple(left),
        right=tuple(right),
        leaf_value=tuple(leaf_value),
        max_depth=64,
    )


def walk(ensemble: TreeEnsemble, row: np.ndarray) -> float:
    """The reference: one row, one tree after the other, `x <= threshold` goes left (NaN too)."""
    total = 0.0
    for node in ensemble.roots:
        while node >= 0:
            go_right = row[ensemble.split_feature[node]] > ensemble.threshold[node]
            node = ensemble.right[node] if go_right else ensemble.left[node]
        total += ensemble.leaf_value[~node]
    return total


@pytest.mark.parametrize("leaves", [1, 2, 8, 9, 16, 17, 32, 33, 64])
def test_masks_of_every_width_find_the_walked_leaf(leaves: int) -> None:
    rng = np.random.default_rng(leaves)
    ensemble = random_ensemble(rng, trees=12, leaves=leaves, features=5)
    rows = np.round(rng.random((300, 5)) * 6) / 4  # values on and between the thresholds
    rows[::7, 2] = np.nan
    rows[1::11, 3] = np.inf
    rows[2::13, 1] = -np.inf
    expected = np.array([walk(ensemble, row) for row in rows])
    # Tables of one feature each, the default grouping, and every feature in one table: the same leaves.
    used = len(set(ensemble.split_feature))
    for table_bytes, groups in ((0, used), (GROUP_BYTES, None), (1 << 12, None)):
        masks = LeafMasks.of(ensemble, np.arange(5), table_bytes)
        assert masks is not None
        bits = masks.ones.dtype.itemsize * 8
        assert bits >= leaves > (bits // 2 if leaves > 8 else 0)  # the narrowest mask type that holds them
        assert groups is None or len(masks.groups) == groups
        for block in (1, 7, 1024):  # a row's score does not depend on its block
            np.testing.assert_array_equal(masks.predict(rows, block), expected)


def test_trees_over_64_leaves_are_walked_instead() -> None:
    rng = np.random.default_rng(3)
    ensemble = random_ensemble(rng, trees=3, leaves=90, features=4)
    assert LeafMasks.of(ensemble, np.arange(4)) is None
    rows = rng.random((50, 4)) * 1.5
    compiled = CompiledTrees(ensemble, {f"f{i}": i for i in range(4)})
    assert compiled.masks is None
    np.testing.assert_array_equal(compiled.predict(rows), [walk(ensemble, row) for row in rows])


def test_wide_lightgbm_trees_score_as_lightgbm_predicts() -> None:
    rng = np.random.default_rng(8)
    x = rng.random((4000, 6))
    label = ((x[:, 0] + x[:, 1] * x[:, 2] + 0.3 * rng.random(4000)) > 0.9).astype(np.int64)
    rows = GroupedRows(x, label, np.full(100, 40))
    params = {**LGBM_PARAMS, "num_leaves": 40, "max_depth": -1, "min_data_in_leaf": 5, "seed": 2}
    names = tuple(f"f{i}" for i in range(6))
    booster = lgb.train(params, lgb.Dataset(x, label=label, group=rows.group, feature_name=list(names)), 8)
    ensemble = ensemble_from_dump(booster.dump_model(), names)
    masks = LeafMasks.of(ensemble, np.arange(6))
    assert masks is not None and masks.ones.dtype == np.uint64  # over 32 leaves in a tree
    fresh = rng.random((500, 6))
    np.testing.assert_array_equal(predict(ensemble, fresh), booster.predict(fresh))


@pytest.mark.parametrize("rows", [1, 2, 3, 8, 9, 17, 129, 1024])
def test_tree_order_sum_adds_tree_by_tree_whatever_the_rows(rows: int) -> None:
    # Magnitudes 1e-8..1e8 make pairwise and in-order summation round differently over 60 trees.
    rng = np.random.default_rng(rows)
    by_tree = rng.standard_normal((60, rows)) * 10.0 ** rng.integers(-8, 8, (60, rows))
    expected = by_tree[0].copy()
    for tree in range(1, 60):
        expected += by_tree[tree]
    np.testing.assert_array_equal(tree_order_sum(by_tree), expected)
    wider = np.zeros((60, rows + 3))  # a column slice of a larger work buffer, as predict passes
    wider[:, :rows] = by_tree
    np.testing.assert_array_equal(tree_order_sum(wider[:, :rows]), expected)
