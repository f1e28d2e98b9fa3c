"""ItemFilter: which items may be recommended, without building a whole-catalogue mask per request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ItemFilter:
    """Sold in a channel, optionally in a category, and not blocked (excluded, out of stock...).

    `channel` and `category` are the catalogue's own arrays (never copied, never written); `blocked` is
    small. Callers ask `allows(items)` for the few items they hold, so a request costs O(candidates);
    `mask()` builds the whole boolean mask for the rare fallbacks that need every item.
    """

    channel: np.ndarray  # bool per item: sold in the requested channel
    channel_share: float  # fraction of items sold in the channel (1.0: every item)
    category: np.ndarray | None = None  # bool per item, or None for any category
    blocked: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # sorted unique indices

    @classmethod
    def of(
        cls, channel: np.ndarray, channel_share: float, category: np.ndarray | None, blocked: Iterable[int]
    ) -> ItemFilter:
        ids = np.unique(np.fromiter(blocked, dtype=np.int64))
        return cls(channel, channel_share, category, ids)

    @property
    def everything(self) -> bool:
        """True when every item passes: no mask is needed at all."""
        return self.channel_share >= 1.0 and self.category is None and self.blocked.size == 0

    @property
    def share(self) -> float:
        """A lower-bound guess of the fraction of items that pass (to size over-fetching)."""
        return self.channel_share

    def allows(self, items: np.ndarray) -> np.ndarray:
        """Per item index in `items`: may it be recommended?"""
        ok = self.channel[items] if self.channel_share < 1.0 else np.ones(items.shape[0], dtype=bool)
        if self.category is not None:
            ok &= self.category[items]
        if self.blocked.size:
            ok &= ~np.isin(items, self.blocked)
        return ok

    def keep(self, items: np.ndarray) -> np.ndarray:
        """The allowed ones among `items`, order kept."""
        return items if self.everything else items[self.allows(items)]

    def mask(self) -> np.ndarray:
        """The whole boolean mask (a new array): O(items), for fallbacks only."""
        mask = self.channel.copy()
        if self.category is not None:
            mask &= self.category
        if self.blocked.size:
            mask[self.blocked] = False
        return mask
