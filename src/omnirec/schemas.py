"""Every request and response body of the HTTP API, on one msgspec base (OpenAPI is generated from these)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from omnirec.columns import OFFER_EVENTS
from omnirec.data.values import parse_timestamp
from omnirec.vocabulary import CHANNELS, EVENT_TYPES, IMPRESSION_EVENT

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z: every timestamp fits int64 and a datetime
UnixSeconds = (
    Annotated[int, msgspec.Meta(ge=0, le=MAX_TIMESTAMP)] | Annotated[float, msgspec.Meta(ge=0, le=MAX_TIMESTAMP)]
)
Timestamp = Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | UnixSeconds
Quantity = Annotated[float, msgspec.Meta(gt=0, le=1_000_000, description="units, > 0 (default 1)")]
Price = Annotated[float, msgspec.Meta(ge=0, le=1_000_000_000, description="unit price, >= 0")]


class Schema(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=False):
    """Base of every wire type: keyword-only, unknown fields refused (a typo is a 400, not silence)."""


# -- recommendations ---------------------------------------------------------------------------
class RecommendedItem(Schema):
    item_id: str
    score: float
    source: str  # one of omnirec.vocabulary.Source (typed as str: the document names no enum here)
    reason: str | None = None


class RecommendationList(Schema):
    """Every list answer: which model version produced it, how (strategy) and from where (item sources)."""

    model_version: str
    request_id: str
    strategy: str  # one of omnirec.vocabulary.Strategy (typed as str: the document names no enum here)
    items: list[RecommendedItem]
    degraded: bool = False  # True when a store outage forced an in-process fallback
    recommendation_id: str = ""  # send it back with `impression` events; clicks and purchases are attributed to it
    experiment: str | None = None  # the experiment and variant the customer is in (omnirec.measurement)
    variant: str | None = None


class BasketRequest(Schema):
    """Items in a cart; the answer complements them (bought together), never substitutes."""

    items: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=200)]
    user_id: Id | None = None
    k: int = 10  # 1..settings.max_k: checked by the service (check_query), stated in the document
    channel: Id | None = None
    store_id: Id | None = None
    explain: bool = False


# -- events ------------------------------------------------------------------------------------
class EventIn(Schema):
    """One event as in the events file; timestamp is ISO 8601 or Unix seconds between 1970 and 9999 (default:
    now). Every value is checked when the body is decoded, so a batch is validated whole before it is stored."""

    user_id: Id
    event_type: Annotated[
        str, msgspec.Meta(min_length=1, max_length=64, description=f"one of {', '.join(sorted(EVENT_TYPES))}")
    ]
    item_id: Annotated[str, msgspec.Meta(max_length=256)] = ""  # may be empty for offer events
    timestamp: Timestamp | None = None
    channel: Annotated[str, msgspec.Meta(min_length=1, max_length=64, description=f"one of {', '.join(CHANNELS)}")] = (
        "web"
    )
    quantity: Quantity = 1.0
    price: Price | None = None
    session_id: Annotated[str, msgspec.Meta(max_length=256)] = ""
    store_id: Annotated[str, msgspec.Meta(max_length=256)] = ""
    event_id: Annotated[str, msgspec.Meta(min_length=1, max_length=256)] | None = None
    offer_id: Annotated[str, msgspec.Meta(max_length=256)] = ""
    # event_type "impression": the client confirms it rendered item_id of the answer recommendation_id
    recommendation_id: Annotated[str, msgspec.Meta(max_length=64)] = ""
    position: Annotated[int, msgspec.Meta(ge=0, le=10_000)] | None = None  # 0-based, as rendered

    def __post_init__(self) -> None:
        """The rules msgspec constraints cannot state; each message starts with the field it is about."""
        if self.event_type not in EVENT_TYPES:
            raise ValueError(f"event_type {self.event_type!r} is unknown; known: {', '.join(sorted(EVENT_TYPES))}")
        if self.channel not in CHANNELS:
            raise ValueError(f"channel {self.channel!r} is unknown; known: {', '.join(CHANNELS)}")
        if not self.item_id and self.event_type not in OFFER_EVENTS:
            raise ValueError("item_id is required (only offer events may omit it)")
        if self.event_type == IMPRESSION_EVENT and not self.recommendation_id:
            raise ValueError("recommendation_id is required for impression events (the answer that was shown)")
        if self.event_type in OFFER_EVENTS and not self.offer_id:
            raise ValueError(f"offer_id is required for {self.event_type} events")
        if isinstance(self.timestamp, str) and event_time(self) is None:
            raise ValueError(
                f"timestamp {self.timestamp!r} is not ISO 8601 or Unix seconds between 1970 and 9999-12-31"
            )


def event_time(event: EventIn) -> int | None:
    """The event's time in Unix seconds; None without a timestamp or when it is unreadable or out of range."""
    if event.timestamp is None:
        return None
    try:
        parsed = parse_timestamp(str(event.timestamp))
    except (ValueError, OverflowError):  # fromisoformat on odd text, a year past 9999 with an offset
        return None
    return parsed if parsed is not None and 0 <= parsed <= MAX_TIMESTAMP else None


class EventBatch(Schema):
    events: list[EventIn]


class EventError(Schema):
    index: int
    event_id: str | None
    reason: str


class EventsAccepted(Schema):
    accepted: int
    rejected: int
    duplicates: int
    errors: list[EventError]


# -- customers ---------------------------------------------------------------------------------
class IdentityLink(Schema):
    anonymous_id: Id
    customer_id: Id


class IdentityLinked(Schema):
    customer_id: str
    identities: list[str]


class ConsentState(Schema):
    customer_id: str
    consent: dict[str, bool]


class Erased(Schema):
    customer_id: str
    keys_removed: int


# -- models and health -------------------------------------------------------------------------
class ActiveModel(Schema):
    version: str
    created_at: str
    n_items: int
    n_users: int
    published_at: float
    loaded_versions: list[str]
    search: str  # exact | hnsw


class Liveness(Schema):
    status: str = "ok"


class Readiness(Schema):
    status: str  # ready | not_ready
    store: str  # ok | unavailable | data_lost
    model_version: str | None = None
    detail: str | None = None
    durable: bool | None = None  # the store persists writes (Redis AOF); None: not known
    persistence: str | None = None  # what the store's persistence loses on a crash


class Problem(Schema):
    """RFC 7807 problem details (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] | None = None


class NextBestOffer(Schema):
    """One offer for a customer: expected value = propensity x value; reasons say why it is eligible."""

    offer_id: str
    title: str
    message: str
    code: str
    items: list[str]
    value: float
    propensity: float
    sampled: float
    expected_value: float
    mandatory: bool
    reasons: list[str]
    selection_probability: float | None = None  # P(the policy chose this offer), logged for off-policy evaluation


class NextBestOfferList(Schema):
    """Ranked eligible offers for a customer on a channel (mandatory service messages first)."""

    user_id: str
    channel: str
    model_version: str | None
    request_id: str
    offers: list[NextBestOffer]
    degraded: bool = False  # the store could not be read in time: no offer (the safe answer), no budget spent
    recommendation_id: str = ""
    experiment: str | None = None
    variant: str | None = None
