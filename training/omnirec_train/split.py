"""Time-based splits: a holdout of each customer's later purchases, and rolling validation cuts inside training."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from omnirec.columns import PURCHASE_EVENTS
from omnirec.data.event_log import EventLog

# Events that count as "the customer wanted it" in a holdout.
TARGET_EVENTS = frozenset(PURCHASE_EVENTS | {"add_to_cart"})


@dataclass(frozen=True)
class TimeSplit:
    """Events before the cut-off (train) and the target events after it (test, known users only)."""

    train: EventLog
    test: EventLog
    cutoff: int  # Unix seconds; train is strictly before, test at or after

    def targets(self, by_channel: bool = False) -> dict[tuple[str, str], set[str]]:
        """(user, channel) -> set of item ids to find; channel is "" unless by_channel."""
        out: dict[tuple[str, str], set[str]] = defaultdict(set)
        channels = self.test.channels if by_channel else np.full(len(self.test), "")
        for user, item, channel in zip(
            self.test.user_ids.tolist(), self.test.item_ids.tolist(), channels.tolist(), strict=True
        ):
            out[(user, channel)].add(item)
        return dict(out)


def time_split(events: EventLog, test_fraction: float) -> TimeSplit:
    """Cut at the (1 - test_fraction) quantile of event times.

    The test part keeps only purchases and add-to-carts of customers seen in training, so it measures
    what each known customer did later. With a single timestamp everything lands in train.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError("test_fraction must be between 0 and 1")
    if not len(events):
        return TimeSplit(train=events, test=events, cutoff=0)
    cutoff = int(np.quantile(events.timestamps, 1.0 - test_fraction, method="higher"))
    if cutoff <= int(events.timestamps.min()):
        # Everything before the quantile shares one timestamp: cut just after it instead.
        later = events.timestamps[events.timestamps > cutoff]
        cutoff = int(later.min()) if later.size else cutoff + 1
    before = events.timestamps < cutoff
    train = events.take(before)
    known = np.isin(events.user_ids, np.unique(train.user_ids))
    is_target = np.isin(events.event_types, list(TARGET_EVENTS))
    test = events.take(~before & known & is_target)
    return TimeSplit(train=train, test=test, cutoff=cutoff)


def rolling_splits(events: EventLog, fraction: float, enough: int, most: int, oldest: float) -> list[TimeSplit]:
    """Rolling-origin validation windows, newest first, added until their target customers sum to `enough`.

    Window 0 is time_split(events, fraction). Window w + 1 is the same cut applied to window w's train part,
    with the share rescaled so that every window holds about `fraction` of all events: its train part is
    everything before its own cut, and its targets are what known customers bought between its cut and the
    next later one. At most `most` windows, and none whose cut would leave less than `1 - oldest` of the
    events before it (the earliest validation model still sees most of the data). Window 0 is always
    returned, even without targets; an earlier window without targets is kept (the caller skips it).
    """
    splits = [time_split(events, fraction)]
    pooled = len(splits[0].targets())
    while len(splits) < most and pooled < enough:
        share = fraction / (1.0 - len(splits) * fraction)
        if (len(splits) + 1) * fraction > oldest + 1e-9 or not 0.0 < share < 1.0:
            break
        rest = splits[-1].train
        split = time_split(rest, share)
        if not len(split.train) or len(split.train) == len(rest):
            break  # nothing before this cut, or nothing after it: no earlier window to add
        splits.append(split)
        pooled += len(split.targets())
    return splits
