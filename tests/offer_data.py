"""Shared data of the offer tests: the sample catalogue, a small model over it, events, offer files, one decision."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from omnirec.bundle import BundleManifest, ModelBundle, RankerParams
from omnirec.demo.catalog import CATEGORIES, SampleItem, build_catalog
from omnirec.demo.offers import sample_offers_toml
from omnirec.offers.affinity import AffinityModel
from omnirec.offers.catalog import OfferCatalog, parse_offer_catalog
from omnirec.offers.engine import decide_many
from omnirec.offers.feedback_cache import FeedbackCache
from omnirec.offers.ranking import OfferDecision
from omnirec.scoring import Catalog
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerEvent

DAY = 86_400
NOW = 1_720_000_000
SAMPLE_ITEMS: list[SampleItem] = build_catalog(np.random.default_rng(7), 500)  # as write_sample_data(seed=7)
CHANNELS = ("all", "web", "app", "store", "email")
DIM = 8


def item_of(noun: str, nth: int = 0) -> str:
    """The nth sample item whose title ends with noun (e.g. 'Cordless Drill')."""
    return [i.item_id for i in SAMPLE_ITEMS if i.title.endswith(noun)][nth]


def items_in(category: str) -> list[str]:
    return [i.item_id for i in SAMPLE_ITEMS if i.category.path == category]


def sample_model(version: str = "v-offers") -> Catalog:
    """A model over the sample catalogue whose item vectors cluster by category (deterministic)."""
    bundle = sample_bundle(version)
    return Catalog.from_arrays(bundle.manifest, bundle.arrays)


def sample_bundle(
    version: str = "v-offers", history: tuple[str, list[tuple[str, str, int, str]]] | None = None
) -> ModelBundle:
    """sample_model as a complete, publishable bundle (no neighbours) with one training user: a placeholder,
    or `history` = (user id, [(item_id, event_type, time, channel), ...] newest first)."""
    rng = np.random.default_rng(0)
    centres = {spec.path: rng.standard_normal(DIM).astype(np.float32) for spec in CATEGORIES}
    vectors = np.stack([centres[i.category.path] + 0.1 * rng.standard_normal(DIM) for i in SAMPLE_ITEMS])
    n = len(SAMPLE_ITEMS)
    arrays = {
        "item_ids": np.array([i.item_id for i in SAMPLE_ITEMS]),
        "item_vectors": vectors.astype(np.float32),
        "item_biases": np.zeros(n, dtype=np.float32),
        "item_has_interactions": np.ones(n, dtype=bool),
        "item_categories": np.array([i.category.path for i in SAMPLE_ITEMS]),
        "item_channels_mask": np.ones((n, len(CHANNELS)), dtype=bool),
        "channels": np.array(CHANNELS),
        "popularity": np.full((len(CHANNELS), n), 0.5, dtype=np.float32),
        "repeat_rate": np.zeros(n, dtype=np.float32),
        "repeat_interval_days": np.zeros(n, dtype=np.float32),
        "user_feature_names": np.array(["segment=pet_owner", "segment=diy"]),
        "user_feature_vectors": np.stack([centres["pets/cat/food"], centres["diy/tools/power"]]).astype(np.float32),
    }
    manifest = BundleManifest(
        version=version,
        created_at=datetime.now(UTC).isoformat(),
        data_fingerprint="offer-tests",
        data_source="tests/offer_data.py",
        settings={},
        ranker=RankerParams(),
        channels=list(CHANNELS),
        dim=DIM,
    )
    user, events = history or ("placeholder", [])
    index = {item: i for i, item in enumerate(arrays["item_ids"].tolist())}
    arrays.update(
        {
            "user_ids": np.array([user]),
            "user_vectors": np.zeros((1, DIM), dtype=np.float32),
            "similar_indices": np.full((n, 1), -1, dtype=np.int32),
            "similar_scores": np.zeros((n, 1), dtype=np.float32),
            "cooc_indices": np.full((n, 1), -1, dtype=np.int32),
            "cooc_scores": np.zeros((n, 1), dtype=np.float32),
            "history_indptr": np.array([0, len(events)], dtype=np.int64),
            "history_items": np.array([index[e[0]] for e in events], dtype=np.int32),
            "history_times": np.array([e[2] for e in events], dtype=np.int64),
            "history_types": np.array([e[1] for e in events], dtype="<U16"),
            "history_channels": np.array([e[3] for e in events], dtype="<U16"),
        }
    )
    return ModelBundle(manifest=manifest, arrays=arrays)


def sample_offers() -> OfferCatalog:
    return parse_offer_catalog(sample_offers_toml(SAMPLE_ITEMS).encode(), "offers.toml")


def offers_from(text: str) -> OfferCatalog:
    return parse_offer_catalog(text.encode(), "test.toml")


# Three offers: a capped at 1 a day, c with a budget of 2, and at most 2 emails a week all together.
THREE = """
[channels.email]
fatigue = { count = 2, days = 7 }
[[offers]]
id = "a"
value = 3
cap = { count = 1, days = 1 }
[[offers]]
id = "b"
value = 2
[[offers]]
id = "c"
value = 1
budget = 2
"""


_counter = iter(range(10**9))


def event(
    user: str, item: str, event_type: str, at: int, channel: str = "web", offer_id: str = "", quantity: float = 1.0
) -> CustomerEvent:
    return CustomerEvent(
        user_id=user,
        item_id=item,
        event_type=event_type,
        timestamp=at,
        channel=channel,
        event_id=f"e{next(_counter)}",
        offer_id=offer_id,
        quantity=quantity,
    )


async def next_best_offers(
    store: FeatureStore,
    offers: OfferCatalog,
    model: AffinityModel | None,
    customer_id: str,
    channel: str,
    n: int,
    now: int,
    rng: np.random.Generator,
) -> list[OfferDecision]:
    """The engine's decisions for one customer, impressions taken (OfferService does this in the app)."""
    state = await store.get_customer(customer_id)
    [decisions] = await decide_many(store, offers, model, [state], channel, n, now, rng, FeedbackCache(store))
    return decisions
