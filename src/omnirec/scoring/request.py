"""RankRequest: what a caller asks the ranker for (size, channel, filters, exclusions)."""

from __future__ import annotations

from dataclasses import dataclass

from omnirec.vocabulary import EXCLUDE_MODES as EXCLUDE_MODES


@dataclass(frozen=True)
class RankRequest:
    """What is asked for: how many items, where they will be shown and which filters apply."""

    now: int
    k: int = 10
    channel: str | None = None
    category: str | None = None
    exclude: str = "purchased"  # one of EXCLUDE_MODES (omnirec.vocabulary); build_candidates refuses others
    exclude_items: frozenset[int] = frozenset()  # e.g. the cart, the product on the page
    unavailable: frozenset[int] = frozenset()  # out of stock in the requested store
