"""Simulated shopping sessions of the synthetic retailer: channels, carts, repeat buys, complements, returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from omnirec.demo.catalog import CATEGORIES, COMPLEMENTS, CONSUMABLE, DURABLE, SampleItem
from omnirec.demo.customers import REGIONS, SampleUser

# Hours of the day each channel is used (stores open 9-20; web and app peak in the evening).
_HOURS = {
    "web": (7, 23), "app": (6, 23), "store": (9, 20), "tablet": (9, 20), "email": (7, 22), "call_center": (9, 18),
}  # fmt: skip
_PATH_INDEX = {spec.path: index for index, spec in enumerate(CATEGORIES)}


@dataclass(frozen=True)
class SampleEvent:
    """One row of the synthetic events.csv (timestamp in Unix seconds; empty strings mean unknown)."""

    timestamp: int
    user_id: str
    item_id: str
    event_type: str
    channel: str
    quantity: str
    price: str
    session_id: str
    store_id: str


@dataclass
class _Shopper:
    """Mutable state of one simulated customer."""

    user: SampleUser
    owned: set[int] = field(default_factory=set)  # durables already bought (never bought again)
    due: dict[int, float] = field(default_factory=dict)  # consumable item index -> day it runs out
    wanted: list[int] = field(default_factory=list)  # item indices seen on the tablet or needed as complements


class ShoppingSimulator:
    """Turns customers and the catalogue into events, deterministically for the generator's state."""

    def __init__(self, rng: np.random.Generator, items: list[SampleItem], start: int, days: int) -> None:
        self.rng = rng
        self.items = items
        self.start = start
        self.days = days
        self.by_category = [
            np.array([i for i, item in enumerate(items) if item.category is spec]) for spec in CATEGORIES
        ]
        self.events: list[SampleEvent] = []
        self._sessions = 0
        self._pick_cache: dict[tuple[int, float], np.ndarray] = {}

    def simulate(self, users: list[SampleUser]) -> list[SampleEvent]:
        """All events of all users, sorted by time."""
        for user in users:
            self._simulate_user(_Shopper(user))
        return sorted(self.events, key=lambda event: (event.timestamp, event.user_id))

    def _simulate_user(self, shopper: _Shopper) -> None:
        rates = shopper.user.channel_rates
        channels = [channel for channel, rate in rates.items() if rate > 0]
        weights = np.array([rates[channel] for channel in channels])
        weights /= weights.sum()
        daily = shopper.user.sessions_per_week / 7.0
        cumulative = np.cumsum(weights)
        for day, sessions in enumerate(self.rng.poisson(daily, size=self.days).tolist()):
            for _ in range(sessions):
                channel = channels[min(int(np.searchsorted(cumulative, self.rng.random())), len(channels) - 1)]
                self._session(shopper, channel, day)

    def _session(self, shopper: _Shopper, channel: str, day: int) -> None:
        self._sessions += 1
        low, high = _HOURS[channel]
        clock = [self.start + day * 86400 + int(self.rng.integers(low * 3600, high * 3600))]
        store = ""
        if channel in ("store", "tablet"):
            user = shopper.user
            store = user.home_store
            if self.rng.random() < 0.1:  # sometimes a different store of the region
                options = REGIONS[user.region]
                store = options[int(self.rng.integers(len(options)))]
        session = f"S{self._sessions:07d}"

        def emit(index: int, event_type: str, quantity: str = "", price: float | None = None) -> None:
            item = self.items[index]
            clock[0] += int(self.rng.integers(15, 180))
            shown = item.price if price is None else price
            self.events.append(
                SampleEvent(clock[0], shopper.user.user_id, item.item_id, event_type, channel, quantity,
                            f"{shown:.2f}", session, store)
            )  # fmt: skip

        if channel == "email":  # a campaign click lands on a product page
            for index in self._pick(shopper, n=int(self.rng.integers(1, 3)), top=True):
                emit(index, "view")
            return
        if channel == "tablet":  # browsing the endless aisle in a store: bigger items, ordered later
            for index in self._pick(shopper, n=int(self.rng.integers(2, 5)), durable=True):
                emit(index, "view")
                if self.rng.random() < 0.4:
                    emit(index, "add_to_cart", "1")
                    shopper.wanted.append(index)
            return
        basket = self._due_consumables(shopper, day, channel)
        if shopper.wanted and self.rng.random() < 0.5:
            basket.append(shopper.wanted.pop(0))
        if channel == "store":
            basket += list(self._pick(shopper, n=int(self.rng.integers(0, 3))))
        elif channel == "call_center":
            basket = basket[:1] or list(self._pick(shopper, n=1))
        else:
            views = self._pick(shopper, n=int(self.rng.integers(2, 7) if channel == "web" else self.rng.integers(1, 4)))
            for index in views:
                emit(index, "view")
            if views.size and self.rng.random() < (0.45 if channel == "web" else 0.35):
                chosen = int(views[int(self.rng.integers(views.size))])
                emit(chosen, "add_to_cart", "1")
                if self.rng.random() < 0.6:  # the rest of the carts are abandoned
                    basket.append(chosen)
        for index in basket:
            if index in shopper.owned:
                continue
            self._purchase(shopper, index, day, emit)

    def _purchase(self, shopper: _Shopper, index: int, day: int, emit: Callable[[int, str, str], None]) -> None:
        item = self.items[index]
        spec = item.category
        quantity = int(self.rng.integers(1, 4)) if spec.kind == CONSUMABLE else 1
        emit(index, "purchase", str(quantity))
        if spec.kind == DURABLE:
            shopper.owned.add(index)
        if spec.kind == CONSUMABLE:
            low, high = spec.cycle_days
            shopper.due[index] = day + float(self.rng.uniform(low, high)) * (0.7 + 0.3 * quantity)
        for complement in COMPLEMENTS.get(spec.path, ()):
            if self.rng.random() < 0.6:
                shopper.wanted.append(self._complement_item(item, _PATH_INDEX[complement]))
        if spec.kind != CONSUMABLE and self.rng.random() < 0.04:
            self._schedule_return(shopper, index, day)

    def _schedule_return(self, shopper: _Shopper, index: int, day: int) -> None:
        back = day + int(self.rng.integers(3, 21))
        if back >= self.days:
            return
        channel = "store" if shopper.user.home_store and self.rng.random() < 0.6 else "web"
        store = shopper.user.home_store if channel == "store" else ""
        moment = self.start + back * 86400 + int(self.rng.integers(10 * 3600, 18 * 3600))
        item = self.items[index]
        self.events.append(
            SampleEvent(moment, shopper.user.user_id, item.item_id, "return", channel, "1", f"{item.price:.2f}",
                        f"R{self._sessions:07d}", store)
        )  # fmt: skip
        shopper.owned.discard(index)

    def _due_consumables(self, shopper: _Shopper, day: int, channel: str) -> list[int]:
        """Consumables that ran out; the app and the store are where people restock."""
        restock = {"app": 0.9, "store": 0.8, "web": 0.5, "call_center": 0.5}.get(channel, 0.0)
        basket = []
        for index, due_day in list(shopper.due.items()):
            if due_day <= day and self.rng.random() < restock:
                del shopper.due[index]
                if self.rng.random() < 0.15:  # occasionally switch to another product of the same category
                    index = int(self._from_category(shopper, _PATH_INDEX[self.items[index].category.path]))
                basket.append(index)
        return basket

    def _complement_item(self, item: SampleItem, category: int) -> int:
        candidates = self.by_category[category]
        same_brand = [int(i) for i in candidates if self.items[int(i)].brand == item.brand]
        if same_brand and self.rng.random() < 0.6:
            return same_brand[int(self.rng.integers(len(same_brand)))]
        return int(candidates[int(self.rng.integers(candidates.size))])

    def _pick(self, shopper: _Shopper, n: int, *, top: bool = False, durable: bool = False) -> np.ndarray:
        """n distinct items from one category chosen by the customer's taste."""
        taste = shopper.user.taste
        if durable:
            taste = taste * np.array([spec.kind == DURABLE for spec in CATEGORIES]) + 1e-9
            taste = taste / taste.sum()
        cumulative = np.cumsum(taste)
        category = min(int(np.searchsorted(cumulative, self.rng.random() * cumulative[-1])), len(CATEGORIES) - 1)
        pool = self.by_category[category]
        probabilities = self._item_probabilities(category, shopper.user.price_sensitivity, top)
        # Weighted sampling without replacement (Efraimidis-Spirakis keys), much faster than rng.choice.
        keys = self.rng.random(pool.size) ** (1.0 / probabilities)
        return pool[np.argsort(-keys)[: min(n, pool.size)]]

    def _from_category(self, shopper: _Shopper, category: int) -> int:
        probabilities = self._item_probabilities(category, shopper.user.price_sensitivity, False)
        return int(self.rng.choice(self.by_category[category], p=probabilities))

    def _item_probabilities(self, category: int, sensitivity: float, top: bool) -> np.ndarray:
        key = (category, round(sensitivity, 1) + (100.0 if top else 0.0))
        cached = self._pick_cache.get(key)
        if cached is None:
            pool = self.by_category[category]
            appeal = np.array([self.items[int(i)].appeal for i in pool]) ** (2.0 if top else 1.0)
            prices = np.array([self.items[int(i)].price for i in pool])
            weights = appeal * (prices / np.median(prices)) ** (-key[1] % 100.0)
            cached = self._pick_cache[key] = weights / weights.sum()
        return cached
