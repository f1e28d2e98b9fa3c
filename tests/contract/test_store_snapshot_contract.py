"""The request-path snapshot (one pipeline on Redis) equals the plain store calls composed, on every backend."""

from __future__ import annotations

import pytest

from bundle_factory import make_bundle
from omnirec.publishing import publish_bundle
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerEvent, HistoryEntry, ModelRows
from omnirec.store.resilient import resilient
from omnirec.store.snapshot import compose_snapshot

pytestmark = pytest.mark.anyio
V1, V2 = "20260101T000000Z-00000001", "20260102T000000Z-00000002"


def ev(user: str, item: str, ts: int, event_type: str = "view") -> CustomerEvent:
    return CustomerEvent(
        user_id=user, item_id=item, event_type=event_type, timestamp=ts, channel="web", event_id=f"{ts}"
    )


async def test_snapshot_equals_the_composed_calls(store: FeatureStore) -> None:
    await publish_bundle(make_bundle(n_items=30, n_users=6, seed=1, version=V1), store)
    await publish_bundle(make_bundle(n_items=30, n_users=6, seed=2, version=V2), store)  # V2 active
    await store.append_events("u1", [ev("u1", "i3", 100), ev("u1", "i4", 200)], cap=10)
    # every part of the state: purchases and their counts, the cart, features (hashes), consent
    bought = [ev("u5", "i6", 110, "purchase"), ev("u5", "i6", 9000, "purchase"), ev("u5", "i7", 120, "add_to_cart")]
    await store.append_events("u5", bought, cap=10)
    await store.set_features("u5", {"segment": "diy", "region": "north"})
    await store.set_consent("u5", {"personalization": True, "email": False})
    await store.append_events("anon", [ev("anon", "i5", 300)], cap=10)
    await store.link_identity("anon", "u2")  # u2 has a linked id; 'anon' is now an alias
    await store.set_consent("u3", {"personalization": False})
    await store.set_unavailable_items("s1", ["i1", "i2"])
    for any_id in ("u1", "u2", "anon", "u3", "nobody", "u5"):
        for version in (V1, V2, None):
            for store_id in (None, "s1", "s9"):
                want = await compose_snapshot(store, any_id, version, store_id)
                for reader in (store, resilient(store, 2000)):
                    got = await reader.customer_snapshot(any_id, version, store_id)
                    assert got == want, (any_id, version, store_id)
                assert want.active_version == V2
    linked = await store.customer_snapshot("u2", V1)
    assert linked.ids == ["u2", "anon"] and linked.rows == (await store.read_model_rows(V1, [["u2", "anon"]]))[0]
    assert (await store.customer_snapshot("anon", V1)).state.customer_id == "u2"
    full = (await store.customer_snapshot("u5", V2, "s1")).state
    assert full.purchase_counts == {"i6": 2} and set(full.cart) == {"i7"} and full.features["segment"] == "diy"
    assert full.consent == {"personalization": True, "email": False} and len(full.recent_events) == 3


async def test_snapshot_rows_are_the_decoded_rows_of_the_bundle(store: FeatureStore) -> None:
    bundle = make_bundle(n_items=30, n_users=6, seed=3, version=V1)
    await publish_bundle(bundle, store)
    items, ptr = bundle["item_ids"].tolist(), bundle["history_indptr"]
    for k, user in enumerate(bundle["user_ids"].tolist()):
        lo, hi = int(ptr[k]), int(ptr[k + 1])
        history = [
            HistoryEntry(items[bundle["history_items"][j]], str(bundle["history_types"][j]),
                         int(bundle["history_times"][j]), str(bundle["history_channels"][j]))
            for j in range(lo, hi)
        ]  # fmt: skip
        snapshot = await store.customer_snapshot(user, V1)
        assert snapshot.version == V1 and snapshot.rows == ModelRows(bundle["user_vectors"][k], history), user
        assert all(isinstance(row, HistoryEntry) for row in snapshot.rows.history)
    assert (await store.customer_snapshot("nobody", V1)).rows == ModelRows()
    assert (await store.customer_snapshot("u0", None)).rows is None
