"""The request path's vocabulary, named once: list strategies, item sources, exclusion modes, channels, event kinds.

Each closed set is a Literal, so mypy checks every string the code writes against it; the tuples beside
them are for membership checks and messages. Channels and the default event kinds are the input data
contract's (omnirec.columns, which the trainer reads too); this module adds what only the API names.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from omnirec.columns import DEFAULT_CHANNELS, DEFAULT_EVENT_WEIGHTS, OFFER_EVENTS

# Where one recommended item came from. The order is stored: an impression keeps each item's source as
# its index here (omnirec.measurement.impressions), so new sources go at the end.
Source = Literal[
    "personalized",
    "session",
    "segment",
    "similar",
    "bought_together",
    "buy_again",
    "recently_viewed",
    "popular",
]
SOURCES: Final[tuple[Source, ...]] = get_args(Source)

# What the model component of a customer's list was built from (the ranker's strategy).
ModelStrategy = Literal["personalized", "segment", "session", "popular"]
# How a whole list answer was filled: the ranker's strategy, or one of the service's.
Strategy = Literal[
    "personalized",
    "segment",
    "session",
    "popular",
    "non_personalized",  # the customer withheld consent to personalisation
    "holdout",  # an experiment's holdout variant: an empty list
    "similar",
    "similar_personalized",
    "similar_non_personalized",
    "bought_together",
    "bought_together_personalized",
    "bought_together_non_personalized",
]
STRATEGIES: Final[tuple[Strategy, ...]] = get_args(Strategy)
NON_PERSONALIZED: Final = "non_personalized"
HOLDOUT: Final = "holdout"
DEGRADED: Final = "popular"  # the strategy of an answer from memory during a store outage

# Items a list leaves out: purchased (non-repeatable) items, everything seen, or nothing.
ExcludeMode = Literal["purchased", "seen", "none"]
EXCLUDE_MODES: Final[tuple[ExcludeMode, ...]] = get_args(ExcludeMode)

CHANNELS: Final = DEFAULT_CHANNELS
IMPRESSION_EVENT: Final = "impression"  # a client confirms what it rendered of an answer (omnirec.measurement)
EVENT_TYPES: Final = frozenset(DEFAULT_EVENT_WEIGHTS) | OFFER_EVENTS | {IMPRESSION_EVENT}  # what /v1/events takes
