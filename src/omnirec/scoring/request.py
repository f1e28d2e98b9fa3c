"""RankRequest: what a caller asks the ranker for (size, channel, filters, exclusions)."""

from __future__ import annotations

from dataclasses import dataclass

EXCLUDE_MODES = ("purchased", "seen", "none")


@dataclass(frozen=True)
class RankRequest:
    """What is asked for: how many items, where they will be shown and which filters apply."""

    now: int
    k: int = 10
    channel: str | None = None
    category: str | None = None
    exclude: str = "purchased"
    exclude_items: frozenset[int] = frozenset()  # e.g. the cart, the product on the page
    unavailable: frozenset[int] = frozenset()  # out of stock in the requested store
