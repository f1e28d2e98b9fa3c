"""The synthetic sample retailer: deterministic, omnichannel, repeat buys, and valid input data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from omnirec.columns import DEFAULT_CHANNELS
from omnirec.data.loading import load_dataset
from omnirec.demo.catalog import CONSUMABLE
from omnirec.demo.retailer import SampleContext, SampleSummary, write_sample_data
from omnirec.training_config import TrainingConfig

SMALL = {"n_users": 300, "n_items": 120, "days": 90}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    return write_sample_data(tmp_path_factory.mktemp("sample"), seed=3, **SMALL)


def test_same_seed_writes_identical_files(sample: SampleSummary, tmp_path: Path) -> None:
    again = write_sample_data(tmp_path / "again", seed=3, **SMALL)
    for name in ("events.csv", "items.csv", "users.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (sample.folder / name).read_bytes()
    assert again.example_user == sample.example_user
    other = write_sample_data(tmp_path / "other", seed=4, **SMALL)
    assert (tmp_path / "other" / "events.csv").read_bytes() != (sample.folder / "events.csv").read_bytes()
    assert other.n_items == 120


def test_loads_without_errors_or_warnings(sample: SampleSummary) -> None:
    dataset = load_dataset(sample.folder, TrainingConfig())
    assert dataset.warnings == ()
    assert len(dataset.events) == sample.n_events
    assert dataset.items is not None and len(dataset.items) == SMALL["n_items"]
    assert dataset.users is not None and len(dataset.users) == SMALL["n_users"]
    assert "price" in dataset.items.numeric and "category" in dataset.items.categorical
    assert {"segment", "region", "loyalty_tier", "home_store"} <= set(dataset.users.categorical)
    assert np.unique(dataset.events.event_ids).size == len(dataset.events)


def test_every_channel_and_event_type_present(sample: SampleSummary) -> None:
    assert set(sample.channel_counts) == set(DEFAULT_CHANNELS)
    assert set(sample.event_counts) == {"view", "add_to_cart", "purchase", "return"}


def test_channels_behave_differently(sample: SampleSummary) -> None:
    events = load_dataset(sample.folder, TrainingConfig()).events
    store = events.channels == "store"
    assert set(events.event_types[store]) <= {"purchase", "return"}
    assert np.all(events.store_ids[store] != "")
    assert np.all(events.store_ids[events.channels == "tablet"] != "")
    assert set(events.event_types[events.channels == "email"]) == {"view"}
    store_users = set(events.user_ids[store])
    web_users = set(events.user_ids[events.channels == "web"])
    assert len(store_users & web_users) > 0.5 * len(store_users)  # loyalty cards link store and web


def test_consumables_are_bought_again(sample: SampleSummary) -> None:
    dataset = load_dataset(sample.folder, TrainingConfig())
    assert dataset.items is not None
    consumables = set(dataset.items.ids[dataset.items.categorical["lifecycle"] == CONSUMABLE])
    events = dataset.events
    purchases = Counter(
        (user, item)
        for user, item, kind in zip(events.user_ids, events.item_ids, events.event_types, strict=True)
        if kind == "purchase"
    )

    def repeat_rate(consumable: bool) -> float:
        counts = [n for (_, item), n in purchases.items() if (item in consumables) == consumable]
        return sum(n > 1 for n in counts) / len(counts)

    assert repeat_rate(True) > 0.25
    assert repeat_rate(True) > 4 * repeat_rate(False)


def test_example_user_has_history_in_several_channels(sample: SampleSummary) -> None:
    events = load_dataset(sample.folder, TrainingConfig()).events
    channels = set(events.channels[events.user_ids == sample.example_user])
    assert channels == set(sample.example_channels) and len(channels) >= 4


def test_extra_writers_get_the_catalogue(tmp_path: Path) -> None:
    def write_marker(context: SampleContext) -> Path:
        path = context.out / "marker.txt"
        path.write_text(f"{len(context.items)} {len(context.users)} {context.seed}")
        return path

    summary = write_sample_data(tmp_path, n_users=20, n_items=30, days=10, extra_writers=[write_marker])
    assert summary.extra_files == (tmp_path / "marker.txt",)
    assert (tmp_path / "marker.txt").read_text() == "30 20 7"


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_smallest_catalogue_still_writes_a_valid_offer_file(tmp_path: Path) -> None:
    """--items allows 24 (one product per category): every category gets its product (no empty pool to
    sample from) and the offer file names items of the right categories, not a missing 'Cordless Drill'."""
    from omnirec.demo.offers import write_sample_offers
    from omnirec.offers.catalog import load_offer_catalog

    summary = write_sample_data(tmp_path, n_users=40, n_items=24, days=30, seed=1, extra_writers=[write_sample_offers])
    catalog = load_offer_catalog(tmp_path / "offers.toml")
    assert summary.n_items == 24
    dataset = load_dataset(tmp_path, TrainingConfig())
    assert dataset.items is not None and len(set(dataset.items.categorical["category"])) == 24  # a product per leaf
    assert len(catalog.offers) >= 5
