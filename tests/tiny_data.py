"""Tiny known-answer data shared by the tests: the input files and a hand-made model bundle, small enough to
work out every answer by hand.

- `write_tiny_folder(tmp_path)`: events.csv / items.csv / users.csv of three customers and four items.
- `tiny_manifest(...)`: the manifest of a hand-made bundle (the known-answer catalogues of the scoring tests).
- `tiny_bundle(...)`: a complete, publishable six-item bundle with two trained customers (the service tests).

Other test data, and why it lives elsewhere: bundle_factory.make_bundle (random bundles of any size, also
used by benchmarks/), offer_data (the 500-item sample catalogue the offer rules are written against),
long_tail_data (a catalogue with a long tail, for the ANN search).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from omnirec.bundle import BundleManifest, ModelBundle, RankerParams
from omnirec.bundle.io import validate_arrays
from omnirec.store.records import CustomerEvent

# Three customers, four items, two channels; timestamps in file order are NOT sorted on purpose.
TINY_EVENTS = """user_id,item_id,event_type,channel,timestamp,quantity,price
u1,i1,view,web,2024-01-01T10:00:00Z,,9.99
u1,i1,purchase,web,2024-01-01T10:05:00Z,1,9.99
u2,i2,purchase,store,2024-01-01T09:00:00Z,2,4.50
u2,i3,view,app,2024-01-02T08:00:00Z,,
u3,i1,add_to_cart,app,2024-01-02T12:00:00Z,1,9.99
u3,i4,purchase,app,2024-01-03T12:00:00Z,1,120
"""
TINY_ITEMS = """item_id,category,brand,price
i1,pets/cat/food,Whiskerly,9.99
i2,pets/cat/litter,CleanPaws,4.5
i3,diy/tools/power,VoltMax,
i4,home/furniture/sofas,Nordhem,120
"""
TINY_USERS = """user_id,segment,age
u1,pet_owner,34
u2,pet_owner,
u3,home,51
"""
# Sorted by timestamp: u2/i2 (09:00), u1/i1 view, u1/i1 purchase, u2/i3, u3/i1, u3/i4.
TINY_SORTED_USERS = ["u2", "u1", "u1", "u2", "u3", "u3"]


def write_tiny_folder(
    folder: Path, *, events: str = TINY_EVENTS, items: str | None = TINY_ITEMS, users: str | None = TINY_USERS
) -> Path:
    """Write the tiny data folder (or variants of it) and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "events.csv").write_text(events, encoding="utf-8")
    if items is not None:
        (folder / "items.csv").write_text(items, encoding="utf-8")
    if users is not None:
        (folder / "users.csv").write_text(users, encoding="utf-8")
    return folder


def tiny_manifest(
    dim: int, version: str = "v1", ranker: RankerParams | None = None, channels: tuple[str, ...] = ()
) -> BundleManifest:
    """The manifest of a hand-made tiny bundle (fixed dates and fingerprint: the same bytes every run)."""
    return BundleManifest(
        version=version,
        created_at="2026-01-01T00:00:00Z",
        data_fingerprint="tiny",
        data_source="tests/tiny_data.py",
        settings={},
        ranker=ranker or RankerParams(),
        channels=list(channels),
        dim=dim,
    )


def customer_event(
    user: str, item: str, kind: str = "view", at: int = 1_760_000_000, channel: str = "web", event_id: str = ""
) -> CustomerEvent:
    """One event as the store keeps it; the id defaults to user/item/kind/time (one id per distinct event)."""
    return CustomerEvent(
        user_id=user, item_id=item, event_type=kind, timestamp=at, channel=channel,
        event_id=event_id or f"{user}-{item}-{kind}-{at}",
    )  # fmt: skip


# The tiny bundle: three aisles of two items, one axis each; `lamp` is not sold in store.
TINY_NOW = 1_760_000_000  # after every event of the tiny bundle
DAY = 86_400
BUNDLE_ITEMS = ("sofa", "lamp", "catfood", "litter", "drill", "bits")
TINY_CHANNELS = ("all", "web", "store")
TINY_POPULAR = ("drill", "catfood", "sofa", "bits", "lamp", "litter")  # most popular first, in every channel
TINY_RANKER = RankerParams(w_model=1.0, w_popularity=0.1)  # a trained blend: with w_popularity 0 ties go by index
PET_OWNER, DIY_BUYER = "pat", "dana"  # trained customers: pat likes the pet aisle; dana bought the drill in store


def tiny_bundle(version: str = "20260101T000000Z-00000001", ranker: RankerParams = TINY_RANKER) -> ModelBundle:
    """Six items in three aisles (home, pets, diy; one vector axis each) and two trained customers.

    Known answers (TINY_RANKER: mostly the model score): pat's list leads with catfood, litter; dana's with
    bits (her store purchase of the drill, a durable good, is excluded); a cold customer gets TINY_POPULAR.
    """
    n = len(BUNDLE_ITEMS)
    popularity = np.array([1.0 - TINY_POPULAR.index(item) * 0.1 for item in BUNDLE_ITEMS], dtype=np.float32)
    in_store = np.array([item != "lamp" for item in BUNDLE_ITEMS])
    arrays: dict[str, np.ndarray] = {
        "item_ids": np.array(BUNDLE_ITEMS),
        "item_vectors": np.array(
            [[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0.9, 0.1], [0, 0, 1], [0.1, 0, 0.9]], dtype=np.float32
        ),
        "item_biases": np.zeros(n, dtype=np.float32),
        "item_has_interactions": np.ones(n, dtype=bool),
        "item_categories": np.array(
            ["home/sofas", "home/lights", "pets/cat/food", "pets/cat/litter", "diy/tools", "diy/tools/bits"]
        ),
        "item_channels_mask": np.stack([np.ones(n, dtype=bool), np.ones(n, dtype=bool), in_store], axis=1),
        "channels": np.array(TINY_CHANNELS),
        "popularity": np.stack([popularity, popularity, np.where(in_store, popularity, 0).astype(np.float32)]),
        "user_ids": np.array([PET_OWNER, DIY_BUYER]),
        "user_vectors": np.array([[0, 1, 0], [0, 0, 1]], dtype=np.float32),
        "user_feature_names": np.array(["segment=pet_owner", "segment=diy"]),
        "user_feature_vectors": np.array([[0, 1, 0], [0, 0, 1]], dtype=np.float32),
        "similar_indices": np.array([[1], [0], [3], [2], [5], [4]], dtype=np.int32),  # the other item of the aisle
        "similar_scores": np.full((n, 1), 0.99, dtype=np.float32),
        "cooc_indices": np.array([[-1], [-1], [-1], [-1], [5], [4]], dtype=np.int32),  # drill and bits together
        "cooc_scores": np.array([[0], [0], [0], [0], [1], [1]], dtype=np.float32),
        "repeat_rate": np.array([0, 0, 0.8, 0.6, 0, 0], dtype=np.float32),  # pet food is bought again, a drill not
        "repeat_interval_days": np.array([0, 0, 14, 30, 0, 0], dtype=np.float32),
        "history_indptr": np.array([0, 0, 1], dtype=np.int64),  # pat: none; dana: one purchase
        "history_items": np.array([BUNDLE_ITEMS.index("drill")], dtype=np.int32),
        "history_times": np.array([TINY_NOW - 10 * DAY], dtype=np.int64),
        "history_types": np.array(["purchase"]),
        "history_channels": np.array(["store"]),
    }
    validate_arrays(arrays, 3)
    return ModelBundle(manifest=tiny_manifest(3, version, ranker, TINY_CHANNELS), arrays=arrays)
