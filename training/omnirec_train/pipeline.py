"""train_bundle: choose the ranker on validation windows, refit the model on all data, save the bundle.

The first fits (one probe per validation window, each on the events before its own cut) only serve to choose
RankerParams; the shipped model is then refitted on every event, so the newest behaviour (what customers
bought last week) is in the bundle. Window 0 is the training period's last `validation_fraction` (by time).
Only when it holds fewer than VALIDATION_GROUPS customers with later purchases (where one window would ship
the untuned FALLBACK_PARAMS) are earlier windows of the same share added, rolling the cut back, until the
(customer, window) groups reach VALIDATION_GROUPS or there are MAX_WINDOWS of them, no probe seeing less than
1 - OLDEST_CUT of the events; the ranker choice then ships the searched blend only if it also holds forward in
time (omnirec_train.ranker_fit). Shops with enough customers in their last window keep one window, its choice
and its training cost: pooling earlier windows for them measured as noise (two windows: +0.3 % NDCG on average
over 13 small shops, -1.2 % on uci-online-retail; three or four: +0.0 % and -0.1 %, -2.3 % at worst;
benchmarks/RESULTS.md, "Quality, round 3"), while a shop below the bar gained up to +185 %. The ranker
transfers because its features are the customer's own shares, counts, decays and days, components scaled to
[0, 1] per request, and raw model scores of a model fitted the same way on a little less data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from omnirec.bundle.format import ModelBundle, RankerParams
from omnirec.bundle.io import save_bundle
from omnirec.data.event_log import Dataset, EventLog
from omnirec.scoring import Catalog
from omnirec.scoring.search_config import DEFAULT_SEARCH, SearchConfig
from omnirec.training_config import TrainingConfig
from omnirec_train.bundle_builder import BuildOptions, build_bundle
from omnirec_train.ranker_fit import choose_ranker
from omnirec_train.split import rolling_splits
from omnirec_train.validation_pool import ValidationWindow

# Shipped untuned when nothing can validate a blend: too few customers with later purchases (a first small
# export, one day of fashion) or a pooled blend that fails the forward check (ranker_fit). History-led, since
# buy-again is the baseline to beat on repeat shops: the customer's own items outrank what only the model or
# co-occurrence like (weight 2 against 0.5 + 0.25 + 0.1). The repeat threshold drops a once-bought item only
# when its smoothed repeat rate (repeat_stats: its buyers', its category's, the shop's) is below 1 %, i.e.
# almost nobody buys it again: 0.1 hid most items of repeat shops whose customers do buy again (uci: 78 % of
# purchases under 0.1), 0 filled the lists of no-repeat shops with what was already bought. Measured with the
# fallback forced on 29 shops (benchmarks/RESULTS.md, "the fallback blend"): mean 1.09x the best baseline,
# worst 0.86x, where the old blend (1, 1, 0.5, 0.1, threshold 0.1) reached 1.04x and 0.35x; through the whole
# pipeline (33 shops) +1.8 % on average, with losses of 5-14 % on five small shops.
FALLBACK_PARAMS = RankerParams(w_model=0.5, w_history=2.0, w_cooccurrence=0.25, w_popularity=0.1, repeat_threshold=0.01)
BLEND_K = 10
# Fewer validation groups than this is noise, not evidence: keep the fallback blend.
MIN_VALIDATION_USERS = 20
# The window rule (module docstring): earlier windows only until the groups reach the bar one window must
# pass, at most four windows (five customers a window suffice), the oldest cut leaving 40 % of the events.
VALIDATION_GROUPS = MIN_VALIDATION_USERS
MAX_WINDOWS = 4
OLDEST_CUT = 0.6

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def validation_windows(
    dataset: Dataset, events: EventLog, config: TrainingConfig, options: BuildOptions, log: Log = _quiet
) -> list[ValidationWindow]:
    """The windows of the rule above, newest first, each with a probe fitted only on the events before its
    cut; none when the pooled (customer, window) groups are fewer than MIN_VALIDATION_USERS."""
    splits = rolling_splits(events, config.validation_fraction, VALIDATION_GROUPS, MAX_WINDOWS, OLDEST_CUT)
    found = [{user: items for (user, _), items in split.targets().items()} for split in splits]
    groups = sum(map(len, found))
    if groups < MIN_VALIDATION_USERS or not len(splits[0].train):
        log(f"{groups} validation customers after the time cuts: using the fallback blend")
        return []
    windows = []
    for split, targets in zip(splits, found, strict=True):
        if targets:
            log(f"fitting a validation model on {len(split.train):,} events before a validation cut")
            probe = build_bundle(dataset, split.train, config, FALLBACK_PARAMS, options)
            catalog = Catalog.from_bundle(probe, search=options.search)  # the search export and the service use
            windows.append(ValidationWindow.of(probe, targets, split.cutoff, catalog))
    return windows


def fit_ranker(
    dataset: Dataset, events: EventLog, config: TrainingConfig, options: BuildOptions, log: Log = _quiet
) -> ModelBundle:
    """Choose the ranker on validation windows of `events`, then fit on all of `events`."""
    started = time.perf_counter()
    windows = validation_windows(dataset, events, config, options, log)
    params: RankerParams = FALLBACK_PARAMS
    metrics: dict[str, object] = {"validation": "skipped: too few customers with later purchases", "ranker": "fallback"}
    if windows:
        choice = choose_ranker(windows, k=BLEND_K, seed=config.seed, log=log)
        params, metrics = choice.params, dict(choice.metrics)
    log(f"fitting the shipped model on all {len(events):,} events")
    bundle = build_bundle(dataset, events, config, params, options, metrics=metrics)
    metrics["train_seconds"] = round(time.perf_counter() - started, 2)
    return bundle


def train_bundle(
    dataset: Dataset,
    config: TrainingConfig,
    out_dir: Path,
    progress: bool = False,
    log: Log = _quiet,
    search: SearchConfig = DEFAULT_SEARCH,
) -> Path:
    """Train on a loaded dataset and write a new bundle version under out_dir; returns its path."""
    bundle = fit_ranker(dataset, dataset.events, config, BuildOptions(progress=progress, search=search), log)
    return save_bundle(bundle, out_dir)
