"""What a report reads: impression records and events from the store's log, events from training files,
and today's identity links (every id resolved to its canonical customer)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path

from omnirec.store.protocol import CustomerStore, EventLog
from omnirec.store.records import CustomerEvent, ImpressionRecord

PAGE = 5000


async def read_all_impressions(store: EventLog) -> list[ImpressionRecord]:
    out: list[ImpressionRecord] = []
    after: str | None = None
    while True:
        page = await store.read_impressions(after, PAGE)
        if not page:
            return out
        out += [entry.record for entry in page]
        after = page[-1].position


async def read_all_events(store: EventLog) -> list[CustomerEvent]:
    out: list[CustomerEvent] = []
    after: str | None = None
    while True:
        page = await store.read_event_log(after, PAGE)
        if not page:
            return out
        out += [entry.event for entry in page]
        after = page[-1].position


def events_from_folder(folder: Path, warn: Callable[[str], None]) -> list[CustomerEvent]:
    """Events of a data folder (the training input contract; errors raise DataError naming file/row/column)."""
    from omnirec.data.loading import load_dataset
    from omnirec.training_config import TrainingConfig

    log = load_dataset(folder, TrainingConfig(), warn=warn).events
    out = []
    for n in range(len(log.user_ids)):
        price = float(log.price[n])
        out.append(
            CustomerEvent(
                user_id=str(log.user_ids[n]),
                item_id=str(log.item_ids[n]),
                event_type=str(log.event_types[n]),
                timestamp=int(log.timestamps[n]),
                channel=str(log.channels[n]),
                event_id=str(log.event_ids[n]) or f"{folder.name}:{n}",
                quantity=float(log.quantity[n]),
                price=None if math.isnan(price) else price,
                store_id=str(log.store_ids[n]),
            )
        )
    return out


async def identity_map(store: CustomerStore, ids: Iterable[str]) -> dict[str, str]:
    """Each id -> its canonical customer id now (itself when unlinked)."""
    return {any_id: await store.resolve_customer(any_id) for any_id in sorted(set(ids))}
