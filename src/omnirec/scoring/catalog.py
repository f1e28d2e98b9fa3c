"""Catalog: the item-level arrays of one model version, held in memory for scoring."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from omnirec.bundle.format import BundleManifest, ModelBundle, RankerParams
from omnirec.columns import ALL_CHANNELS, DEFAULT_EVENT_WEIGHTS
from omnirec.scoring.cooccurrence import neighbours_from_arrays
from omnirec.scoring.feature_names import FEATURE_INDEX
from omnirec.scoring.item_filter import ItemFilter
from omnirec.scoring.search import ItemSearch, build_search
from omnirec.scoring.search_config import DEFAULT_SEARCH, SearchConfig
from omnirec.scoring.trees import CompiledTrees

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
    "similar_indices",
    "similar_scores",
    "cooc_indices",
    "cooc_scores",
)
NEIGHBOUR_KINDS = ("similar", "cooc")


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
    # Per kind ('similar', 'cooc'): (I, S) neighbour indices (-1 padding) and scores, held in memory so
    # no request reads neighbour rows from the store (16 MB per kind at 100k items x 20 neighbours).
    neighbour_arrays: dict[str, tuple[np.ndarray, np.ndarray]] = field(repr=False)
    index: dict[str, int] = field(repr=False)
    user_feature_index: dict[str, int] = field(repr=False)
    search: ItemSearch = field(repr=False)
    # Per popularity row: the items sold in that channel, most popular first (ties: lower index), and
    # the share of items sold there. Built once per version so no request sorts or masks the catalogue.
    popular_order: tuple[np.ndarray, ...] = field(default=(), repr=False)
    channel_share: tuple[float, ...] = field(default=(), repr=False)
    _category_masks: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    # Integer code per item of its category (category_affinity); the code of '' means none.
    category_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    no_category_code: int = -1
    n_category_codes: int = 1  # codes run 0..n-1
    trees: CompiledTrees | None = field(default=None, repr=False)  # the learned ranker, when the bundle has one

    @classmethod
    def from_arrays(
        cls,
        manifest: BundleManifest,
        arrays: Mapping[str, np.ndarray],
        background_index: bool = False,
        *,
        search: SearchConfig = DEFAULT_SEARCH,
    ) -> Catalog:
        """Build from catalogue arrays (a bundle's, or the store's copy of them) and the manifest.

        `search` is the one search configuration (Settings.search) that the trainer, `omnirec export`
        and the service all pass, so they rank alike. With `background_index` an HNSW index (catalogues
        of search.ann_threshold items or more) is built in a thread while exact search answers (the
        service); without, it is built before this returns.
        """
        item_ids = arrays["item_ids"]
        vectors = np.ascontiguousarray(arrays["item_vectors"], dtype=np.float32)
        biases = np.ascontiguousarray(arrays["item_biases"], dtype=np.float32)
        weights = manifest.settings.get("event_weights") or DEFAULT_EVENT_WEIGHTS
        feature_names = arrays["user_feature_names"]
        channel_mask = arrays["item_channels_mask"]
        popularity = arrays["popularity"]
        categories = arrays["item_categories"]
        names, codes = np.unique(categories.astype(str), return_inverse=True)
        blank = np.flatnonzero(names == "")
        trees = manifest.ranker.trees
        return cls(
            version=manifest.version,
            params=manifest.ranker,
            event_weights={str(k): float(v) for k, v in dict(weights).items()},
            item_ids=item_ids,
            vectors=vectors,
            biases=biases,
            categories=categories,
            channels=tuple(str(c) for c in arrays["channels"]),
            channel_mask=channel_mask,
            popularity=popularity,
            repeat_rate=arrays["repeat_rate"],
            repeat_interval_days=arrays["repeat_interval_days"],
            user_feature_vectors=arrays["user_feature_vectors"],
            neighbour_arrays={k: _neighbour_arrays(arrays, k, item_ids.shape[0]) for k in NEIGHBOUR_KINDS},
            index={str(item): i for i, item in enumerate(item_ids.tolist())},
            user_feature_index={str(f): i for i, f in enumerate(feature_names.tolist())},
            search=build_search(vectors, biases, search, background=background_index),
            popular_order=tuple(_popular_order(popularity[r], channel_mask[:, r]) for r in range(popularity.shape[0])),
            channel_share=tuple(
                float(channel_mask[:, r].mean()) if len(channel_mask) else 1.0 for r in range(channel_mask.shape[1])
            ),
            category_codes=codes.astype(np.int64).ravel(),
            no_category_code=int(blank[0]) if blank.size else -1,
            n_category_codes=max(1, int(names.shape[0])),
            trees=CompiledTrees(trees, FEATURE_INDEX) if trees is not None else None,
        )

    @classmethod
    def from_bundle(cls, bundle: ModelBundle, *, search: SearchConfig = DEFAULT_SEARCH) -> Catalog:
        """A bundle's catalogue, its HNSW index (if any) built before this returns."""
        return cls.from_arrays(bundle.manifest, bundle.arrays, search=search)

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

    def item_filter(self, channel: str | None, category: str | None = None, blocked: Iterable[int] = ()) -> ItemFilter:
        """Items sold in `channel`, in `category` (when given) and not `blocked`: the ranker's allowed set."""
        row = self.channel_row(channel)
        category_mask = self.category_mask(category) if category else None
        return ItemFilter.of(self.channel_mask[:, row], self.channel_share[row], category_mask, blocked)

    def popular(self, channel: str | None, n: int, allowed: ItemFilter | np.ndarray) -> np.ndarray:
        """The n most popular allowed items sold in the channel, best first (ties: lower index).

        `allowed` is an ItemFilter or a whole boolean mask. Equal to top_indices(np.where(allowed & sold,
        popularity[row], -inf), n) but reads only the head of the precomputed order: O(n + blocked) when
        most items pass, longer only for rare categories. Every popular list (the ranker's candidates, the
        outage answer, item-list top-ups) is this one.
        """
        order = self.popular_order[self.channel_row(channel)]
        if isinstance(allowed, ItemFilter) and allowed.category is None and allowed.blocked.size == 0:
            return order[:n].astype(np.int64)
        blocked = int(allowed.blocked.size) if isinstance(allowed, ItemFilter) else 0
        found: list[np.ndarray] = []
        count, start, step = 0, 0, max(2 * n, 64) + blocked
        while count < n and start < order.shape[0]:
            chunk = order[start : start + step].astype(np.int64)
            chunk = chunk[_passes(allowed, chunk)]
            found.append(chunk)
            count += chunk.shape[0]
            start += step
            step *= 2
        return np.concatenate(found)[:n] if found else np.empty(0, dtype=np.int64)

    def neighbours(self, kind: str, items: Sequence[int] | np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Neighbour lists ('similar' or 'cooc') of some items: index -> (neighbour indices, scores).

        The service, `omnirec export` and the trainer's ranker evaluation all read them here."""
        indices, scores = self.neighbour_arrays[kind]
        return neighbours_from_arrays(indices, scores, np.asarray(items, dtype=np.int64))

    def indices_of(self, item_ids: list[str]) -> list[int]:
        """Internal indices of known items, unknown ids dropped."""
        return [self.index[i] for i in item_ids if i in self.index]

    def feature_vector(self, features: Mapping[str, str]) -> np.ndarray | None:
        """A cold-start user vector from 'column=value' feature embeddings (mean, as LightFM normalises)."""
        rows = [self.user_feature_index.get(f"{k}={v}") for k, v in sorted(features.items())]
        known = [r for r in rows if r is not None]
        return self.user_feature_vectors[known].mean(axis=0) if known else None


def _passes(allowed: ItemFilter | np.ndarray, items: np.ndarray) -> np.ndarray:
    """Per item of `items`: does the filter (or the boolean mask) let it through?"""
    return allowed.allows(items) if isinstance(allowed, ItemFilter) else allowed[items]


def _neighbour_arrays(arrays: Mapping[str, np.ndarray], kind: str, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """A kind's (I, S) neighbour arrays; none per item when a hand-built catalogue leaves them out."""
    if f"{kind}_indices" not in arrays:
        return np.full((n_items, 0), -1, dtype=np.int32), np.zeros((n_items, 0), dtype=np.float32)
    return arrays[f"{kind}_indices"], arrays[f"{kind}_scores"]


def _popular_order(popularity: np.ndarray, sold: np.ndarray) -> np.ndarray:
    """Items sold in a channel with a finite popularity, most popular first, ties by lower index (int32)."""
    order = np.argsort(-popularity, kind="stable")
    order = order[sold[order] & np.isfinite(popularity[order])]
    return order.astype(np.int32)
