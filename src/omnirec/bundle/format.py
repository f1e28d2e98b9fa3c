"""The bundle contract: manifest fields, ranker parameters and the arrays in arrays.npz.

Shapes use: I = items, U = users, D = vector dims, C = channels (index 0 is "all"),
S = similar-list length, K = co-occurrence-list length, H = history entries over all users,
F = user feature values. Padding in neighbour lists is index -1 with score 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np

FORMAT_VERSION = 1


class TreeEnsemble(msgspec.Struct, frozen=True, kw_only=True):
    """The learned ranker's gradient-boosted trees, flattened (JSON in the manifest: no pickle).

    One entry per internal node over all trees (feature, threshold, children) and one value per leaf. A
    child index >= 0 is another internal node; a negative child c is the leaf ~c. Every split is numeric,
    `x <= threshold` goes left: the trainer fits with missing-value handling off and features are always
    finite. Scored by omnirec.scoring.trees.
    """

    feature_names: tuple[str, ...]
    roots: tuple[int, ...]  # per tree: its root node, or ~leaf for a single-leaf tree
    split_feature: tuple[int, ...]  # per internal node: column in feature_names
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    leaf_value: tuple[float, ...]
    max_depth: int  # internal nodes on the longest root-to-leaf path

    def __post_init__(self) -> None:
        n = len(self.split_feature)
        if not (len(self.threshold) == len(self.left) == len(self.right) == n):
            raise ValueError("tree ensemble: node arrays differ in length")
        leaves, width = len(self.leaf_value), len(self.feature_names)
        for child in (*self.left, *self.right, *self.roots):
            if not (-leaves <= child < n):
                raise ValueError("tree ensemble: a child points outside the node or leaf arrays")
        if any(not 0 <= f < width for f in self.split_feature):
            raise ValueError("tree ensemble: a split names a feature outside feature_names")

    @property
    def n_trees(self) -> int:
        return len(self.roots)


class RankerParams(msgspec.Struct, frozen=True, kw_only=True):
    """The blend the shipped ranker uses, chosen on a time-based validation split by the trainer.

    Each component is scaled to [0, 1] per request before blending (see omnirec.scoring). When
    `feature_names` is set, the score is instead the learned linear model sum(weight * feature) over
    those named per-candidate features (omnirec.scoring.ranker.FEATURES) and the four w_* are unused;
    bundles without it keep the four-weight blend.
    """

    w_model: float = 1.0  # hybrid LightFM affinity (user vector or session vector . item vector + bias)
    w_history: float = 0.0  # the customer's own history: buy again (repeatable goods) / recently viewed
    w_cooccurrence: float = 0.0  # items bought or viewed together with the customer's recent items
    w_popularity: float = 0.0  # popularity in the requested channel
    session_mix: float = 0.5  # share of the session vector (recent items) in the user's query vector
    history_half_life_days: float = 30.0  # recency decay of history and co-occurrence evidence
    repeat_threshold: float = 0.1  # items bought before are excluded unless their repeat rate reaches this
    history_events: int = 30  # most recent events that feed session, history and co-occurrence
    feature_names: tuple[str, ...] = ()  # learned ranker: named features, see omnirec.scoring.ranker.FEATURES
    feature_weights: tuple[float, ...] = ()  # one weight per feature name
    trees: TreeEnsemble | None = None  # learned ranker (LambdaRank trees); scores candidates when set

    def __post_init__(self) -> None:
        if len(self.feature_names) != len(self.feature_weights):
            raise ValueError("feature_names and feature_weights must have the same length")


class BundleManifest(msgspec.Struct, frozen=True, kw_only=True):
    """manifest.json of a bundle."""

    format_version: int = FORMAT_VERSION
    version: str
    created_at: str  # ISO 8601 UTC
    data_fingerprint: str
    data_source: str
    settings: dict[str, Any]  # the TrainingConfig used, as plain data
    ranker: RankerParams
    metrics: dict[str, Any] = msgspec.field(default_factory=dict)
    counts: dict[str, int] = msgspec.field(default_factory=dict)
    item_feature_names: list[str] = msgspec.field(default_factory=list)
    user_feature_names: list[str] = msgspec.field(default_factory=list)
    channels: list[str] = msgspec.field(default_factory=list)  # same order as the popularity rows
    dim: int
    arrays_sha256: str = ""  # filled by save_bundle


@dataclass(frozen=True)
class ArraySpec:
    dtype: str  # numpy kind: "U" (str), "f4", "i4", "i8", "b1"
    shape: tuple[str, ...]  # symbolic dims; checked for consistency at load
    doc: str


ARRAY_SPECS: dict[str, ArraySpec] = {
    "item_ids": ArraySpec("U", ("I",), "external item ids; position = internal item index"),
    "item_vectors": ArraySpec("f4", ("I", "D"), "item representations; feature-only for items with no interactions"),
    "item_biases": ArraySpec("f4", ("I",), "item biases"),
    "item_has_interactions": ArraySpec("b1", ("I",), "False for catalogue items the model never saw interacted"),
    "item_categories": ArraySpec("U", ("I",), "category (first categorical item feature, '' when none)"),
    "item_channels_mask": ArraySpec("b1", ("I", "C"), "item sold in channel (column 0 'all' is always True)"),
    "user_ids": ArraySpec("U", ("U",), "external user ids; position = internal user index"),
    "user_vectors": ArraySpec("f4", ("U", "D"), "user representations"),
    "user_feature_names": ArraySpec("U", ("F",), "'column=value' user features the model knows"),
    "user_feature_vectors": ArraySpec("f4", ("F", "D"), "embedding per user feature, to build cold-start users"),
    "channels": ArraySpec("U", ("C",), "channel names, index 0 is 'all'"),
    "popularity": ArraySpec("f4", ("C", "I"), "recency-weighted popularity per channel, scaled to [0, 1] per row"),
    "similar_indices": ArraySpec("i4", ("I", "S"), "most similar items by vector cosine, best first"),
    "similar_scores": ArraySpec("f4", ("I", "S"), "cosine similarity of similar_indices"),
    "cooc_indices": ArraySpec("i4", ("I", "K"), "items bought/viewed together, best first"),
    "cooc_scores": ArraySpec("f4", ("I", "K"), "association strength in [0, 1]"),
    "repeat_rate": ArraySpec("f4", ("I",), "share of the item's buyers who bought it again (smoothed)"),
    "repeat_interval_days": ArraySpec("f4", ("I",), "median days between repeat purchases (0 when unknown)"),
    "history_indptr": ArraySpec("i8", ("U+1",), "CSR row pointer: user u's history is [indptr[u], indptr[u+1])"),
    "history_items": ArraySpec("i4", ("H",), "item index of each history event, newest first per user"),
    "history_times": ArraySpec("i8", ("H",), "Unix seconds of each history event"),
    "history_types": ArraySpec("U", ("H",), "event type of each history event"),
    "history_channels": ArraySpec("U", ("H",), "channel of each history event"),
}


@dataclass(frozen=True)
class ModelBundle:
    """A bundle in memory: manifest plus arrays keyed as in ARRAY_SPECS."""

    manifest: BundleManifest
    arrays: dict[str, np.ndarray]

    @property
    def version(self) -> str:
        return self.manifest.version

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    @property
    def n_items(self) -> int:
        return int(self.arrays["item_ids"].shape[0])

    @property
    def n_users(self) -> int:
        return int(self.arrays["user_ids"].shape[0])


# The manifest travels into the store as one more array, so a version in the store is self-describing.
MANIFEST_ARRAY = "manifest_json"


def manifest_to_array(manifest: BundleManifest) -> np.ndarray:
    """The manifest as uint8 JSON bytes, for write_model_arrays."""
    return np.frombuffer(msgspec.json.encode(manifest), dtype=np.uint8).copy()


def manifest_from_array(array: np.ndarray) -> BundleManifest:
    """Inverse of manifest_to_array."""
    return msgspec.json.decode(array.astype(np.uint8).tobytes(), type=BundleManifest)
