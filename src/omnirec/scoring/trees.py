"""Score a TreeEnsemble (the learned ranker, omnirec.bundle.format) with numpy: no training library needed.

Leaf values are added tree by tree in order, so every caller (service, export, evaluation) gets the same
float64 score for the same feature row, equal to LightGBM's own prediction (tests/unit/test_trees.py).
"""

from __future__ import annotations

import numpy as np

from omnirec.bundle.format import TreeEnsemble

ROW_BLOCK = 1024  # rows scored together: 1024 x 60 trees of int64 node indices is 0.5 MB


class CompiledTrees:
    """A TreeEnsemble's arrays as numpy, laid out for scoring many rows against all trees at once.

    Leaves become absorbing nodes (threshold +inf, both children themselves), so every row takes exactly
    max_depth uniform steps of four flat `take`s: no masks, no 2-D fancy indexing.
    """

    def __init__(self, ensemble: TreeEnsemble, columns: dict[str, int]) -> None:
        missing = [name for name in ensemble.feature_names if name not in columns]
        if missing:
            raise ValueError(f"the ranker's trees use features this omnirec does not compute: {', '.join(missing)}")
        n_inner, n_leaves = len(ensemble.split_feature), len(ensemble.leaf_value)
        remap = np.array([columns[name] for name in ensemble.feature_names], dtype=np.int64)

        def node_of(child: np.ndarray) -> np.ndarray:  # leaf ~c becomes node n_inner + c
            return np.where(child >= 0, child, n_inner + ~child)

        leaves = np.arange(n_inner, n_inner + n_leaves, dtype=np.int64)
        feature = np.array(ensemble.split_feature, dtype=np.int64)
        self.feature = np.concatenate([remap[feature] if feature.size else feature, np.zeros(n_leaves, np.int64)])
        self.threshold = np.concatenate([np.array(ensemble.threshold, dtype=np.float64), np.full(n_leaves, np.inf)])
        left = np.concatenate([node_of(np.array(ensemble.left, dtype=np.int64)), leaves])
        right = np.concatenate([node_of(np.array(ensemble.right, dtype=np.int64)), leaves])
        self.children = np.stack([left, right], axis=1).ravel()  # node n: [2n] left, [2n + 1] right
        self.value = np.concatenate([np.zeros(n_inner), np.array(ensemble.leaf_value, dtype=np.float64)])
        self.roots = node_of(np.array(ensemble.roots, dtype=np.int64))
        self.n_trees = ensemble.n_trees
        self.max_depth = ensemble.max_depth

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """Score per row of `matrix` (rows x features in the caller's column order), float64.

        Rows go in blocks of ROW_BLOCK so every temporary (block rows x trees) stays in the CPU cache; a
        row's score does not depend on its block, so the same row scores the same in any batch.
        """
        rows = matrix.shape[0]
        out = np.zeros(rows, dtype=np.float64)
        if rows == 0 or self.n_trees == 0:
            return out
        data = np.ascontiguousarray(matrix, dtype=np.float64)
        width = data.shape[1]
        for start in range(0, rows, ROW_BLOCK):
            flat = data[start : start + ROW_BLOCK].ravel()  # row-major: [row * width + feature]
            n = flat.shape[0] // width
            node = np.repeat(self.roots[None, :], n, axis=0)  # (rows, trees)
            base = (np.arange(n, dtype=np.int64) * width)[:, None]
            for _ in range(self.max_depth):
                values = flat.take(self.feature.take(node) + base)
                node = self.children.take(2 * node + (values > self.threshold.take(node)))
            # A running sum along the trees, in tree order (as LightGBM adds them): one call, same bits.
            out[start : start + n] = np.cumsum(self.value.take(node), axis=1)[:, -1]
        return out
