"""The synthetic retailer's catalogue: a pets / DIY / home category tree with consumables and durables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONSUMABLE, DURABLE, ACCESSORY = "consumable", "durable", "accessory"


@dataclass(frozen=True)
class CategorySpec:
    """One leaf of the category tree and how its products are bought."""

    path: str  # e.g. "pets/cat/food"
    kind: str  # consumable (bought again on a cycle), durable (bought once) or accessory
    price: tuple[float, float]  # price range
    nouns: tuple[str, ...]
    brands: tuple[str, ...]
    cycle_days: tuple[int, int] = (0, 0)  # repurchase interval range for consumables
    share: float = 1.0  # relative number of products in this leaf

    @property
    def department(self) -> str:
        return self.path.split("/")[0]


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("pets/cat/food", CONSUMABLE, (3, 25), ("Dry Cat Food", "Wet Cat Food Pouches", "Kitten Food"),
                 ("Whiskerly", "PurrFect", "NatureCat"), (14, 28), 2.0),
    CategorySpec("pets/cat/litter", CONSUMABLE, (6, 18), ("Clumping Litter", "Wood Pellet Litter"),
                 ("CleanPaws", "NatureCat"), (21, 35)),
    CategorySpec("pets/cat/toys", ACCESSORY, (2, 12), ("Feather Wand", "Catnip Mouse", "Ball Track"),
                 ("PurrFect", "PlayPet")),
    CategorySpec("pets/cat/furniture", DURABLE, (25, 140), ("Scratching Post", "Cat Tree", "Cat Bed"),
                 ("PlayPet", "CosyPaws"), share=0.7),
    CategorySpec("pets/dog/food", CONSUMABLE, (5, 45), ("Adult Dog Food", "Puppy Food", "Grain Free Dog Food"),
                 ("Barkley", "HappyHound", "NatureDog"), (14, 30), 2.0),
    CategorySpec("pets/dog/treats", CONSUMABLE, (2, 10), ("Chew Sticks", "Training Treats", "Dental Chews"),
                 ("Barkley", "HappyHound"), (10, 21)),
    CategorySpec("pets/dog/toys", ACCESSORY, (3, 18), ("Rope Toy", "Squeaky Ball", "Frisbee"),
                 ("PlayPet", "HappyHound")),
    CategorySpec("pets/dog/beds", DURABLE, (30, 120), ("Orthopaedic Dog Bed", "Dog Crate", "Travel Bed"),
                 ("CosyPaws", "Barkley"), share=0.7),
    CategorySpec("pets/fish/aquarium", DURABLE, (40, 260), ("Starter Aquarium", "Aquarium Filter"),
                 ("AquaLife",), share=0.5),
    CategorySpec("pets/fish/food", CONSUMABLE, (2, 9), ("Tropical Flakes", "Pond Pellets"),
                 ("AquaLife",), (20, 40), 0.5),
    CategorySpec("diy/tools/power", DURABLE, (45, 260), ("Cordless Drill", "Jigsaw", "Orbital Sander"),
                 ("VoltMax", "Forgewell", "Handicraft"), share=1.2),
    CategorySpec("diy/tools/accessories", ACCESSORY, (4, 30), ("Drill Bit Set", "Sanding Discs", "Jigsaw Blades"),
                 ("VoltMax", "Forgewell")),
    CategorySpec("diy/tools/hand", ACCESSORY, (5, 40), ("Claw Hammer", "Screwdriver Set", "Spirit Level"),
                 ("Forgewell", "Handicraft")),
    CategorySpec("diy/paint/interior", CONSUMABLE, (12, 55), ("Matt Emulsion", "Silk Emulsion", "Primer"),
                 ("ColourHaus", "Brushwell"), (45, 90)),
    CategorySpec("diy/paint/supplies", ACCESSORY, (3, 20), ("Paint Roller", "Brush Set", "Masking Tape"),
                 ("Brushwell", "ColourHaus")),
    CategorySpec("diy/garden/tools", DURABLE, (15, 180), ("Lawn Mower", "Hedge Trimmer", "Garden Spade"),
                 ("GreenThumb", "VoltMax")),
    CategorySpec("diy/garden/plants", CONSUMABLE, (2, 15), ("Seed Pack", "Compost", "Plant Feed"),
                 ("GreenThumb",), (20, 45)),
    CategorySpec("home/furniture/sofas", DURABLE, (250, 1200), ("Two Seater Sofa", "Corner Sofa", "Armchair"),
                 ("Nordhem", "CasaLux"), share=0.6),
    CategorySpec("home/furniture/tables", DURABLE, (60, 450), ("Coffee Table", "Dining Table", "Side Table"),
                 ("Nordhem", "CasaLux"), share=0.8),
    CategorySpec("home/textiles/cushions", ACCESSORY, (6, 35), ("Cushion Cover", "Throw Blanket", "Rug"),
                 ("CosyHome", "Nordhem")),
    CategorySpec("home/kitchen/cookware", DURABLE, (12, 120), ("Frying Pan", "Saucepan Set", "Casserole Dish"),
                 ("ChefLine", "CasaLux")),
    CategorySpec("home/kitchen/cleaning", CONSUMABLE, (1.5, 8), ("Dish Soap", "Sponges", "Bin Bags"),
                 ("Sparkle", "CleanPaws"), (14, 30)),
    CategorySpec("home/decor/candles", ACCESSORY, (4, 25), ("Scented Candle", "Tealights", "Candle Holder"),
                 ("CosyHome",)),
    CategorySpec("home/lighting/lamps", DURABLE, (20, 150), ("Floor Lamp", "Desk Lamp", "LED Bulbs"),
                 ("Lumo", "Nordhem")),
)  # fmt: skip

# Buying the first category makes the second likely soon after (drill -> drill bits).
COMPLEMENTS: dict[str, tuple[str, ...]] = {
    "diy/tools/power": ("diy/tools/accessories",),
    "pets/cat/furniture": ("pets/cat/toys",),
    "pets/cat/food": ("pets/cat/litter",),
    "pets/dog/beds": ("pets/dog/toys",),
    "pets/dog/food": ("pets/dog/treats",),
    "pets/fish/aquarium": ("pets/fish/food",),
    "diy/paint/interior": ("diy/paint/supplies",),
    "home/furniture/sofas": ("home/textiles/cushions",),
    "home/furniture/tables": ("home/decor/candles",),
    "diy/garden/tools": ("diy/garden/plants",),
}

_VARIANTS = ("", "Small", "Large", "Premium", "Value", "Classic", "Eco", "Deluxe", "Mini", "XL")


@dataclass(frozen=True)
class SampleItem:
    """One product of the synthetic catalogue."""

    item_id: str
    title: str
    category: CategorySpec
    brand: str
    price: float
    appeal: float  # relative popularity inside its category (Zipf-like)


def build_catalog(rng: np.random.Generator, n_items: int) -> list[SampleItem]:
    """n_items products spread over the category tree in proportion to each leaf's share."""
    shares = np.array([spec.share for spec in CATEGORIES])
    counts = np.maximum(1, np.floor(shares / shares.sum() * n_items)).astype(int)
    counts[np.argmax(shares)] += n_items - counts.sum()  # exact total; the largest leaf absorbs rounding
    while counts.min() < 1:  # a catalogue near one item per leaf: the largest leaves give items back
        counts[np.argmin(counts)] += 1
        counts[np.argmax(counts)] -= 1
    items: list[SampleItem] = []
    for spec, count in zip(CATEGORIES, counts, strict=True):
        appeal = 1.0 / np.arange(1, count + 1) ** 0.9
        for rank in rng.permutation(count):
            noun = spec.nouns[len(items) % len(spec.nouns)]
            variant = _VARIANTS[int(rng.integers(len(_VARIANTS)))]
            brand = spec.brands[int(rng.integers(len(spec.brands)))]
            low, high = spec.price
            price = round(float(rng.uniform(low, high)), 2)
            title = " ".join(part for part in (brand, variant, noun) if part)
            items.append(
                SampleItem(
                    item_id=f"P{len(items) + 1:05d}",
                    title=title,
                    category=spec,
                    brand=brand,
                    price=price,
                    appeal=float(appeal[rank]),
                )
            )
    return items
