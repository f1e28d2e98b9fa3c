"""Recommendation use cases: for a customer, similar items, basket complements. All through omnirec.scoring."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import msgspec
import numpy as np

from omnirec.columns import ALL_CHANNELS, DEFAULT_CHANNELS
from omnirec.errors import InvalidRequest, NoActiveModel, StoreUnavailable, UnknownItem
from omnirec.measurement.experiments import HOLDOUT_STRATEGY, Assignment
from omnirec.measurement.impressions import new_recommendation_id
from omnirec.measurement.recorder import ImpressionRecorder, ServedList
from omnirec.scoring import Catalog, RankedItem, RankRequest, UserContext, build_context, rank_for_user
from omnirec.scoring.context import HistoryTuple
from omnirec.scoring.ranker import EXCLUDE_MODES, allowed_mask, decay, query_vector
from omnirec.scoring.related import basket_complements, similar_items
from omnirec.service.fallback import DEGRADED_STRATEGY, popular_fallback
from omnirec.service.model_cache import LoadedModel, ModelCache
from omnirec.service.reads import StoreReads, decode_user_rows
from omnirec.service.store_state import StoreState
from omnirec.settings import Settings
from omnirec.store.records import CustomerState
from omnirec.store.snapshot import CustomerSnapshot

NO_CONSENT = "non_personalized"  # strategy of customers who withheld consent to personalisation
SURFACE = "recommendations"  # the experiments surface of every list answer
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserQuery:
    """Options of a recommendation request (validated against the model by the service)."""

    k: int = 10
    channel: str | None = None
    store_id: str | None = None
    category: str | None = None
    exclude: str = "purchased"
    explain: bool = False


@dataclass(frozen=True)
class Recommendations:
    """A ranked list with the model version that produced it and the strategy that filled it."""

    version: str
    strategy: str
    items: list[RankedItem]
    degraded: bool = False  # the store was unreachable: popular items from the last loaded model
    recommendation_id: str = ""  # links later clicks and purchases to this answer (omnirec.measurement)
    experiment: str = ""
    variant: str = ""
    logged: bool = False  # the impression was queued for (or, impression_flush_ms = 0, written to) the event log


@dataclass(frozen=True)
class _Customer:
    ctx: UserContext
    consented: bool
    customer_id: str | None = None  # canonical id (None without a user id)
    consent: Mapping[str, bool] = field(default_factory=dict)


_Answer = tuple[Recommendations, _Customer, Assignment | None]


class RecommendationService:
    """Reads the active model once per request, the customer's state, and ranks through omnirec.scoring."""

    def __init__(
        self,
        reads: StoreReads,
        models: ModelCache,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        state: StoreState | None = None,
        impressions: ImpressionRecorder | None = None,
    ) -> None:
        self._reads = reads
        self._models = models
        self._settings = settings
        self._clock = clock
        self._state = state
        self._impressions = impressions
        self._variant_models: dict[tuple[str, str, str], LoadedModel] = {}

    @property
    def _store_lost(self) -> bool:
        """The store lost its data (omnirec.service.store_state): consent cannot be read, nobody is personalised."""
        return self._state is not None and self._state.lost

    # -- use cases: during a store outage each answers from memory, flagged degraded ------------
    async def for_user(self, user_id: str, query: UserQuery) -> Recommendations:
        """Top-k for a customer; popular in the channel (degraded) when the store cannot be reached."""
        try:
            if not self._store_lost:
                answer = await self._for_user(user_id, query)
                return await self._record("user", query, *answer)
        except StoreUnavailable:
            pass
        return self._degraded(query)

    async def similar(self, item_id: str, query: UserQuery, user_id: str | None = None) -> Recommendations:
        """Similar items; popular in the channel minus the item (degraded) when the store cannot be reached."""
        try:
            if not self._store_lost:
                answer = await self._similar(item_id, query, user_id)
                return await self._record("similar", query, *answer)
        except StoreUnavailable:
            pass
        return self._degraded(query, anchors=[item_id], anchors_must_exist=True)

    async def basket(self, item_ids: list[str], query: UserQuery, user_id: str | None = None) -> Recommendations:
        """Basket complements; popular minus the cart (degraded) when the store cannot be reached."""
        try:
            if not self._store_lost:
                answer = await self._basket(item_ids, query, user_id)
                return await self._record("basket", query, *answer)
        except StoreUnavailable:
            pass
        return self._degraded(query, anchors=item_ids)

    def _degraded(
        self, query: UserQuery, anchors: list[str] | None = None, anchors_must_exist: bool = False
    ) -> Recommendations:
        """The outage answer from the model requests were last served from (the active version as last seen);
        raises StoreUnavailable when none is loaded."""
        model = self._models.serving()
        if model is None:
            raise StoreUnavailable("the feature store is unreachable and no model is loaded yet")
        catalog = model.catalog
        self._check(catalog, query.k, query.channel, query.category)
        if anchors_must_exist and anchors and anchors[0] not in catalog.index:
            raise UnknownItem(f"item {anchors[0]!r} is not in model version {model.version}")
        items = popular_fallback(catalog, query.k, query.channel, query.category, exclude=anchors or ())
        return Recommendations(
            model.version, DEGRADED_STRATEGY, items, degraded=True, recommendation_id=new_recommendation_id()
        )

    # -- measurement: experiments and impressions ------------------------------------------------
    def _assign(self, customer_id: str | None) -> Assignment | None:
        return self._impressions.assign(customer_id, SURFACE) if self._impressions is not None else None

    async def _variant_model(self, model: LoadedModel, assignment: Assignment | None) -> LoadedModel:
        """The model a variant serves: another published version and/or the ranker's settings overridden."""
        if assignment is None:
            return model
        variant = assignment.variant
        if variant.model_version and variant.model_version != model.version:
            try:
                model = await self._models.load(variant.model_version)
            except NoActiveModel as exc:  # the variant's version is gone: serve the active one, visibly
                log.warning("experiment %s variant %s: %s", assignment.experiment, variant.name, exc)
        if not variant.ranker:
            return model
        key = (model.version, assignment.experiment, variant.name)
        cached = self._variant_models.get(key)
        if cached is None or cached.catalog.vectors is not model.catalog.vectors:
            params = msgspec.structs.replace(model.catalog.params, **variant.ranker)
            cached = dataclasses.replace(model, catalog=dataclasses.replace(model.catalog, params=params))
            if len(self._variant_models) > 16:
                self._variant_models.clear()
            self._variant_models[key] = cached
        return cached

    async def _record(
        self,
        endpoint: str,
        query: UserQuery,
        result: Recommendations,
        customer: _Customer,
        assignment: Assignment | None,
    ) -> Recommendations:
        """The answer with its recommendation_id and variant; its impression logged when allowed."""
        experiment = assignment.experiment if assignment else ""
        variant = assignment.variant.name if assignment else ""
        if self._impressions is None:
            rec_id, logged = new_recommendation_id(), False
        else:
            items = result.items
            served = ServedList(
                customer_id=customer.customer_id,
                consent=customer.consent,
                endpoint=endpoint,
                channel=query.channel,
                store_id=query.store_id,
                strategy=result.strategy,
                model_version=result.version,
                assignment=assignment,
                items=[i.item_id for i in items],
                scores=[i.score for i in items],
                sources=[i.source for i in items],
            )
            rec_id, logged = await self._impressions.record_list(served)
        return dataclasses.replace(
            result, recommendation_id=rec_id, experiment=experiment, variant=variant, logged=logged
        )

    async def _for_user(self, user_id: str, query: UserQuery) -> _Answer:
        # One round trip for the active version, the customer and their rows (of the version this request
        # will most likely use; read again below when it uses another). Neighbour lists are in memory.
        snapshot = await self._reads.snapshot(user_id, self._models.expected_version(), query.store_id)
        if snapshot.active_version is None and self._models.serving() is not None:
            # the store lost its active pointer, so its consent and customers too (restarted empty): never
            # personalise from what it answers now, even before the marker check notices
            raise StoreUnavailable("the feature store has no active model version: it lost its data")
        assignment = self._assign(snapshot.state.customer_id)
        model = await self._variant_model(await self._models.for_active(snapshot.active_version), assignment)
        catalog = model.catalog
        self._check(catalog, query.k, query.channel, query.category)
        if query.exclude not in EXCLUDE_MODES:
            raise InvalidRequest(f"exclude must be one of {', '.join(EXCLUDE_MODES)}")
        customer = await self._customer_of(model, snapshot)
        if assignment is not None and assignment.variant.holdout:
            return Recommendations(model.version, HOLDOUT_STRATEGY, []), customer, assignment
        missing = snapshot.unavailable or set()
        unavailable = frozenset(catalog.indices_of(sorted(missing))) if query.store_id else frozenset()
        ctx = customer.ctx
        request = RankRequest(
            now=int(self._clock()),
            k=query.k,
            channel=query.channel,
            category=query.category,
            exclude=query.exclude,
            unavailable=unavailable,
        )
        ranking = rank_for_user(catalog, ctx, request, with_reasons=query.explain)
        strategy = ranking.strategy if customer.consented else NO_CONSENT
        return Recommendations(model.version, strategy, ranking.items), customer, assignment

    async def _similar(self, item_id: str, query: UserQuery, user_id: str | None = None) -> _Answer:
        model = await self._models.current()
        catalog = model.catalog
        item = catalog.index.get(item_id)
        if item is None:
            raise UnknownItem(f"item {item_id!r} is not in model version {model.version}")
        self._check(catalog, query.k, query.channel, query.category)
        customer, unavailable = await asyncio.gather(self._customer(model, user_id), self._unavailable(model, query))
        assignment = self._assign(customer.customer_id)
        if assignment is not None and assignment.variant.holdout:
            return Recommendations(model.version, HOLDOUT_STRATEGY, []), customer, assignment
        neighbours = catalog.neighbours("similar", [item]).get(item)
        allowed = self._allowed(catalog, customer, query, unavailable, user_id)
        items = similar_items(
            catalog, item, neighbours, allowed, query.k, query.channel, self._query(catalog, customer)
        )
        strategy = "similar" + _personal_suffix(customer, user_id)
        return Recommendations(model.version, strategy, items), customer, assignment

    async def _basket(self, item_ids: list[str], query: UserQuery, user_id: str | None = None) -> _Answer:
        model = await self._models.current()
        catalog = model.catalog
        self._check(catalog, query.k, query.channel, query.category)
        known = list(dict.fromkeys(i for i in item_ids if i in catalog.index))  # unknown cart items are ignored
        customer, unavailable = await asyncio.gather(self._customer(model, user_id), self._unavailable(model, query))
        assignment = self._assign(customer.customer_id)
        if assignment is not None and assignment.variant.holdout:
            return Recommendations(model.version, HOLDOUT_STRATEGY, []), customer, assignment
        allowed = self._allowed(catalog, customer, query, unavailable, user_id)
        cart = [catalog.index[i] for i in known]
        neighbours = catalog.neighbours("cooc", cart)
        items = basket_complements(
            catalog, cart, neighbours, allowed, query.k, query.channel, self._query(catalog, customer)
        )
        strategy = "bought_together" + _personal_suffix(customer, user_id)
        return Recommendations(model.version, strategy, items), customer, assignment

    # -- helpers -------------------------------------------------------------------------------
    def _check(self, catalog: Catalog, k: int, channel: str | None, category: str | None) -> None:
        if not 1 <= k <= self._settings.max_k:
            raise InvalidRequest(f"k must be between 1 and {self._settings.max_k}, got {k}")
        if channel is not None and channel not in catalog.channels and channel not in DEFAULT_CHANNELS:
            known = sorted({*catalog.channels, *DEFAULT_CHANNELS} - {ALL_CHANNELS})
            raise InvalidRequest(f"unknown channel {channel!r}; known channels: {', '.join(known)}")
        if category and not catalog.category_mask(category).any():
            raise InvalidRequest(f"unknown category {category!r}: no item of the active model is in it")

    async def _customer(self, model: LoadedModel, user_id: str | None) -> _Customer:
        """The customer's context: trained vector and history (all linked ids) plus live events from any channel."""
        empty = build_context(model.catalog, user_vector=None, history=())
        if user_id is None:
            return _Customer(empty, consented=False)
        state = await self._reads.customer(user_id)
        if state.consent.get("personalization") is False:
            return _Customer(empty, consented=False, customer_id=state.customer_id, consent=state.consent)
        ids = list(dict.fromkeys([state.customer_id, *state.identities]))
        vector, history = await self._reads.user_rows(model.version, ids)
        context = self._context(model, state, vector, history)
        return _Customer(context, consented=True, customer_id=state.customer_id, consent=state.consent)

    async def _customer_of(self, model: LoadedModel, snapshot: CustomerSnapshot) -> _Customer:
        """`_customer` from a snapshot: its rows when they are of the model's version, else read again."""
        state = snapshot.state
        if state.consent.get("personalization") is False:
            empty = build_context(model.catalog, user_vector=None, history=())
            return _Customer(empty, consented=False, customer_id=state.customer_id, consent=state.consent)
        if snapshot.version == model.version:
            vector, history = decode_user_rows(snapshot.rows["user"], snapshot.rows["history"])
        else:
            vector, history = await self._reads.user_rows(model.version, snapshot.ids)
        context = self._context(model, state, vector, history)
        return _Customer(context, consented=True, customer_id=state.customer_id, consent=state.consent)

    def _context(
        self, model: LoadedModel, state: CustomerState, vector: np.ndarray | None, history: list[HistoryTuple]
    ) -> UserContext:
        if vector is not None and vector.shape[0] != model.catalog.vectors.shape[1]:
            vector = None  # a row of another shape cannot be this version's; score from events instead
        live = [(e.item_id, e.event_type, e.timestamp, e.channel) for e in state.recent_events]
        return build_context(
            model.catalog, user_vector=vector, history=history, live_events=live, features=state.features
        )

    async def _unavailable(self, model: LoadedModel, query: UserQuery) -> frozenset[int]:
        if not query.store_id:
            return frozenset()
        missing = await self._reads.unavailable_items(query.store_id)
        return frozenset(model.catalog.indices_of(sorted(missing)))

    def _allowed(
        self, catalog: Catalog, customer: _Customer, query: UserQuery, unavailable: frozenset[int], user_id: str | None
    ) -> np.ndarray:
        exclude = "purchased" if user_id is not None and customer.consented else "none"
        request = RankRequest(
            now=int(self._clock()),
            k=query.k,
            channel=query.channel,
            category=query.category,
            exclude=exclude,
            unavailable=unavailable,
        )
        return allowed_mask(catalog, customer.ctx, request)

    def _query(self, catalog: Catalog, customer: _Customer) -> np.ndarray | None:
        if not customer.consented:
            return None
        ctx = customer.ctx
        weights = np.array([catalog.event_weights.get(t, 0.0) for t in ctx.types], dtype=np.float64)
        vector, _ = query_vector(catalog, ctx, weights * decay(catalog, ctx.times, int(self._clock())))
        return vector


def _personal_suffix(customer: _Customer, user_id: str | None) -> str:
    if user_id is None:
        return ""
    return "_personalized" if customer.consented else "_" + NO_CONSENT
