"""Offer files: TOML and JSON loading, errors naming file / offer / field, the store payload, the sample file."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from offer_data import SAMPLE_ITEMS, sample_offers
from omnirec.demo.offers import write_sample_offers
from omnirec.demo.retailer import write_sample_data
from omnirec.errors import OfferCatalogError
from omnirec.offers.catalog import (
    RULE_KINDS,
    decode_offer_catalog,
    encode_offer_catalog,
    load_offer_catalog,
)

GOOD = """
[channels.email]
fatigue = { count = 2, days = 7 }

[[offers]]
id = "drill"
items = ["P1"]
value = 10
cap = { count = 1, days = 7 }
rules = [{ kind = "abandoned_cart", hours = 2 }]
"""


def write(tmp_path: Path, text: str, name: str = "offers.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_toml_and_json_load_the_same(tmp_path: Path) -> None:
    from_toml = load_offer_catalog(write(tmp_path, GOOD))
    as_json = json.dumps(msgspec.to_builtins(from_toml))
    assert load_offer_catalog(write(tmp_path, as_json, "offers.json")) == from_toml
    assert from_toml.policy("email").fatigue is not None and from_toml.policy("email").fatigue.seconds == 7 * 86_400
    assert from_toml.consent_purpose("email") == "email"  # default purpose: the channel's name


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ('cap = { count = "one", days = 7 }', "offers.toml: offer 'drill': field 'cap.count': Expected `int`"),
        ("colour = 'red'", "offer 'drill': Object contains unknown field `colour`"),
        ("rules = [{ kind = 'abandoned_cart', hours = 5, max_hours = 1 }]",
         "offer 'drill': field 'rules[0] (kind = abandoned_cart)': need 0 <= hours < max_hours"),
        ("rules = [{ kind = 'bogus' }]", "rule kinds are segment, lifecycle"),
        ("rules = [{ kind = 'lifecycle', stages = ['sleepy'] }]", "stages must be a non-empty list of new"),
        ("mandatory = true", "a mandatory offer counts against nothing"),
    ],
)  # fmt: skip
def test_errors_name_file_offer_and_field(tmp_path: Path, patch: str, expected: str) -> None:
    key = patch.split(" ")[0]
    lines = [line for line in GOOD.splitlines() if not line.startswith(f"{key} =")]
    path = write(tmp_path, "\n".join([*lines, patch]))
    with pytest.raises(OfferCatalogError, match=r"offers\.toml") as info:
        load_offer_catalog(path)
    assert expected in str(info.value)


def test_duplicate_ids_and_header_errors(tmp_path: Path) -> None:
    with pytest.raises(OfferCatalogError, match="offer 'a': field 'id': the id is used twice"):
        load_offer_catalog(write(tmp_path, '[[offers]]\nid = "a"\n[[offers]]\nid = "a"\n'))
    with pytest.raises(OfferCatalogError, match=r"field 'lifecycle\.active_days'"):
        load_offer_catalog(write(tmp_path, '[lifecycle]\nactive_days = "x"\n'))
    with pytest.raises(OfferCatalogError, match="not valid TOML"):
        load_offer_catalog(write(tmp_path, "[[offers]\n"))
    with pytest.raises(OfferCatalogError, match="cannot read"):
        load_offer_catalog(tmp_path / "missing.toml")


def test_store_payload_round_trip() -> None:
    offers = sample_offers()
    assert decode_offer_catalog(encode_offer_catalog(offers)) == offers


def test_sample_offers_use_every_rule_kind_and_real_items() -> None:
    offers = sample_offers()
    kinds = {type(rule).__struct_config__.tag for offer in offers.offers for rule in offer.rules}
    assert kinds == set(RULE_KINDS)
    known = {item.item_id for item in SAMPLE_ITEMS}
    categories = {item.category.path for item in SAMPLE_ITEMS}
    for offer in offers.offers:
        assert set(offer.items) <= known
        assert set(offer.categories) <= categories
    assert any(offer.mandatory for offer in offers.offers)


def test_write_sample_data_hook_writes_offers_toml(tmp_path: Path) -> None:
    summary = write_sample_data(tmp_path, n_users=30, n_items=500, days=10, extra_writers=[write_sample_offers])
    assert summary.extra_files == (tmp_path / "offers.toml",)
    assert load_offer_catalog(tmp_path / "offers.toml") == sample_offers()
