"""ImpressionRecorder: gives every answer a recommendation_id and logs what it served (when allowed)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from omnirec.errors import StoreUnavailable
from omnirec.measurement.attribution import AttributionRules, attribute, conversions, exposures
from omnirec.measurement.experiments import Assignment, Experiments
from omnirec.measurement.group_writer import GroupWriter
from omnirec.measurement.impressions import (
    LIST,
    OFFER,
    SHOWN,
    ImpressionPolicy,
    encode_positions,
    encode_scores,
    encode_sources,
    new_recommendation_id,
)
from omnirec.store.protocol import EventLog
from omnirec.store.records import CustomerEvent, ImpressionRecord, OfferArm

log = logging.getLogger("omnirec.measurement")
AttributedHook = Callable[[str, str, str, float], None]  # impression channel, variant, conversion kind, share


def _ignore(operation: str) -> None:
    return None


@dataclass(frozen=True)
class ServedList:
    """What a list answer showed, as the recorder needs it."""

    customer_id: str | None
    consent: Mapping[str, bool]
    endpoint: str
    channel: str | None
    store_id: str | None
    strategy: str
    model_version: str
    assignment: Assignment | None
    items: Sequence[str]
    scores: Sequence[float]
    sources: Sequence[str]


@dataclass(frozen=True)
class ServedOffer:
    """One served offer with the candidates its slot was chosen from and the probability of that choice."""

    offer_id: str
    items: Sequence[str]
    value: float
    probability: float
    probability_error: float
    arms: Sequence[OfferArm]


class ImpressionRecorder:
    """Logs impressions to the store's event log; a failed write never fails the answer. Failed store calls are
    counted by the store wrapper (omnirec.store.resilient); `on_error` counts records dropped unwritten.

    With `flush_ms` > 0 the records are queued and written after the answer, in batches (GroupWriter.submit):
    the returned `logged` then means "queued". `flush` writes what is queued (the app's shutdown calls it)."""

    def __init__(
        self,
        store: EventLog,
        policy: ImpressionPolicy,
        experiments: Experiments,
        clock: Callable[[], float] = time.time,
        on_error: Callable[[str], None] = _ignore,
        flush_ms: int = 0,
    ) -> None:
        self._store = store
        self.policy = policy
        self.experiments = experiments
        self._clock = clock
        self._deferred = flush_ms > 0
        self._writer = GroupWriter(store, on_error, flush_ms)
        self.rules = AttributionRules()
        self.on_attributed: AttributedHook | None = None  # the app's Prometheus counter

    def assign(self, customer_id: str | None, surface: str) -> Assignment | None:
        return self.experiments.assign(customer_id, surface, self._clock())

    async def record_list(self, served: ServedList) -> tuple[str, bool]:
        """A new recommendation_id and whether the list was logged."""
        rec_id = new_recommendation_id()
        if not self.policy.allows(served.customer_id, served.consent):
            return rec_id, False
        assert served.customer_id is not None
        a = served.assignment
        record = ImpressionRecord(
            recommendation_id=rec_id,
            kind=LIST,
            user_id=served.customer_id,
            timestamp=int(self._clock()),
            channel=served.channel or "",
            endpoint=served.endpoint,
            store_id=served.store_id or "",
            strategy=served.strategy,
            model_version=served.model_version,
            experiment=a.experiment if a else "",
            variant=a.variant.name if a else "",
            items=list(served.items),
            scores=encode_scores(served.scores),
            sources=encode_sources(served.sources),
        )
        return rec_id, await self._write(served.customer_id, [record])

    async def record_offers(
        self,
        customer_id: str,
        consent: Mapping[str, bool],
        channel_purpose: str | None,
        channel: str,
        model_version: str | None,
        assignment: Assignment | None,
        offers: Sequence[ServedOffer],
    ) -> tuple[str, bool]:
        rec_id = new_recommendation_id()
        allowed = self.policy.allows(customer_id, consent) and self.policy.allows(customer_id, consent, channel_purpose)
        if not offers or not allowed:
            return rec_id, False
        now = int(self._clock())
        records = [
            ImpressionRecord(
                recommendation_id=rec_id, kind=OFFER, user_id=customer_id, timestamp=now, channel=channel,
                endpoint="offer", strategy=assignment.variant.offer_policy or "thompson" if assignment else "thompson",
                model_version=model_version or "", experiment=assignment.experiment if assignment else "",
                variant=assignment.variant.name if assignment else "", items=list(o.items), offer_id=o.offer_id,
                value=o.value, probability=o.probability, probability_error=o.probability_error, arms=list(o.arms),
            )
            for o in offers
        ]  # fmt: skip
        return rec_id, await self._write(customer_id, records)

    async def record_shown(
        self,
        customer_id: str,
        consent: Mapping[str, bool],
        recommendation_id: str,
        items: Sequence[str],
        positions: Sequence[int],
        channel: str,
        timestamp: int,
    ) -> bool:
        """A client's confirmation that it rendered these items of an answer (at these 0-based positions)."""
        if not self.policy.allows(customer_id, consent):
            return False
        record = ImpressionRecord(
            recommendation_id=recommendation_id,
            kind=SHOWN,
            user_id=customer_id,
            timestamp=timestamp,
            channel=channel,
            items=list(items),
            positions=encode_positions(positions),
        )
        return await self._write(customer_id, [record])

    async def attribute_online(self, any_id: str, events: Sequence[CustomerEvent]) -> None:
        """Count just-stored clicks, add-to-carts and purchases credited to the customer's recent impressions
        (the `omnirec report` rule; online it sees the store's recent log positions of the customer only)."""
        if self.on_attributed is None:
            return
        same = lambda _: "customer"  # noqa: E731 - every id here is this customer's
        found = conversions(events, same)
        if not found:
            return
        since = min(c.timestamp for c in found) - max(self.rules.windows.values(), default=0)
        await self._writer.flush()  # an impression served just before the click may still be queued
        try:
            records = await self._store.recent_impressions(any_id, since)
        except StoreUnavailable:  # counted by the store wrapper's on_error
            return
        _, touches = exposures(records, same)
        for credit in attribute(touches, found, self.rules):
            exposure = credit.touch.exposure
            self.on_attributed(exposure.channel, exposure.variant, credit.conversion.kind, credit.share)

    async def flush(self) -> None:
        """Write every queued record now (clean shutdown; tests that read the log right after answers)."""
        await self._writer.flush()

    async def _write(self, customer_id: str, records: list[ImpressionRecord]) -> bool:
        del customer_id  # each record names its customer
        if self._deferred:
            self._writer.submit(records)
            return True
        return await self._writer.write(records)
