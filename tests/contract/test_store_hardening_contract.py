"""Store contract, hardening: per-customer event ids, identity chains of any length, bounded consent, marker."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from omnirec.batch.events import export_events
from omnirec.errors import InvalidRequest
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerEvent
from waiting import eventually

pytestmark = pytest.mark.anyio


def ev(user: str, item: str, eid: str, ts: int = 1000) -> CustomerEvent:
    return CustomerEvent(user_id=user, item_id=item, event_type="view", timestamp=ts, channel="web", event_id=eid)


async def test_two_customers_sharing_an_event_id_are_both_stored_and_exported(
    store: FeatureStore, tmp_path: Path
) -> None:
    assert (await store.append_events("c1", [ev("c1", "i1", "order-1")], cap=10)).stored == [True]
    assert (await store.append_events("c2", [ev("c2", "i2", "order-1")], cap=10)).stored == [True]
    assert (await store.append_events("c2", [ev("c2", "i2", "order-1")], cap=10)).stored == [False]  # a retry
    summary = await export_events(store, tmp_path)
    assert summary.written == 2 and summary.duplicates == 0
    rows = (tmp_path / "events.csv").read_text().splitlines()[1:]
    assert sorted(r.split(",")[0] for r in rows) == ["c1", "c2"]


async def test_identity_chains_of_any_length_resolve_and_new_events_are_stored(store: FeatureStore) -> None:
    ids = [f"id{n}" for n in range(12)]
    for anonymous, customer in itertools.pairwise(ids):  # each customer later linked into the next
        await store.append_events(anonymous, [ev(anonymous, "i1", f"{anonymous}-e")], cap=50)
        await store.link_identity(anonymous, customer)
    assert await store.resolve_customer(ids[0]) == ids[-1]
    result = await store.append_events(ids[0], [ev(ids[0], "i2", "brand-new")], cap=50)
    assert result.stored == [True]
    state = await store.get_customer(ids[0])
    assert state.customer_id == ids[-1] and set(state.identities) == set(ids[:-1])
    assert "brand-new" in {e.event_id for e in state.recent_events}


async def test_consent_purposes_are_bounded_per_customer(store: FeatureStore) -> None:
    await store.link_identity("cookie", "c1")
    assert await store.set_consent("c1", {"a": True, "b": False}, max_purposes=3) == {"a": True, "b": False}
    with pytest.raises(InvalidRequest, match="at most 3 consent purposes"):
        await store.set_consent("cookie", {"c": True, "d": True}, max_purposes=3)  # 2 + 2 new > 3: none written
    assert (await store.get_customer("c1")).consent == {"a": True, "b": False}
    assert await store.set_consent("c1", {"a": False, "c": True}, max_purposes=3) == {"a": False, "b": False, "c": True}
    with pytest.raises(InvalidRequest):
        await store.set_consent("c1", {"e": True}, max_purposes=3)
    assert (await store.set_consent("c1", {"b": True}, max_purposes=3))["b"] is True  # updating is always allowed


async def test_marker_records_what_was_written(store: FeatureStore) -> None:
    assert await store.read_marker() == {}
    await store.write_marker("model")
    await store.write_marker("customers")
    assert sorted(await store.read_marker()) == ["customers", "model"]


async def test_persistence_is_reported(store: FeatureStore, store_url: str) -> None:
    persistence = await store.persistence()
    assert persistence.durable is False  # memory://, and the fixtures' servers run with appendonly no
    assert ("memory://" if store_url == "memory://" else "appendonly no") in persistence.detail


async def test_anonymous_state_expires_after_its_retention_and_customers_are_kept(store: FeatureStore) -> None:
    await store.set_features("known", {"segment": "diy"})  # imported features
    await store.set_consent("imported", {"email": True})  # the import: no retention
    for cid in ("anon", "known", "imported", "linked"):
        await store.append_events(cid, [ev(cid, "i1", f"{cid}-1")], cap=10, retention_s=1)
    await store.link_identity("cookie", "linked")  # an id linked into it: a customer from now on
    await store.set_consent("anon-consent", {"email": True}, retention_s=1)
    assert (await store.get_customer("anon")).recent_events  # a scan that cannot see it would prove nothing

    async def anonymous_state_gone() -> bool:  # Redis expires keys on its own clock: no clock to inject
        anon, consent = await store.get_customer("anon"), await store.get_customer("anon-consent")
        return not anon.recent_events and not consent.consent

    await eventually(anonymous_state_gone, "anonymous state outlived its 1 s retention")
    assert (await store.get_customer("known")).recent_events
    imported = await store.get_customer("imported")
    assert imported.recent_events and imported.consent == {"email": True}
    assert (await store.get_customer("cookie")).recent_events  # resolves to "linked", kept
