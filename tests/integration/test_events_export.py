"""export events: every accepted event lands in events.csv exactly once, across runs, crashes and retries.

Runs against memory:// and a real redis-server; the written folder is read back by load_dataset.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import redis

from omnirec.batch import events as export_module
from omnirec.batch.events import EVENTS_FILE, export_events, read_position
from omnirec.data.loading import load_dataset
from omnirec.errors import ExportStateError
from omnirec.store import codec
from omnirec.store.factory import open_store
from omnirec.store.keys import Keys
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerEvent
from omnirec.training_config import TrainingConfig

pytestmark = pytest.mark.anyio


def event(n: int, user: str = "u1", event_type: str = "view", **kw: object) -> CustomerEvent:
    values: dict[str, object] = {"quantity": 1.0, "price": None, "session_id": "", "store_id": ""}
    values.update(kw)
    return CustomerEvent(
        user_id=user,
        item_id=f"i{n % 7}",
        event_type=event_type,
        timestamp=1_760_000_000 + n,
        channel=("web", "app", "store")[n % 3],
        event_id=f"e{n}",
        **values,  # type: ignore[arg-type]
    )


async def add(store: FeatureStore, numbers: range, user: str = "u1") -> None:
    await store.append_events(user, [event(n, user) for n in numbers], cap=50)


def exported_ids(out: Path) -> list[str]:
    dataset = load_dataset(out, TrainingConfig())  # the contract's own loader, duplicate event_ids are fatal
    return sorted(dataset.events.event_ids.tolist(), key=lambda e: int(e[1:]))


async def test_repeated_exports_write_each_event_once(store: FeatureStore, tmp_path: Path) -> None:
    await add(store, range(0, 30))
    first = await export_events(store, tmp_path, page_size=7)
    assert (first.written, first.total) == (30, 30)
    again = await export_events(store, tmp_path, page_size=7)
    assert again.written == 0  # nothing new, nothing repeated
    await add(store, range(30, 45), user="u2")  # events arriving between exports
    await add(store, range(40, 50), user="u2")  # partly a retried batch: e40..e44 are not stored twice
    later = await export_events(store, tmp_path, page_size=7)
    assert later.written == 20
    assert exported_ids(tmp_path) == [f"e{n}" for n in range(50)]


async def test_events_arriving_during_an_export_go_to_the_next_one(store: FeatureStore, tmp_path: Path) -> None:
    await add(store, range(0, 20))
    extra = iter(range(100, 140))
    arriving: list[asyncio.Task[None]] = []

    def arrive(_: int) -> None:  # more events are accepted while the export pages through the log
        for n in (next(extra), next(extra)):
            arriving.append(asyncio.get_running_loop().create_task(add(store, range(n, n + 1), user="u3")))

    await export_events(store, tmp_path, page_size=5, progress=arrive)
    assert arriving
    await asyncio.gather(*arriving)  # every event that arrived is in the log before the next export
    await export_events(store, tmp_path, page_size=5)
    logged = [e.event.event_id for e in await store.read_event_log(None, 1000)]
    assert len(logged) == len(set(logged))
    assert sorted(exported_ids(tmp_path)) == sorted(logged)


async def test_crash_before_commit_is_completed_without_duplicates(
    store: FeatureStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add(store, range(0, 10))
    await export_events(store, tmp_path, page_size=4)
    await add(store, range(10, 25))
    real_commit = export_module._commit
    calls = {"n": 0}

    def crash_on_second(out: Path, state: export_module.ExportPosition) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # page 2 is appended and fsynced, the process dies before saving the position
            raise KeyboardInterrupt("killed")
        real_commit(out, state)

    monkeypatch.setattr(export_module, "_commit", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        await export_events(store, tmp_path, page_size=4)
    monkeypatch.setattr(export_module, "_commit", real_commit)
    committed = read_position(tmp_path)
    assert (tmp_path / EVENTS_FILE).stat().st_size > committed.bytes  # an uncommitted tail is on disk
    recovered = await export_events(store, tmp_path, page_size=4)
    assert recovered.dropped_bytes > 0
    assert exported_ids(tmp_path) == [f"e{n}" for n in range(25)]


async def test_torn_tail_is_cut_and_edited_file_is_refused(store: FeatureStore, tmp_path: Path) -> None:
    await add(store, range(0, 5))
    await export_events(store, tmp_path)
    with (tmp_path / EVENTS_FILE).open("ab") as handle:
        handle.write(b"u1,i3,vi")  # half a row from a run killed mid-write
    await add(store, range(5, 8))
    await export_events(store, tmp_path)
    assert exported_ids(tmp_path) == [f"e{n}" for n in range(8)]
    (tmp_path / EVENTS_FILE).write_text("user_id,item_id,event_type,timestamp\n")
    with pytest.raises(ExportStateError, match="truncated or replaced"):
        await export_events(store, tmp_path)


async def test_offer_events_are_skipped_and_passed(store: FeatureStore, tmp_path: Path) -> None:
    await add(store, range(0, 3))
    offers = [event(n, event_type="offer_shown", offer_id="o1") for n in range(3, 6)]
    await store.append_events("u1", offers, cap=50)
    await add(store, range(6, 8))
    summary = await export_events(store, tmp_path, page_size=2)
    assert (summary.written, summary.skipped) == (5, 3)
    assert exported_ids(tmp_path) == ["e0", "e1", "e2", "e6", "e7"]
    assert (await export_events(store, tmp_path)).skipped == 0


async def test_bounded_run_and_fields_round_trip(store: FeatureStore, tmp_path: Path) -> None:
    quoted = event(0, user='u,"1"', price=12.5, quantity=2.0, session_id="s1", store_id="st9")
    await store.append_events('u,"1"', [quoted], cap=50)
    await add(store, range(1, 12))
    first = await export_events(store, tmp_path, page_size=4, max_events=6)
    assert first.written == 6
    await export_events(store, tmp_path, page_size=4)
    dataset = load_dataset(tmp_path, TrainingConfig())
    events = dataset.events
    row = int((events.event_ids == "e0").nonzero()[0][0])
    assert events.user_ids[row] == 'u,"1"'
    assert (events.price[row], events.quantity[row]) == (12.5, 2.0)
    assert (events.session_ids[row], events.store_ids[row]) == ("s1", "st9")
    assert len(events) == 12


async def test_a_second_export_into_the_same_folder_is_refused(store: FeatureStore, tmp_path: Path) -> None:
    await add(store, range(0, 3))
    with export_module._exclusive(tmp_path), pytest.raises(ExportStateError, match="another export"):
        await export_events(store, tmp_path)


async def test_retried_batch_is_stored_once(store: FeatureStore) -> None:
    batch = [event(n) for n in range(5)]
    first = await store.append_events("u1", batch, cap=50)
    retry = await store.append_events("u1", batch, cap=50)
    assert first.stored == [True] * 5 and retry.stored == [False] * 5
    assert len(await store.read_event_log(None, 100)) == 5


async def test_a_twice_logged_event_is_exported_once(redis_server: Any, tmp_path: Path) -> None:
    """The Redis log is at-least-once: a retry after a crash between the log write and the state write
    logs the event again. Reproduce that log on a real server; the export keeps one row per event_id."""
    server = redis_server
    server.flush()
    store = open_store(server.url, prefix="dup", timeout_ms=2000)
    raw = redis.Redis.from_url(server.url)
    try:
        await add(store, range(0, 3))
        repeated = event(1)
        raw.xadd(Keys("dup").event_log(), {"e": codec.encode(repeated)})
        summary = await export_events(store, tmp_path)
        assert (summary.written, summary.duplicates) == (3, 1)
        assert exported_ids(tmp_path) == ["e0", "e1", "e2"]
        raw.xadd(Keys("dup").event_log(), {"e": codec.encode(repeated)})  # and again, in a later run
        later = await export_events(store, tmp_path)
        assert (later.written, later.duplicates) == (0, 1)
    finally:
        raw.close()
        await store.close()
