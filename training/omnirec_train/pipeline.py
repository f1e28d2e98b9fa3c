"""train_bundle: choose the ranker blend on a validation split, refit on all data, save the bundle.

Two fits: the first on the training period minus its last `validation_fraction` (by time) only serves
to choose RankerParams; the shipped model is then refitted on every event, so the newest behaviour
(what customers bought last week) is in the bundle. The weights transfer because every feature is
scale-free: components scaled to [0, 1] per request, personal shares, decays and counts of one customer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from omnirec.bundle.format import ModelBundle, RankerParams
from omnirec.bundle.io import save_bundle
from omnirec.data.event_log import Dataset, EventLog
from omnirec.training_config import TrainingConfig
from omnirec_train.blend_search import choose_blend
from omnirec_train.bundle_builder import BuildOptions, build_bundle
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
    """Choose the blend on the last validation_fraction of `events`, then fit on all of `events`."""
    started = time.perf_counter()
    split = time_split(events, config.validation_fraction)
    targets = {user: items for (user, _), items in split.targets().items()}
    metrics: dict[str, object] = {}
    params = FALLBACK_PARAMS
    if len(targets) >= MIN_VALIDATION_USERS and len(split.train):
        log(f"choosing the ranker blend on {len(targets)} validation customers")
        probe = build_bundle(dataset, split.train, config, FALLBACK_PARAMS, options)
        choice = choose_blend(probe, targets, split.cutoff, k=BLEND_K)
        params = choice.params
        metrics = {
            "validation_ndcg@10": round(choice.ndcg, 5),
            "validation_users": choice.users,
            "blends_tried": choice.tried,
            "ranker": choice.kind,
            "validation_ndcg@10_blend_in_sample": round(choice.blend_ndcg, 5),
            "validation_ndcg@10_learned_out_of_fold": round(choice.learned_ndcg, 5),
        }
    else:
        log(f"{len(targets)} validation customers after the time cut: using the fallback blend")
        metrics = {"validation": f"skipped: {len(targets)} customers with later purchases", "blend": "fallback"}
    log("fitting the shipped model on all events")
    bundle = build_bundle(dataset, events, config, params, options, metrics=metrics)
    metrics["train_seconds"] = round(time.perf_counter() - started, 2)
    return bundle


def train_bundle(
    dataset: Dataset, config: TrainingConfig, out_dir: Path, progress: bool = False, log: Log = _quiet
) -> Path:
    """Train on a loaded dataset and write a new bundle version under out_dir; returns its path."""
    bundle = fit_ranker(dataset, dataset.events, config, BuildOptions(progress=progress), log)
    return save_bundle(bundle, out_dir)
