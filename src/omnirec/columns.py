"""Column names, event types and channels of the input data contract, in one place."""

from __future__ import annotations

from typing import Final


class Columns:
    """Column names of events.csv, items.csv and users.csv."""

    User: Final = "user_id"
    Item: Final = "item_id"
    EventType: Final = "event_type"
    Timestamp: Final = "timestamp"
    Channel: Final = "channel"
    Quantity: Final = "quantity"
    Price: Final = "price"
    Session: Final = "session_id"
    Store: Final = "store_id"
    EventId: Final = "event_id"

    REQUIRED_EVENT: Final = (User, Item, EventType, Timestamp)
    OPTIONAL_EVENT: Final = (Channel, Quantity, Price, Session, Store, EventId)


# Default event types and their interaction weights (a purchase counts most, a return cancels interest).
DEFAULT_EVENT_WEIGHTS: Final[dict[str, float]] = {
    "view": 1.0,
    "add_to_cart": 3.0,
    "wishlist": 2.0,
    "purchase": 5.0,
    "return": -3.0,
}

# Event types that mean "the customer bought it" for buy-again, exclusion and the holdout.
PURCHASE_EVENTS: Final = frozenset({"purchase"})

DEFAULT_CHANNELS: Final = ("web", "app", "store", "tablet", "email", "call_center")

# Channel used when an event has none; also the key of popularity over all channels.
ALL_CHANNELS: Final = "all"
DEFAULT_CHANNEL: Final = "web"

# Offer feedback events (next-best-offer); accepted by ingestion, not used as item interactions.
OFFER_EVENTS: Final = frozenset({"offer_shown", "offer_clicked", "offer_redeemed", "offer_dismissed"})

# users.csv columns named consent_<purpose> (true/false, yes/no, 1/0) are consent flags, not model features.
CONSENT_PREFIX: Final = "consent_"
