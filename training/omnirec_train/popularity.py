"""Recency-weighted popularity per channel (row 0 = all channels) and which items each channel sells."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omnirec.columns import ALL_CHANNELS
from omnirec.data.event_log import EventLog
from omnirec.training_config import TrainingConfig
from omnirec_train.interactions import IdMap, event_weights


@dataclass(frozen=True)
class ChannelPopularity:
    channels: list[str]  # index 0 is 'all'
    popularity: np.ndarray  # C x I float32, each row scaled to [0, 1]
    channels_mask: np.ndarray  # I x C bool, column 0 always True


def channel_popularity(
    events: EventLog, items: IdMap, config: TrainingConfig, cutoff: int | None = None
) -> ChannelPopularity:
    """Sum of positive, decayed event weights per (channel, item), each channel row divided by its max."""
    channels = [ALL_CHANNELS, *sorted(set(np.unique(events.channels).tolist()) - {ALL_CHANNELS})]
    n_items = len(items)
    if cutoff is None:
        cutoff = int(events.timestamps.max()) if len(events) else 0
    item_idx = items.to_internal(events.item_ids)
    weights = np.maximum(event_weights(events, config, cutoff), 0.0)
    chan_idx = np.searchsorted(np.array(channels[1:], dtype=str), events.channels.astype(str)) + 1
    ok = item_idx >= 0
    pop = np.zeros((len(channels), n_items), dtype=np.float64)
    np.add.at(pop, (chan_idx[ok], item_idx[ok]), weights[ok])
    pop[0] = pop[1:].sum(axis=0)
    mask = np.zeros((n_items, len(channels)), dtype=bool)
    mask[item_idx[ok], chan_idx[ok]] = True
    mask[:, 0] = True
    peak = pop.max(axis=1, keepdims=True)
    scaled = np.divide(pop, peak, out=np.zeros_like(pop), where=peak > 0)
    return ChannelPopularity(channels=channels, popularity=scaled.astype(np.float32), channels_mask=mask)
