"""Fit everything on one event log and assemble the arrays of ARRAY_SPECS into an in-memory bundle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
import numpy as np

from omnirec.bundle.format import BundleManifest, ModelBundle, RankerParams
from omnirec.bundle.io import new_version
from omnirec.data.event_log import Dataset, EventLog
from omnirec.scoring.search_config import DEFAULT_SEARCH, SearchConfig
from omnirec.training_config import TrainingConfig
from omnirec_train.features import build_features
from omnirec_train.history import build_history
from omnirec_train.hybrid_model import fit_model, representations
from omnirec_train.interactions import IdMap, build_interactions
from omnirec_train.neighbours import cooccurrence_lists, similar_items
from omnirec_train.popularity import channel_popularity
from omnirec_train.repeat_stats import repeat_stats


@dataclass(frozen=True)
class BuildOptions:
    progress: bool = False
    epochs: int | None = None  # overrides config.epochs (e.g. a quick fit)
    search: SearchConfig = DEFAULT_SEARCH  # top-n search of every Catalog the trainer builds (Settings.search)


def positive_types(config: TrainingConfig) -> set[str]:
    return {t for t, w in config.event_weights.items() if w > 0}


def build_bundle(
    dataset: Dataset,
    events: EventLog,
    config: TrainingConfig,
    params: RankerParams,
    options: BuildOptions = BuildOptions(),
    metrics: dict[str, Any] | None = None,
) -> ModelBundle:
    """Train on `events` (all of them or a time split of dataset.events) and return the bundle in memory.

    Items are the union of event items and the items.csv catalogue; users the union of event users and
    users.csv, so customers known only by features still get a representation.
    """
    items = IdMap.union(events.item_ids, dataset.items.ids if dataset.items is not None else None)
    users = IdMap.union(events.user_ids, dataset.users.ids if dataset.users is not None else None)
    cutoff = int(events.timestamps.max()) if len(events) else 0
    interactions = build_interactions(events, users, items, config, cutoff)
    kinds = (config.categorical_columns, config.numeric_columns)
    item_feats = build_features(items, dataset.items, config.numeric_buckets, config.max_feature_values, *kinds)
    user_feats = build_features(users, dataset.users, config.numeric_buckets, config.max_feature_values, *kinds)
    model = fit_model(interactions, user_feats, item_feats, config, epochs=options.epochs, progress=options.progress)
    reps = representations(model, interactions, user_feats, item_feats)
    pop = channel_popularity(events, items, config, cutoff)
    stats = repeat_stats(events, items, item_feats.category)
    history = build_history(events, users, items, config.history_cap, set(config.event_weights))
    sim_i, sim_s = similar_items(reps.item_vectors, config.similar_k)
    co_i, co_s = cooccurrence_lists(events, items, config.cooccurrence_k, positive_types(config))
    arrays: dict[str, np.ndarray] = {
        "item_ids": items.external_ids,
        "item_vectors": reps.item_vectors,
        "item_biases": reps.item_biases,
        "item_has_interactions": reps.item_has_interactions,
        "item_categories": item_feats.category,
        "item_channels_mask": pop.channels_mask,
        "user_ids": users.external_ids,
        "user_vectors": reps.user_vectors,
        "user_feature_names": np.array(user_feats.names, dtype=str),
        "user_feature_vectors": reps.user_feature_vectors.reshape(len(user_feats.names), config.no_components),
        "channels": np.array(pop.channels, dtype=str),
        "popularity": pop.popularity,
        "similar_indices": sim_i,
        "similar_scores": sim_s,
        "cooc_indices": co_i,
        "cooc_scores": co_s,
        "repeat_rate": stats.repeat_rate,
        "repeat_interval_days": stats.interval_days,
        "history_indptr": history.indptr,
        "history_items": history.items,
        "history_times": history.times,
        "history_types": history.types,
        "history_channels": history.channels,
    }
    counts = {
        "events": len(events),
        "users": len(users),
        "items": len(items),
        "interactions": int(interactions.nnz),
        "items_without_interactions": int((~reps.item_has_interactions).sum()),
        "history_entries": int(history.items.shape[0]),
    }
    manifest = BundleManifest(
        version=new_version(dataset.fingerprint),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        data_fingerprint=dataset.fingerprint,
        data_source=str(dataset.source),
        settings=msgspec.to_builtins(config),
        ranker=params,
        metrics=metrics or {},
        counts=counts,
        item_feature_names=item_feats.names,
        user_feature_names=user_feats.names,
        channels=pop.channels,
        dim=config.no_components,
    )
    return ModelBundle(manifest=manifest, arrays=arrays)
