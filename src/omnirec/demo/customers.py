"""The synthetic retailer's customers: segments with category tastes, regions, stores and channel habits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omnirec.demo.catalog import CATEGORIES

REGIONS: dict[str, tuple[str, ...]] = {
    "north": ("S01", "S02"),
    "south": ("S03", "S04", "S05"),
    "east": ("S06",),
    "west": ("S07", "S08"),
}
LOYALTY_TIERS = ("none", "silver", "gold")

# Category taste per segment: category path prefix -> weight. A user's weights come from these.
SEGMENT_TASTE: dict[str, dict[str, float]] = {
    "pet_owner": {"pets/": 8.0, "home/kitchen/cleaning": 1.0, "home/textiles": 0.5},
    "diy": {"diy/": 8.0, "home/lighting": 1.0, "pets/": 0.3},
    "home": {"home/": 8.0, "diy/paint": 1.5, "pets/": 0.3},
    "bargain": {"": 1.0, "home/kitchen/cleaning": 3.0, "pets/cat/food": 2.0, "pets/dog/food": 2.0},
}
SEGMENT_SHARE = {"pet_owner": 0.35, "diy": 0.25, "home": 0.25, "bargain": 0.15}
# Pet owners own one kind of animal, DIY fans lean to tools, garden or paint: history reveals which.
SUB_INTERESTS = {
    "pet_owner": ("pets/cat/", "pets/dog/", "pets/fish/"),
    "diy": ("diy/tools/", "diy/garden/", "diy/paint/"),
    "home": ("home/furniture/", "home/kitchen/", "home/decor/"),
    "bargain": ("",),
}
# Channel habits: relative session rates (store and tablet need a loyalty card, app needs the app).
BASE_CHANNEL_RATE = {"web": 3.0, "app": 4.0, "store": 3.0, "tablet": 0.4, "email": 1.5, "call_center": 0.15}


@dataclass(frozen=True)
class SampleUser:
    """One customer of the synthetic retailer."""

    user_id: str
    segment: str
    region: str
    loyalty_tier: str
    home_store: str
    sessions_per_week: float
    channel_rates: dict[str, float]
    taste: np.ndarray  # probability per entry of CATEGORIES
    price_sensitivity: float  # bargain hunters prefer cheap items


def build_customers(rng: np.random.Generator, n_users: int) -> list[SampleUser]:
    """n_users customers; deterministic for the generator's state."""
    segments = list(SEGMENT_SHARE)
    probabilities = np.array(list(SEGMENT_SHARE.values()))
    users = []
    for number in range(1, n_users + 1):
        segment = segments[int(rng.choice(len(segments), p=probabilities))]
        region = list(REGIONS)[int(rng.integers(len(REGIONS)))]
        stores = REGIONS[region]
        tier = LOYALTY_TIERS[int(rng.choice(3, p=[0.45, 0.35, 0.2]))]
        users.append(
            SampleUser(
                user_id=f"C{number:05d}",
                segment=segment,
                region=region,
                loyalty_tier=tier,
                home_store=stores[int(rng.integers(len(stores)))] if tier != "none" else "",
                sessions_per_week=float(rng.lognormal(mean=-0.5, sigma=0.6)),
                channel_rates=_channel_rates(rng, tier),
                taste=_taste(rng, segment),
                price_sensitivity=2.0 if segment == "bargain" else float(rng.uniform(0.0, 0.6)),
            )
        )
    return users


def _channel_rates(rng: np.random.Generator, tier: str) -> dict[str, float]:
    rates = dict(BASE_CHANNEL_RATE)
    if tier == "none":  # no loyalty card: store visits are anonymous, so they never reach the profile
        rates["store"] = rates["tablet"] = 0.0
    if rng.random() < 0.5:
        rates["app"] = 0.0
    if rng.random() < 0.4:
        rates["email"] = 0.0
    if rng.random() < 0.8:
        rates["call_center"] = 0.0
    return {channel: rate * float(rng.uniform(0.5, 1.5)) for channel, rate in rates.items()}


def _taste(rng: np.random.Generator, segment: str) -> np.ndarray:
    weights = np.full(len(CATEGORIES), 0.05)
    for prefix, weight in SEGMENT_TASTE[segment].items():
        for index, spec in enumerate(CATEGORIES):
            if spec.path.startswith(prefix):
                weights[index] += weight
    options = SUB_INTERESTS[segment]
    favourite = options[int(rng.integers(len(options)))]
    if favourite:
        for index, spec in enumerate(CATEGORIES):
            if spec.path.startswith(favourite):
                weights[index] *= 4.0
    weights *= rng.gamma(4.0, 0.25, size=weights.size)  # personal noise around the segment's taste
    return weights / weights.sum()
