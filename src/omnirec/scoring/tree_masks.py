"""Leaf masks of a tree ensemble: every tree scored at once per row, with a binary search per feature.

The exit leaf of a row in a tree is the leftmost leaf that none of the row's "right turns" rules out: a
split the row passes to the right (x > threshold) removes the leaves of its left subtree (QuickScorer,
Lucchese et al., SIGIR 2015). With each tree's leaves numbered left to right as bits of one integer, the
row's exit leaf is the lowest bit left after ANDing the masks of its right turns. The right turns of a
row on a feature are the splits on it whose threshold is below the row's value: a prefix of that
feature's splits sorted by threshold, so one table row per (feature, prefix length) holds their masks
already ANDed per tree, and a row costs one binary search per feature and one table-row AND.

Features with few splits share a table (SplitGroup): one row per combination of their prefix lengths,
the masks of each combination ANDed beforehand, so a row costs one table-row AND per group rather than
per feature (23 features of a 60-tree ranker fall into 11 groups of tables up to 256 kB).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omnirec.bundle.format import TreeEnsemble

MASK_TYPES = (np.uint8, np.uint16, np.uint32, np.uint64)  # the narrowest that holds a tree's leaves is used
GROUP_BYTES = 256 * 1024  # largest table of a SplitGroup (the rows a block reads stay in a core's L2 cache)


@dataclass(frozen=True)
class FeatureSplits:
    """Every split on one feature, thresholds ascending, and the trees' masks after each prefix of them."""

    column: int  # the feature's column in the caller's matrix
    thresholds: np.ndarray  # float64 (splits,), ascending
    masks: np.ndarray  # (splits + 1, trees): row c = AND of the first c splits' masks, per tree


@dataclass(frozen=True)
class SplitGroup:
    """Features looked up in one table: row index = their prefix lengths in mixed radix (the first feature
    most significant), each row the AND of those prefixes' masks."""

    features: tuple[FeatureSplits, ...]
    masks: np.ndarray  # (product of the features' splits + 1, trees)

    @classmethod
    def of(cls, features: list[FeatureSplits]) -> SplitGroup:
        masks = features[0].masks
        for feature in features[1:]:
            masks = (masks[:, None, :] & feature.masks[None, :, :]).reshape(-1, masks.shape[1])
        return cls(tuple(features), np.ascontiguousarray(masks))

    def rows(self, columns: np.ndarray) -> np.ndarray:
        """The table row of every column of `columns` (features x rows, no NaN)."""
        # side="left": the number of thresholds strictly below the value, the splits turned right at.
        first = self.features[0]
        index = np.searchsorted(first.thresholds, columns[first.column])
        for feature in self.features[1:]:
            index *= feature.masks.shape[0]
            index += np.searchsorted(feature.thresholds, columns[feature.column])
        return index


def split_groups(features: list[FeatureSplits], table_bytes: int) -> tuple[SplitGroup, ...]:
    """Features with the fewest splits first, each group as many as keep its table within table_bytes."""
    groups: list[SplitGroup] = []
    members: list[FeatureSplits] = []
    rows = 1
    for feature in sorted(features, key=lambda f: f.masks.shape[0]):  # stable: ties in feature order
        size = feature.masks.shape[0]
        if members and rows * size * feature.masks[0].nbytes > table_bytes:
            groups.append(SplitGroup.of(members))
            members, rows = [], 1
        members.append(feature)
        rows *= size
    if members:
        groups.append(SplitGroup.of(members))
    return tuple(groups)


@dataclass(frozen=True)
class LeafMasks:
    groups: tuple[SplitGroup, ...]
    values: np.ndarray  # float64 (trees * bits,): leaf value at tree * bits + leaf bit (0: never reached)
    offsets: np.ndarray  # int64 (trees,): tree * bits
    ones: np.ndarray  # (trees,) every bit set: no right turn yet
    lowest_bit: np.ndarray | None  # int64 per mask value (masks of up to 16 bits): its lowest set bit

    @classmethod
    def of(cls, ensemble: TreeEnsemble, columns: np.ndarray, table_bytes: int = GROUP_BYTES) -> LeafMasks | None:
        """The masks of `ensemble` (feature f read from column columns[f]); None if a tree has over 64 leaves."""
        left, right = ensemble.left, ensemble.right
        n_trees = ensemble.n_trees
        leaf_tree = np.full(len(ensemble.leaf_value), -1, dtype=np.int64)  # -1: in no tree
        leaf_bit = np.zeros(len(ensemble.leaf_value), dtype=np.int64)
        split_tree = np.zeros(len(ensemble.split_feature), dtype=np.int64)
        left_leaves: list[list[int]] = [[] for _ in ensemble.split_feature]  # leaves of each split's left subtree
        widest = 1
        for tree, root in enumerate(ensemble.roots):
            order = _leaves_left_to_right(root, left, right)
            widest = max(widest, len(order))
            leaf_tree[order] = tree
            leaf_bit[order] = np.arange(len(order))
            for split in _splits(root, left, right):
                split_tree[split] = tree
                left_leaves[split] = _leaves_left_to_right(left[split], left, right)
        dtype = next((t for t in MASK_TYPES if widest <= np.iinfo(t).bits), None)
        if dtype is None:
            return None
        bits = np.iinfo(dtype).bits
        ones = np.full(n_trees, np.iinfo(dtype).max, dtype=dtype)
        split_mask = np.array(
            [ones[0] ^ dtype(sum(1 << int(leaf_bit[leaf]) for leaf in leaves)) for leaves in left_leaves], dtype=dtype
        )
        feature = np.array(ensemble.split_feature, dtype=np.int64)
        threshold = np.array(ensemble.threshold, dtype=np.float64)
        features = []
        for f in np.unique(feature).tolist():
            splits = np.flatnonzero(feature == f)
            splits = splits[np.argsort(threshold[splits], kind="stable")]
            masks = np.repeat(ones[None, :], splits.shape[0] + 1, axis=0)
            for c, split in enumerate(splits.tolist(), start=1):
                masks[c:, split_tree[split]] &= split_mask[split]
            features.append(FeatureSplits(int(columns[f]), threshold[splits], masks))
        values = np.zeros(n_trees * bits, dtype=np.float64)
        reached = leaf_tree >= 0
        values[leaf_tree[reached] * bits + leaf_bit[reached]] = np.array(ensemble.leaf_value, dtype=np.float64)[reached]
        offsets = np.arange(n_trees, dtype=np.int64) * bits
        lowest_bit = None
        if bits <= 16:  # a 512 kB table is faster than the bit arithmetic
            every = np.arange(1 << bits, dtype=np.int64)
            lowest_bit = np.zeros(1 << bits, dtype=np.int64)
            lowest_bit[1:] = (((every & -every)[1:].astype(np.float64).view(np.int64)) >> 52) - 1023
        return cls(split_groups(features, table_bytes), values, offsets, ones, lowest_bit)

    def predict(self, rows: np.ndarray, block: int) -> np.ndarray:
        """Score per row of `rows` (float64 rows x columns): the leaf values added tree by tree in order.

        Rows go `block` at a time through work arrays allocated once per call: fresh arrays of this size
        per block are mapped and faulted in anew by the allocator each time, which costs as much as the
        scoring itself. Exit leaves are looked up straight into a (trees, rows) layout, the one the sum in
        tree order reads, so no float64 array is transposed.
        """
        n_rows, n_trees = rows.shape[0], self.ones.shape[0]
        out = np.empty(n_rows, dtype=np.float64)
        block = min(block, n_rows)
        columns_buf = np.empty((rows.shape[1], block), dtype=np.float64)
        exits_buf = np.empty((block, n_trees), dtype=self.ones.dtype)
        turns_buf = np.empty((block, n_trees), dtype=self.ones.dtype)
        leaf_buf = np.empty((n_trees, block), dtype=np.int64)
        by_tree_buf = np.empty((n_trees, block), dtype=np.float64)
        offsets = self.offsets[:, None]
        for start in range(0, n_rows, block):
            part = rows[start : start + block]
            n = part.shape[0]
            columns, exits, turns = columns_buf[:, :n], exits_buf[:n], turns_buf[:n]
            leaf, by_tree = leaf_buf[:, :n], by_tree_buf[:, :n]
            np.copyto(columns, part.T)  # one contiguous array per feature for its binary search
            if np.isnan(columns).any():  # NaN > threshold is False: NaN turns left everywhere, as -inf does
                columns[np.isnan(columns)] = -np.inf
            if not self.groups:
                exits[...] = self.ones
            for g, group in enumerate(self.groups):
                group.masks.take(group.rows(columns), axis=0, out=turns if g else exits)
                if g:
                    exits &= turns
            if self.lowest_bit is not None:
                self.lowest_bit.take(exits.T, out=leaf)
            else:  # the lowest set bit alone is a power of two; its bit number is its float exponent
                low = exits.T & (~exits.T + exits.dtype.type(1))
                leaf[...] = (low.astype(np.float64).view(np.int64) >> 52) - 1023
            leaf += offsets
            self.values.take(leaf, out=by_tree)
            out[start : start + n] = tree_order_sum(by_tree)
        return out


def tree_order_sum(by_tree: np.ndarray) -> np.ndarray:
    """Per column of (trees, rows), the values added tree by tree in order: the sum LightGBM computes.

    With two or more rows numpy reduces over the outer axis by adding whole rows in order (one call for
    what a Python loop did in one call per tree); over a single column it would sum pairwise, with other
    rounding, so one row is added up in a loop (tests/unit/scoring/test_tree_masks.py checks both against the loop).
    """
    if by_tree.shape[1] >= 2:
        return np.add.reduce(by_tree, axis=0)
    total = by_tree[0].copy()
    for tree in range(1, by_tree.shape[0]):
        total += by_tree[tree]
    return total


def _leaves_left_to_right(child: int, left: tuple[int, ...], right: tuple[int, ...]) -> list[int]:
    """Leaf numbers under `child` (a split index, or ~leaf), leftmost first."""
    leaves, stack = [], [child]
    while stack:
        node = stack.pop()
        if node < 0:
            leaves.append(~node)
        else:
            stack += (right[node], left[node])
    return leaves


def _splits(child: int, left: tuple[int, ...], right: tuple[int, ...]) -> list[int]:
    """Split indices under `child`."""
    splits, stack = [], [child]
    while stack:
        node = stack.pop()
        if node >= 0:
            splits.append(node)
            stack += (right[node], left[node])
    return splits
