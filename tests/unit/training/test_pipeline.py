"""The validation windows of the trainer: each probe is fitted only on events before its own cut."""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np
from test_blend_search import NOW, with_params
from test_interactions import make_log

from bundle_factory import make_bundle
from omnirec.bundle import ModelBundle
from omnirec.data.event_log import Dataset, EventLog
from omnirec.training_config import TrainingConfig
from omnirec_train.bundle_builder import BuildOptions
from omnirec_train.pipeline import (
    FALLBACK_PARAMS,
    MAX_WINDOWS,
    MIN_VALIDATION_USERS,
    VALIDATION_GROUPS,
    validation_windows,
)
from omnirec_train.ranker_eval import rank_users

DAY = 86_400
CONFIG = TrainingConfig(no_components=4, epochs=1)
QUICK = BuildOptions(epochs=1)


def daily_shop(customers: int, days: int = 100, late: int = 0) -> Dataset:
    """Each customer buys one item a day; the last `late` customers only start in the final fifth of the days."""
    rows = [
        (f"c{c:03d}", f"i{(c + d) % 30}", "purchase", "web", d * DAY + c)
        for d in range(days)
        for c in range(customers + late)
        if c < customers or d >= days * 4 // 5
    ]
    return Dataset(source=Path("daily"), events=make_log(rows), items=None, users=None, fingerprint="daily")


def bought(events: EventLog, start: int, end: int) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for user, item, t in zip(
        events.user_ids.tolist(), events.item_ids.tolist(), events.timestamps.tolist(), strict=True
    ):
        if start <= t < end:
            out.setdefault(user, set()).add(item)
    return out


def test_a_small_shop_gets_earlier_windows_whose_probes_never_see_their_targets() -> None:
    shop = daily_shop(5, late=1)  # 5-6 customers a window: four windows reach VALIDATION_GROUPS
    events = shop.events
    windows = validation_windows(shop, events, CONFIG, QUICK)
    assert len(windows) == MAX_WINDOWS and sum(len(w.targets) for w in windows) >= VALIDATION_GROUPS
    ends = [int(events.timestamps.max()) + 1] + [w.now for w in windows[:-1]]
    for window, end in zip(windows, ends, strict=True):
        assert window.now < end
        before = events.timestamps < window.now
        # The probe was fitted on exactly the events before its cut: no history, customer or count after it.
        assert window.bundle.manifest.counts["events"] == int(before.sum())
        assert window.bundle.manifest.ranker == FALLBACK_PARAMS  # what ranker_fit's forward check ships
        assert int(window.bundle["history_times"].max()) < window.now
        assert set(window.bundle["user_ids"].tolist()) == set(events.user_ids[before].tolist())
        # Its targets are what those customers bought from its cut to the next later one, nothing else.
        known = set(events.user_ids[before].tolist())
        expected = {u: items for u, items in bought(events, window.now, end).items() if u in known}
        assert window.targets == expected
    # A customer who starts in the final fifth is judged in the newest window only, and known to no earlier probe.
    assert "c005" in windows[0].targets and "c005" in windows[0].bundle["user_ids"]
    assert all("c005" not in w.targets and "c005" not in w.bundle["user_ids"] for w in windows[1:])


def test_a_shop_with_enough_validation_customers_keeps_one_window() -> None:
    shop = daily_shop(VALIDATION_GROUPS, days=20)
    windows = validation_windows(shop, shop.events, CONFIG, QUICK)
    assert len(windows) == 1 and len(windows[0].targets) == VALIDATION_GROUPS


def test_the_fallback_only_when_every_window_together_has_too_few_groups() -> None:
    assert MAX_WINDOWS > 1
    per_window = MIN_VALIDATION_USERS // MAX_WINDOWS + 1  # too few in one window, enough in all together
    few = daily_shop(per_window - 2)
    assert validation_windows(few, few.events, CONFIG, QUICK) == []
    pooled = daily_shop(per_window)
    assert len(validation_windows(pooled, pooled.events, CONFIG, QUICK)) == MAX_WINDOWS


def favourite_shop() -> tuple[ModelBundle, dict[str, str]]:
    """Each customer bought a favourite in three baskets 60-120 days ago and two other items once, in the
    last two days; the model, co-occurrence and popularity are random (they know nothing of the favourite)."""
    bundle = make_bundle(n_items=40, n_users=12, history_per_user=5, seed=3)
    n, day = bundle.n_users, 86_400
    favourite, first, second = (np.arange(n) * 7 + 3) % 40, (np.arange(n) + 11) % 40, (np.arange(n) + 23) % 40
    items = np.stack([first, second, favourite, favourite, favourite], axis=1).ravel()
    bundle.arrays.update(
        history_indptr=np.arange(0, 5 * n + 1, 5, dtype=np.int64),
        history_items=items.astype(np.int32),
        history_times=(NOW - np.tile([1, 2, 60, 90, 120], n) * day).astype(np.int64),
        history_types=np.full(5 * n, "purchase"),
        history_channels=np.full(5 * n, "web"),
    )
    return bundle, {u: str(bundle["item_ids"][favourite[i]]) for i, u in enumerate(bundle["user_ids"].tolist())}


def test_the_fallback_keeps_each_customers_repeatedly_bought_item_in_their_list() -> None:
    """Buy-again is the strong baseline of repeat-heavy shops: the untuned fallback must not push a customer's
    favourite out of the top 5 for items only the model or co-occurrence like (the old blend, model and history
    weighted alike, lost it for 4 of these 12 customers)."""
    bundle, favourites = favourite_shop()
    users = sorted(favourites)
    ranked = rank_users(with_params(bundle, **msgspec.structs.asdict(FALLBACK_PARAMS)), users, NOW, 5)
    assert [favourites[u] in top for u, top in zip(users, ranked, strict=True)] == [True] * len(users)
