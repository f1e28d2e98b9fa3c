"""The sample offer file `offers.toml`: every rule kind, on the sample catalogue's real item ids and categories.

Pass `write_sample_offers` to `write_sample_data(..., extra_writers=[write_sample_offers])`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from omnirec.demo.catalog import SampleItem
from omnirec.demo.retailer import SampleContext
from omnirec.offers.catalog import parse_offer_catalog

HEADER = """\
# Offer catalogue of the sample retailer. Publish it with `omnirec offers publish offers.toml`.
# Expected value = propensity (model affinity, corrected by feedback) x value. All rules must hold.
version = "sample-1"
segment_feature = "segment"   # feedback counters are kept per customer segment
prior_strength = 20.0         # impressions the model's prior is worth before feedback moves it

[lifecycle]                   # new: first seen within new_days; else days since the last purchase
new_days = 30
active_days = 45
lapsed_days = 90

[channels.email]
consent = "email"             # non-mandatory offers need this consent purpose
fatigue = { count = 2, days = 7 }   # at most 2 offers per customer per 7 days, all offers together

[channels.web]
consent = "personalization"
fatigue = { count = 3, days = 1 }

[channels.app]
consent = "personalization"
fatigue = { count = 3, days = 1 }
"""


def _ids(items: Sequence[SampleItem], noun: str) -> list[str]:
    """Items titled `noun`; in a catalogue too small to hold one, the items of the category it belongs to."""
    found = [item.item_id for item in items if item.title.endswith(noun)]
    if not found:
        found = [item.item_id for item in items if noun in item.category.nouns]
    if not found:
        raise ValueError(f"the sample catalogue has no category for {noun!r}: offers.toml needs one")
    return found


def _offer(table: dict[str, object], rules: Sequence[str]) -> str:
    lines = ["", "[[offers]]"]
    for key, value in table.items():
        lines.append(f"{key} = {_toml(value)}")
    lines.append("rules = [")
    lines.extend(f"  {rule}," for rule in rules)
    lines.append("]")
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)  # strings, numbers and lists of them are the same in TOML


def sample_offers_toml(items: Sequence[SampleItem]) -> str:
    """The text of offers.toml for a sample catalogue."""
    drills = _ids(items, "Cordless Drill")
    posts = _ids(items, "Scratching Post")
    trimmer = _ids(items, "Hedge Trimmer")[0]
    parts = [HEADER]
    parts.append(
        _offer(
            {
                "id": "drill-cart-15",
                "title": "15% off the cordless drill in your basket",
                "code": "DRILL15",
                "value": 25.0,
                "channels": ["email", "web", "app"],
                "items": drills,
                "cap": {"count": 1, "days": 7},
                "budget": 5000,
                "priority": 90,
            },
            ['{ kind = "abandoned_cart", hours = 2, max_hours = 168, promoted_only = true }'],
        )
    )
    parts.append(
        _offer(
            {
                "id": "cat-food-bundle",
                "title": "Cat food bundle: 3 for 2",
                "code": "CATFOOD3FOR2",
                "value": 12.0,
                "categories": ["pets/cat/food"],
                "cap": {"count": 1, "days": 14},
                "priority": 70,
            },
            [f'{{ kind = "purchased", items = {json.dumps(posts)}, min_days = 21, days = 56 }}'],
        )
    )
    parts.append(
        _offer(
            {
                "id": "power-tool-accessories",
                "title": "Accessories for your new power tool",
                "code": "BITS10",
                "value": 6.0,
                "categories": ["diy/tools/accessories"],
                "cap": {"count": 1, "days": 14},
                "priority": 60,
            },
            [
                '{ kind = "purchased", categories = ["diy/tools/power"], days = 14 }',
                '{ kind = "not_purchased", promoted = true, days = 30 }',
            ],
        )
    )
    parts.append(
        _offer(
            {
                "id": "winback-20",
                "title": "We miss you: 20% off your next order",
                "code": "COMEBACK20",
                "value": 15.0,
                "channels": ["email"],
                "cap": {"count": 1, "days": 30},
                "budget": 20000,
                "priority": 50,
            },
            ['{ kind = "lifecycle", stages = ["lapsed"] }', '{ kind = "consent", purpose = "marketing" }'],
        )
    )
    parts.append(
        _offer(
            {
                "id": "pet-food-reminder",
                "title": "Running low? Pet food delivered",
                "value": 5.0,
                "categories": ["pets/cat/food", "pets/dog/food"],
                "cap": {"count": 1, "days": 7},
                "priority": 40,
            },
            [
                '{ kind = "segment", feature = "segment", in = ["pet_owner", "bargain"] }',
                '{ kind = "lifecycle", stages = ["lapsing"] }',
            ],
        )
    )
    for tier, points, value in (("gold", "Triple", 8.0), ("silver", "Double", 5.0)):
        parts.append(
            _offer(
                {
                    "id": f"loyalty-{tier}-points",
                    "title": f"{points} loyalty points this weekend",
                    "value": value,
                    "cap": {"count": 1, "days": 7},
                    "priority": 30,
                },
                [f'{{ kind = "segment", feature = "loyalty_tier", equals = "{tier}" }}'],
            )
        )
    parts.append(
        _offer(
            {
                "id": "loyalty-join",
                "title": "Join the loyalty club: 500 welcome points",
                "value": 3.0,
                "cap": {"count": 1, "days": 30},
                "priority": 20,
            },
            ['{ kind = "segment", feature = "loyalty_tier", in = ["none"] }'],
        )
    )
    parts.append(
        _offer(
            {
                "id": "app-welcome",
                "title": "Welcome! Free delivery on your first app order",
                "value": 4.0,
                "cap": {"count": 1, "days": 30},
                "priority": 10,
            },
            ['{ kind = "channel", channels = ["app"] }', '{ kind = "lifecycle", stages = ["new"] }'],
        )
    )
    parts.append(
        _offer(
            {
                "id": "safety-notice-trimmer",
                "title": "Safety notice: hedge trimmer blade guard",
                "message": "Please fit the free replacement blade guard before next use.",
                "value": 0.0,
                "mandatory": True,
                "items": [trimmer],
                "exclude_bought_days": 0,
                "priority": 100,
            },
            ['{ kind = "purchased", promoted = true, days = 365 }'],
        )
    )
    return "".join(parts)


def write_sample_offers(context: SampleContext) -> Path:
    """Write offers.toml into the sample folder (an `extra_writers` hook of write_sample_data)."""
    path = context.out / "offers.toml"
    text = sample_offers_toml(context.items)
    parse_offer_catalog(text.encode(), str(path))  # the sample must always be a valid file
    path.write_text(text, encoding="utf-8")
    return path
