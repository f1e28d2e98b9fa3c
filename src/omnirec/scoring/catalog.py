"""Catalog: the item-level arrays of one model version, held in memory for scoring."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from omnirec.bundle.format import BundleManifest, ModelBundle, RankerParams
from omnirec.columns import ALL_CHANNELS, DEFAULT_EVENT_WEIGHTS
from omnirec.scoring.search import ItemSearch, build_search

# Arrays the service loads per version (everything item-level; per-user data is read per request).
CATALOG_ARRAYS = (
    "item_ids",
    "item_vectors",
    "item_biases",
    "item_has_interactions",
    "item_categories",
    "item_channels_mask",
    "channels",
    "popularity",
    "repeat_rate",
    "repeat_interval_days",
    "user_feature_names",
    "user_feature_vectors",
)


@dataclass(frozen=True)
class Catalog:
    """Items of one model version with everything the ranker needs to score them."""

    version: str
    params: RankerParams
    event_weights: dict[str, float]
    item_ids: np.ndarray
    vectors: np.ndarray
    biases: np.ndarray
    categories: np.ndarray
    channels: tuple[str, ...]
    channel_mask: np.ndarray
    popularity: np.ndarray
    repeat_rate: np.ndarray
    repeat_interval_days: np.ndarray
    user_feature_vectors: np.ndarray
    index: dict[str, int] = field(repr=False)
    user_feature_index: dict[str, int] = field(repr=False)
    search: ItemSearch = field(repr=False)
    _category_masks: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def from_arrays(
        cls, manifest: BundleManifest, arrays: Mapping[str, np.ndarray], ann_threshold: int = 200_000
    ) -> Catalog:
        """Build from catalogue arrays (a bundle's, or the store's copy of them) and the manifest."""
        item_ids = arrays["item_ids"]
        vectors = np.ascontiguousarray(arrays["item_vectors"], dtype=np.float32)
        biases = np.ascontiguousarray(arrays["item_biases"], dtype=np.float32)
        weights = manifest.settings.get("event_weights") or DEFAULT_EVENT_WEIGHTS
        feature_names = arrays["user_feature_names"]
        return cls(
            version=manifest.version,
            params=manifest.ranker,
            event_weights={str(k): float(v) for k, v in dict(weights).items()},
            item_ids=item_ids,
            vectors=vectors,
            biases=biases,
            categories=arrays["item_categories"],
            channels=tuple(str(c) for c in arrays["channels"]),
            channel_mask=arrays["item_channels_mask"],
            popularity=arrays["popularity"],
            repeat_rate=arrays["repeat_rate"],
            repeat_interval_days=arrays["repeat_interval_days"],
            user_feature_vectors=arrays["user_feature_vectors"],
            index={str(item): i for i, item in enumerate(item_ids.tolist())},
            user_feature_index={str(f): i for i, f in enumerate(feature_names.tolist())},
            search=build_search(vectors, biases, ann_threshold=ann_threshold),
        )

    @classmethod
    def from_bundle(cls, bundle: ModelBundle, ann_threshold: int = 200_000) -> Catalog:
        return cls.from_arrays(bundle.manifest, bundle.arrays, ann_threshold=ann_threshold)

    @property
    def n_items(self) -> int:
        return int(self.item_ids.shape[0])

    def channel_row(self, channel: str | None) -> int:
        """Row of a channel in popularity / column in channel_mask; unknown or None means all channels."""
        if channel is None:
            return 0
        try:
            return self.channels.index(channel)
        except ValueError:
            return self.channels.index(ALL_CHANNELS) if ALL_CHANNELS in self.channels else 0

    def category_mask(self, category: str) -> np.ndarray:
        """Items in a category or below it in the tree ('pets' matches 'pets/cat/food'); cached."""
        mask = self._category_masks.get(category)
        if mask is None:
            exact = self.categories == category
            below = np.char.startswith(self.categories.astype(str), category.rstrip("/") + "/")
            mask = exact | below
            if len(self._category_masks) < 256:
                self._category_masks[category] = mask
        return mask

    def indices_of(self, item_ids: list[str]) -> list[int]:
        """Internal indices of known items, unknown ids dropped."""
        return [self.index[i] for i in item_ids if i in self.index]

    def feature_vector(self, features: Mapping[str, str]) -> np.ndarray | None:
        """A cold-start user vector from 'column=value' feature embeddings (mean, as LightFM normalises)."""
        rows = [self.user_feature_index.get(f"{k}={v}") for k, v in sorted(features.items())]
        known = [r for r in rows if r is not None]
        return self.user_feature_vectors[known].mean(axis=0) if known else None
