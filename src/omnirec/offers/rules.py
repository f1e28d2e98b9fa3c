"""The offer rule language: declarative conditions decoded from the offer file, evaluated without eval.

Every rule is a tagged msgspec struct (`kind = "..."` in the file); an offer is eligible when all of its
rules match. A match carries a reason code and, for cart and purchase rules, the items that matched.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from omnirec.offers.items import ItemLookup, Scope
from omnirec.store.records import CustomerState

SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600
STAGES = ("new", "active", "lapsing", "lapsed")


class _Rule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="kind"):
    pass


class SegmentRule(_Rule, frozen=True, tag="segment"):
    """A customer feature equals a value or is one of several (`feature` defaults to 'segment')."""

    feature: str = "segment"
    equals: str | None = None
    in_: tuple[str, ...] = msgspec.field(default=(), name="in")

    def __post_init__(self) -> None:
        if (self.equals is None) == (not self.in_):
            raise ValueError("a segment rule needs exactly one of `equals` or `in`")


class LifecycleRule(_Rule, frozen=True, tag="lifecycle"):
    """The customer's lifecycle stage (new, active, lapsing, lapsed) is one of `stages`."""

    stages: tuple[str, ...]

    def __post_init__(self) -> None:
        unknown = sorted(set(self.stages) - set(STAGES))
        if unknown or not self.stages:
            raise ValueError(f"stages must be a non-empty list of {', '.join(STAGES)}; got {unknown or 'none'}")


class AbandonedCartRule(_Rule, frozen=True, tag="abandoned_cart"):
    """Items sit in the cart unbought for at least `hours` (and at most `max_hours`)."""

    hours: float = 1.0
    max_hours: float = 168.0
    promoted_only: bool = True  # only cart items the offer promotes count

    def __post_init__(self) -> None:
        if not 0 <= self.hours < self.max_hours:
            raise ValueError("need 0 <= hours < max_hours")


class PurchasedRule(_Rule, frozen=True, tag="purchased"):
    """The customer bought one of `items` / something in `categories` between `min_days` and `days` ago."""

    items: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    promoted: bool = False  # use the offer's own items and categories
    days: float = 30.0
    min_days: float = 0.0

    def __post_init__(self) -> None:
        if not (self.items or self.categories or self.promoted):
            raise ValueError("name `items`, `categories` or set `promoted = true`")
        if not 0 <= self.min_days < self.days:
            raise ValueError("need 0 <= min_days < days")


class NotPurchasedRule(PurchasedRule, frozen=True, tag="not_purchased"):
    """The customer did NOT buy any of `items` / in `categories` within the window."""


class ChannelRule(_Rule, frozen=True, tag="channel"):
    """The request is for one of `channels`."""

    channels: tuple[str, ...]


class ConsentRule(_Rule, frozen=True, tag="consent"):
    """The customer granted consent for `purpose` (missing consent counts as not granted)."""

    purpose: str


Rule = SegmentRule | LifecycleRule | AbandonedCartRule | PurchasedRule | NotPurchasedRule | ChannelRule | ConsentRule


@dataclass(frozen=True)
class Facts:
    """What rules are evaluated against: one customer at one moment on one channel."""

    state: CustomerState
    now: int
    channel: str
    stage: str
    lookup: ItemLookup


@dataclass(frozen=True)
class Match:
    """A rule that matched: a reason code and the items it is about (cart or purchased items)."""

    reason: str
    items: tuple[str, ...] = ()


def evaluate(rule: Rule, facts: Facts, scope: Scope) -> Match | None:
    """The match of one rule for a customer, or None when it does not hold."""
    if isinstance(rule, SegmentRule):
        value = facts.state.features.get(rule.feature)
        ok = value is not None and (value == rule.equals if rule.equals is not None else value in rule.in_)
        return Match(f"segment:{rule.feature}={value}") if ok else None
    if isinstance(rule, LifecycleRule):
        return Match(f"lifecycle:{facts.stage}") if facts.stage in rule.stages else None
    if isinstance(rule, AbandonedCartRule):
        return _abandoned_cart(rule, facts, scope)
    if isinstance(rule, NotPurchasedRule):
        bought = _bought(rule, facts, scope)
        return None if bought else Match(f"not_purchased:{_label(rule, scope)}:{rule.days:g}d")
    if isinstance(rule, PurchasedRule):
        bought = _bought(rule, facts, scope)
        return Match(f"purchased:{_label(rule, scope)}", tuple(bought)) if bought else None
    if isinstance(rule, ChannelRule):
        return Match(f"channel:{facts.channel}") if facts.channel in rule.channels else None
    if isinstance(rule, ConsentRule):
        return Match(f"consent:{rule.purpose}") if facts.state.consent.get(rule.purpose, False) else None
    raise TypeError(f"unknown rule {rule!r}")


def _abandoned_cart(rule: AbandonedCartRule, facts: Facts, scope: Scope) -> Match | None:
    newest = facts.now - rule.hours * SECONDS_PER_HOUR
    oldest = facts.now - rule.max_hours * SECONDS_PER_HOUR
    waiting = sorted(
        (item for item, added in facts.state.cart.items() if oldest <= added <= newest),
        key=lambda item: -facts.state.cart[item],
    )
    if rule.promoted_only:
        waiting = [item for item in waiting if scope.contains(item, facts.lookup)]
    return Match("abandoned_cart", tuple(waiting)) if waiting else None


def _bought(rule: PurchasedRule, facts: Facts, scope: Scope) -> list[str]:
    """Items bought within [days, min_days] ago that the rule is about, newest first."""
    wanted = scope if rule.promoted else Scope(frozenset(rule.items), rule.categories)
    newest = facts.now - rule.min_days * SECONDS_PER_DAY
    oldest = facts.now - rule.days * SECONDS_PER_DAY
    purchases = facts.state.purchases
    hits = [item for item, at in purchases.items() if oldest <= at <= newest and wanted.contains(item, facts.lookup)]
    return sorted(hits, key=lambda item: -purchases[item])


def _label(rule: PurchasedRule, scope: Scope) -> str:
    if rule.promoted:
        return "promoted"
    return ",".join((*rule.categories, *rule.items))
