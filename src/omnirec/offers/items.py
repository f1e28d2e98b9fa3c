"""Which items an offer is about: explicit item ids and category subtrees, resolved through the model catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from omnirec.scoring import Catalog


@dataclass(frozen=True)
class ItemLookup:
    """Item categories from the active model's catalogue; without a model only item ids can be matched."""

    model: Catalog | None = None
    _expanded: dict[tuple[frozenset[str], tuple[str, ...]], np.ndarray] = field(default_factory=dict, repr=False)

    def category(self, item_id: str) -> str | None:
        if self.model is None:
            return None
        index = self.model.index.get(item_id)
        return None if index is None else str(self.model.categories[index])

    def indices(self, scope: Scope) -> np.ndarray:
        """Model item indices of everything in a scope (cached: offers are few, customers many)."""
        key = (scope.items, scope.categories)
        cached = self._expanded.get(key)
        if cached is not None:
            return cached
        if self.model is None:
            return np.empty(0, dtype=np.int64)
        mask = np.zeros(self.model.n_items, dtype=bool)
        for category in scope.categories:
            mask |= self.model.category_mask(category)
        mask[self.model.indices_of(sorted(scope.items))] = True
        indices = np.flatnonzero(mask).astype(np.int64)
        self._expanded[key] = indices
        return indices


@dataclass(frozen=True)
class Scope:
    """A set of items: ids plus category paths ('pets/cat' covers 'pets/cat/food')."""

    items: frozenset[str] = frozenset()
    categories: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.items or self.categories)

    def contains(self, item_id: str, lookup: ItemLookup) -> bool:
        if item_id in self.items:
            return True
        if not self.categories:
            return False
        category = lookup.category(item_id)
        if category is None:
            return False
        return any(category == c or category.startswith(c.rstrip("/") + "/") for c in self.categories)
