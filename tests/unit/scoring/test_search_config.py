"""One search configuration: Settings builds it from OMNIREC_ANN_* and every Catalog honours it."""

from __future__ import annotations

import pytest

from bundle_factory import make_bundle
from omnirec.scoring import Catalog
from omnirec.scoring.search_config import DEFAULT_SEARCH, SearchConfig
from omnirec.settings import Settings


def test_settings_build_the_search_config_from_the_environment() -> None:
    environ = {"OMNIREC_ANN_THRESHOLD_ITEMS": "500", "OMNIREC_ANN_EF": "64", "OMNIREC_ANN_M": "8"}
    assert Settings.load(environ=environ).search == SearchConfig(ann_threshold=500, ef=64, m=8, seed=7)
    assert Settings.load(environ={}).search == DEFAULT_SEARCH


@pytest.mark.parametrize("name,value", [("ANN_THRESHOLD_ITEMS", "0"), ("ANN_M", "1"), ("ANN_EF", "x")])
def test_invalid_search_settings_are_refused_at_load(name: str, value: str) -> None:
    with pytest.raises(ValueError, match="invalid settings"):
        Settings.load(environ={f"OMNIREC_{name}": value})


def test_catalog_uses_the_search_config_it_is_given() -> None:
    bundle = make_bundle(n_items=300, n_users=5, seed=1)
    assert Catalog.from_bundle(bundle).search.kind == "exact"  # the default threshold: 50,000 items
    assert Catalog.from_bundle(bundle, search=SearchConfig(ann_threshold=300)).search.kind == "hnsw"
    assert Catalog.from_bundle(bundle, search=SearchConfig(ann_threshold=301)).search.kind == "exact"
