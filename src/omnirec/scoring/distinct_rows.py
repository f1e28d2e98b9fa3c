"""DistinctRows: each distinct (vector, bias) row of a catalogue once, and the items that share it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DistinctRows:
    """Groups of items with bit-identical (vector, bias) rows, numbered in order of first occurrence.

    Items without interactions often share one row (same features, no identity signal): thousands of
    equal points split an HNSW graph into islands, so the index holds each distinct row once. Scoring a
    group once also gives duplicates exactly equal scores, so ties among them fall to the lower index
    (a BLAS product can round equal rows differently depending on where they sit in the matrix).
    """

    vectors: np.ndarray  # (G, d) float32: one row per group
    biases: np.ndarray  # (G,) float32
    group: np.ndarray  # (N,) int64: each item's group
    members: np.ndarray  # (N,) int64: items sorted by (group, index)
    starts: np.ndarray  # (G + 1,) int64: members[starts[g]:starts[g + 1]] are group g's items, ascending

    @classmethod
    def of(cls, vectors: np.ndarray, biases: np.ndarray) -> DistinctRows:
        data = np.ascontiguousarray(np.hstack([vectors, biases[:, None]]), dtype=np.float32)
        n = data.shape[0]
        if n == 0:
            empty = np.empty(0, dtype=np.int64)
            return cls(vectors, biases, empty, empty, np.zeros(1, dtype=np.int64))
        # Bitwise equality through a void view: 0.1 s at 100k x 65, 2.5x faster than np.unique(axis=0).
        rows = data.view(np.dtype((np.void, data.shape[1] * data.itemsize))).ravel()
        _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
        renumber = np.empty(first.shape[0], dtype=np.int64)
        renumber[np.argsort(first, kind="stable")] = np.arange(first.shape[0])
        group = renumber[inverse.ravel()]
        reps = np.sort(first)
        members = np.argsort(group, kind="stable").astype(np.int64)
        starts = np.zeros(reps.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(group, minlength=reps.shape[0]), out=starts[1:])
        return cls(
            np.ascontiguousarray(vectors[reps], dtype=np.float32),
            np.ascontiguousarray(biases[reps], dtype=np.float32),
            group,
            members,
            starts,
        )

    @property
    def n_groups(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def all_distinct(self) -> bool:
        return self.n_groups == self.group.shape[0]

    def sizes(self, groups: np.ndarray) -> np.ndarray:
        return self.starts[groups + 1] - self.starts[groups]

    def expand(self, groups: np.ndarray) -> np.ndarray:
        """The items of `groups`, group by group in the given order, each group's items ascending."""
        if self.all_distinct:
            return groups.astype(np.int64)
        sizes = self.sizes(groups)
        offsets = np.repeat(self.starts[groups] - np.cumsum(sizes) + sizes, sizes)
        return self.members[np.arange(int(sizes.sum())) + offsets]
