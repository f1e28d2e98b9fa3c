"""Offer feedback counters read once per decision run (per segment), so a batch export reads them once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from omnirec.store.protocol import FeatureStore


class FeedbackCache:
    """Counters per segment ('' = all customers) and offer, loaded lazily from the store."""

    def __init__(self, store: FeatureStore) -> None:
        self._store = store
        self._counters: dict[str, dict[str, dict[str, float]]] = {}

    async def load(self, offer_ids: Sequence[str], segments: Iterable[str]) -> None:
        """Read what is not cached yet: the given offers for each segment and for all customers."""
        for segment in {"", *segments}:
            cached = self._counters.setdefault(segment, {})
            missing = [o for o in offer_ids if o not in cached]
            if missing:
                cached.update(await self._store.get_offer_feedback(missing, segment))

    def get(self, segment: str) -> Mapping[str, Mapping[str, float]]:
        return self._counters.get(segment, {})
