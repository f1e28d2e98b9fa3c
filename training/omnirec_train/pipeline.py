"""train_bundle: choose the ranker on a validation split, refit the model on all data, save the bundle.

Two fits: the first on the training period minus its last `validation_fraction` (by time) only serves
to choose RankerParams; the shipped model is then refitted on every event, so the newest behaviour
(what customers bought last week) is in the bundle. The ranker transfers because its features are the
customer's own shares, counts, decays and days, components scaled to [0, 1] per request, and raw model
scores of a model fitted the same way on a little less data.
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
from omnirec_train.split import time_split

# Used when the data has too little time span for a validation split (one day of fashion, say).
FALLBACK_PARAMS = RankerParams(w_model=1.0, w_history=1.0, w_cooccurrence=0.5, w_popularity=0.1)
BLEND_K = 10
# Fewer validation customers than this is noise, not evidence: keep the fallback blend.
MIN_VALIDATION_USERS = 20

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def fit_ranker(
    dataset: Dataset, events: EventLog, config: TrainingConfig, options: BuildOptions, log: Log = _quiet
) -> ModelBundle:
    """Choose the ranker on the last validation_fraction of `events`, then fit on all of `events`."""
    started = time.perf_counter()
    split = time_split(events, config.validation_fraction)
    targets = {user: items for (user, _), items in split.targets().items()}
    metrics: dict[str, object] = {}
    params = FALLBACK_PARAMS
    if len(targets) >= MIN_VALIDATION_USERS and len(split.train):
        log(f"fitting the validation model on {len(split.train):,} events before the validation cut")
        probe = build_bundle(dataset, split.train, config, FALLBACK_PARAMS, options)
        catalog = Catalog.from_bundle(probe, search=options.search)  # the search export and the service use
        choice = choose_ranker(probe, targets, split.cutoff, k=BLEND_K, seed=config.seed, catalog=catalog, log=log)
        params, metrics = choice.params, dict(choice.metrics)
    else:
        log(f"{len(targets)} validation customers after the time cut: using the fallback blend")
        metrics = {"validation": f"skipped: {len(targets)} customers with later purchases", "ranker": "fallback"}
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
