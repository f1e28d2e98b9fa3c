"""Recommendation use cases: for a customer, similar items, basket complements. All through omnirec.scoring."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

import msgspec
import numpy as np

from omnirec.columns import ALL_CHANNELS
from omnirec.errors import InvalidRequest, NoActiveModel, StoreUnavailable, UnknownItem
from omnirec.measurement.experiments import Assignment
from omnirec.measurement.impressions import new_recommendation_id
from omnirec.measurement.recorder import ImpressionRecorder, ServedList
from omnirec.scoring import Catalog, RankedItem, RankRequest, UserContext, build_context, rank_for_user
from omnirec.scoring.query import customer_query
from omnirec.scoring.ranker import allowed_mask
from omnirec.scoring.related import basket_complements, similar_items
from omnirec.service.fallback import popular_fallback
from omnirec.service.model_cache import LoadedModel, ModelCache
from omnirec.service.store_state import StoreState
from omnirec.settings import Settings
from omnirec.store.protocol import CustomerStore, ModelStore, StockStore
from omnirec.store.records import CustomerState, HistoryEntry, ModelRows
from omnirec.vocabulary import (
    CHANNELS,
    DEGRADED,
    EXCLUDE_MODES,
    HOLDOUT,
    NON_PERSONALIZED,
    ExcludeMode,
    Strategy,
)

SURFACE = "recommendations"  # the experiments surface of every list answer
log = logging.getLogger(__name__)
# Strategy of an item list by kind and personalisation: None without a user id, else whether they consented.
ITEM_LIST_STRATEGIES: dict[tuple[str, bool | None], Strategy] = {
    ("similar", None): "similar",
    ("similar", True): "similar_personalized",
    ("similar", False): "similar_non_personalized",
    ("bought_together", None): "bought_together",
    ("bought_together", True): "bought_together_personalized",
    ("bought_together", False): "bought_together_non_personalized",
}


@dataclass(frozen=True)
class UserQuery:
    """Options of a recommendation request (checked once by check_query, then against the model)."""

    k: int = 10
    channel: str | None = None
    store_id: str | None = None
    category: str | None = None
    exclude: ExcludeMode = "purchased"
    explain: bool = False


def check_query(query: UserQuery, max_k: int) -> None:
    """The one check of a list request's own values, before anything is read: k in 1..max_k (the bound the
    OpenAPI document states) and a known exclusion mode."""
    if not 1 <= query.k <= max_k:
        raise InvalidRequest(f"k must be between 1 and {max_k}, got {query.k}")
    if query.exclude not in EXCLUDE_MODES:
        raise InvalidRequest(f"exclude must be one of {', '.join(EXCLUDE_MODES)}")


def check_against(catalog: Catalog, query: UserQuery) -> None:
    """The request's channel and category against the model that answers it."""
    channel, category = query.channel, query.category
    if channel is not None and channel not in catalog.channels and channel not in CHANNELS:
        known = sorted({*catalog.channels, *CHANNELS} - {ALL_CHANNELS})
        raise InvalidRequest(f"unknown channel {channel!r}; known channels: {', '.join(known)}")
    if category and not catalog.category_mask(category).any():
        raise InvalidRequest(f"unknown category {category!r}: no item of the active model is in it")


@dataclass(frozen=True)
class Recommendations:
    """A ranked list with the model version that produced it and the strategy that filled it."""

    version: str
    strategy: Strategy
    items: list[RankedItem]
    degraded: bool = False  # the store was unreachable: popular items from the last loaded model
    recommendation_id: str = ""  # links later clicks and purchases to this answer (omnirec.measurement)
    experiment: str = ""
    variant: str = ""
    logged: bool = False  # the impression was queued for (or, impression_flush_ms = 0, written to) the event log


@dataclass(frozen=True)
class Customer:
    """Who a list is for: their context for the ranker and whether they consented to personalisation."""

    ctx: UserContext
    consented: bool
    customer_id: str | None = None  # canonical id (None without a user id)
    consent: Mapping[str, bool] = field(default_factory=dict)


def customer_context(
    catalog: Catalog, state: CustomerState, vector: np.ndarray | None, history: list[HistoryEntry]
) -> UserContext:
    """The customer as the ranker sees them: trained vector and history (all linked ids) plus live events
    from any channel. The one context builder of the request path."""
    if vector is not None and vector.shape[0] != catalog.vectors.shape[1]:
        vector = None  # a row of another shape cannot be this version's; score from events instead
    return build_context(
        catalog, user_vector=vector, history=history, live_events=state.recent_events, features=state.features
    )


def customer_ids(state: CustomerState) -> list[str]:
    """The ids whose rows count for a customer: canonical first, then linked anonymous ids."""
    return list(dict.fromkeys([state.customer_id, *state.identities]))


_Answer = tuple[Recommendations, Customer, Assignment | None]


class RecommendationStore(CustomerStore, ModelStore, StockStore, Protocol):
    """What RecommendationService reads: the customer (snapshot), their model rows, a store's stock."""


@dataclass(eq=False)
class RecommendationService:
    """Reads the active model once per request, the customer's state, and ranks through omnirec.scoring."""

    store: RecommendationStore
    models: ModelCache
    settings: Settings
    clock: Callable[[], float] = time.time
    state: StoreState | None = None
    impressions: ImpressionRecorder | None = None
    _variant_models: dict[tuple[str, str, str], LoadedModel] = field(default_factory=dict, init=False, repr=False)

    @property
    def _store_lost(self) -> bool:
        """The store lost its data (omnirec.service.store_state): consent cannot be read, nobody is personalised."""
        return self.state is not None and self.state.lost

    # -- use cases: during a store outage each answers from memory, flagged degraded ------------
    async def for_user(self, user_id: str, query: UserQuery) -> Recommendations:
        """Top-k for a customer; popular in the channel (degraded) when the store cannot be reached."""
        return await self._serve("user", query, partial(self._for_user, user_id, query), ())

    async def similar(self, item_id: str, query: UserQuery, user_id: str | None = None) -> Recommendations:
        """Similar items; popular in the channel minus the item (degraded) when the store cannot be reached."""
        answer = partial(self._similar, item_id, query, user_id)
        return await self._serve("similar", query, answer, [item_id], anchors_must_exist=True)

    async def basket(self, item_ids: list[str], query: UserQuery, user_id: str | None = None) -> Recommendations:
        """Basket complements; popular minus the cart (degraded) when the store cannot be reached."""
        return await self._serve("basket", query, partial(self._basket, item_ids, query, user_id), item_ids)

    async def _serve(
        self,
        endpoint: str,
        query: UserQuery,
        answer: Callable[[], Awaitable[_Answer]],
        anchors: Sequence[str],
        anchors_must_exist: bool = False,
    ) -> Recommendations:
        """The request checked once, answered, its impression recorded; the outage answer when the store fails."""
        check_query(query, self.settings.max_k)
        try:
            if not self._store_lost:
                return await self._record(endpoint, query, *await answer())
        except StoreUnavailable:
            pass
        return self._degraded(query, list(anchors), anchors_must_exist)

    def _degraded(self, query: UserQuery, anchors: list[str], anchors_must_exist: bool) -> Recommendations:
        """The outage answer from the model requests were last served from (the active version as last seen);
        raises StoreUnavailable when none is loaded."""
        model = self.models.serving()
        if model is None:
            raise StoreUnavailable("the feature store is unreachable and no model is loaded yet")
        catalog = model.catalog
        check_against(catalog, query)
        if anchors_must_exist and anchors and anchors[0] not in catalog.index:
            raise UnknownItem(f"item {anchors[0]!r} is not in model version {model.version}")
        items = popular_fallback(catalog, query.k, query.channel, query.category, exclude=anchors)
        return Recommendations(model.version, DEGRADED, items, degraded=True, recommendation_id=new_recommendation_id())

    # -- measurement: experiments and impressions ------------------------------------------------
    def _assign(self, customer_id: str | None) -> Assignment | None:
        return self.impressions.assign(customer_id, SURFACE) if self.impressions is not None else None

    async def _variant_model(self, model: LoadedModel, assignment: Assignment | None) -> LoadedModel:
        """The model a variant serves: another published version and/or the ranker's settings overridden."""
        if assignment is None:
            return model
        variant = assignment.variant
        if variant.model_version and variant.model_version != model.version:
            try:
                model = await self.models.load(variant.model_version)
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
        customer: Customer,
        assignment: Assignment | None,
    ) -> Recommendations:
        """The answer with its recommendation_id and variant; its impression logged when allowed."""
        experiment = assignment.experiment if assignment else ""
        variant = assignment.variant.name if assignment else ""
        if self.impressions is None:
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
            rec_id, logged = await self.impressions.record_list(served)
        return dataclasses.replace(
            result, recommendation_id=rec_id, experiment=experiment, variant=variant, logged=logged
        )

    async def _for_user(self, user_id: str, query: UserQuery) -> _Answer:
        # One round trip for the active version, the customer and their rows (of the version this request
        # will most likely use; read again below when it uses another). Neighbour lists are in memory.
        snapshot = await self.store.customer_snapshot(user_id, self.models.expected_version(), query.store_id)
        if snapshot.active_version is None and self.models.serving() is not None:
            # the store lost its active pointer, so its consent and customers too (restarted empty): never
            # personalise from what it answers now, even before the marker check notices
            raise StoreUnavailable("the feature store has no active model version: it lost its data")
        assignment = self._assign(snapshot.state.customer_id)
        model = await self._variant_model(await self.models.for_active(snapshot.active_version), assignment)
        catalog = model.catalog
        check_against(catalog, query)
        rows = snapshot.rows if snapshot.version == model.version else None
        customer = await self._customer(model, snapshot.state, rows)
        if assignment is not None and assignment.variant.holdout:
            return Recommendations(model.version, HOLDOUT, []), customer, assignment
        missing = snapshot.unavailable or set()
        unavailable = frozenset(catalog.indices_of(sorted(missing))) if query.store_id else frozenset()
        request = self._request(query, query.exclude, unavailable)
        ranking = rank_for_user(catalog, customer.ctx, request, with_reasons=query.explain)
        strategy = ranking.strategy if customer.consented else NON_PERSONALIZED
        return Recommendations(model.version, strategy, ranking.items), customer, assignment

    async def _similar(self, item_id: str, query: UserQuery, user_id: str | None) -> _Answer:
        model = await self.models.current()
        item = model.catalog.index.get(item_id)
        if item is None:
            raise UnknownItem(f"item {item_id!r} is not in model version {model.version}")

        def pick(catalog: Catalog, allowed: np.ndarray, personal: np.ndarray | None) -> list[RankedItem]:
            neighbours = catalog.neighbours("similar", [item]).get(item)
            return similar_items(catalog, item, neighbours, allowed, query.k, query.channel, personal)

        return await self._item_list(model, "similar", query, user_id, pick)

    async def _basket(self, item_ids: list[str], query: UserQuery, user_id: str | None) -> _Answer:
        model = await self.models.current()
        cart = [model.catalog.index[i] for i in dict.fromkeys(item_ids) if i in model.catalog.index]  # unknown: ignored

        def pick(catalog: Catalog, allowed: np.ndarray, personal: np.ndarray | None) -> list[RankedItem]:
            neighbours = catalog.neighbours("cooc", cart)
            return basket_complements(catalog, cart, neighbours, allowed, query.k, query.channel, personal)

        return await self._item_list(model, "bought_together", query, user_id, pick)

    async def _item_list(
        self,
        model: LoadedModel,
        kind: str,
        query: UserQuery,
        user_id: str | None,
        pick: Callable[[Catalog, np.ndarray, np.ndarray | None], list[RankedItem]],
    ) -> _Answer:
        """An item-to-item list (`pick` fills it), personalised with the customer's query when they consented."""
        catalog = model.catalog
        check_against(catalog, query)
        customer, unavailable = await asyncio.gather(
            self._customer_by_id(model, user_id), self._unavailable(model, query)
        )
        assignment = self._assign(customer.customer_id)
        if assignment is not None and assignment.variant.holdout:
            return Recommendations(model.version, HOLDOUT, []), customer, assignment
        exclude: ExcludeMode = "purchased" if user_id is not None and customer.consented else "none"
        allowed = allowed_mask(catalog, customer.ctx, self._request(query, exclude, unavailable))
        personal = customer_query(catalog, customer.ctx, int(self.clock()))[0] if customer.consented else None
        strategy = ITEM_LIST_STRATEGIES[kind, None if user_id is None else customer.consented]
        return Recommendations(model.version, strategy, pick(catalog, allowed, personal)), customer, assignment

    # -- helpers -------------------------------------------------------------------------------
    async def _customer(self, model: LoadedModel, state: CustomerState | None, rows: ModelRows | None) -> Customer:
        """The one consent check: without a user id or consent to personalisation the context is empty and
        no rows are read; with it, the rows of the model's version (read here unless already at hand)."""
        if state is None:
            return Customer(build_context(model.catalog, user_vector=None), consented=False)
        if state.consent.get("personalization") is False:
            empty = build_context(model.catalog, user_vector=None)
            return Customer(empty, consented=False, customer_id=state.customer_id, consent=state.consent)
        if rows is None:
            (rows,) = await self.store.read_model_rows(model.version, [customer_ids(state)])
        context = customer_context(model.catalog, state, rows.vector, rows.history)
        return Customer(context, consented=True, customer_id=state.customer_id, consent=state.consent)

    async def _customer_by_id(self, model: LoadedModel, user_id: str | None) -> Customer:
        return await self._customer(model, await self.store.get_customer(user_id) if user_id else None, None)

    async def _unavailable(self, model: LoadedModel, query: UserQuery) -> frozenset[int]:
        if not query.store_id:
            return frozenset()
        missing = await self.store.get_unavailable_items(query.store_id)
        return frozenset(model.catalog.indices_of(sorted(missing)))

    def _request(self, query: UserQuery, exclude: ExcludeMode, unavailable: frozenset[int]) -> RankRequest:
        return RankRequest(
            now=int(self.clock()),
            k=query.k,
            channel=query.channel,
            category=query.category,
            exclude=exclude,
            unavailable=unavailable,
        )
