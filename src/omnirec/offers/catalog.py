"""The offer catalogue: offers, channel policies (consent purpose, contact fatigue) and lifecycle thresholds.

Loaded from TOML or JSON with msgspec and validated; an error names the file, the offer id and the field.
The store keeps the validated catalogue as JSON (`encode_offer_catalog` / `decode_offer_catalog`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from omnirec.errors import OfferCatalogError
from omnirec.offers.items import Scope
from omnirec.offers.lifecycle import LifecycleThresholds
from omnirec.offers.rules import AbandonedCartRule, PurchasedRule, Rule

RULE_KINDS = ("segment", "lifecycle", "abandoned_cart", "purchased", "not_purchased", "channel", "consent")


class Window(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """At most `count` per sliding window of `days` + `hours`."""

    count: int
    days: float = 0.0
    hours: float = 0.0

    def __post_init__(self) -> None:
        if self.count < 1 or self.seconds <= 0:
            raise ValueError("a window needs count >= 1 and a positive days/hours length")

    @property
    def seconds(self) -> int:
        return int(self.days * 86_400 + self.hours * 3_600)


class ChannelPolicy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Per channel: the consent purpose non-mandatory offers need, and the contact-fatigue limit."""

    consent: str | None = None  # None: the channel's own name; "": no consent needed
    fatigue: Window | None = None  # at most this many offers (all offers together) per window


class Offer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One offer. Expected value = propensity x `value`; mandatory offers (service messages) skip ranking."""

    id: str
    title: str = ""
    message: str = ""
    code: str = ""  # discount or voucher code carried to the customer
    value: float = 1.0  # value of a positive response (margin, revenue ...)
    channels: tuple[str, ...] = ()  # empty: every channel
    items: tuple[str, ...] = ()  # promoted item ids
    categories: tuple[str, ...] = ()  # promoted categories (subtrees)
    rules: tuple[Rule, ...] = ()
    cap: Window | None = None  # per customer
    budget: int = 0  # total impressions ever; 0 = unlimited
    mandatory: bool = False
    priority: int = 0  # the order a fixed-priority policy would use; breaks ties here
    exclude_bought_days: float = 30.0  # promoted items bought this recently are not promoted again

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise ValueError("an offer needs a non-empty `id`")
        if self.value < 0 or self.budget < 0:
            raise ValueError("`value` and `budget` must not be negative")
        if self.mandatory and (self.cap is not None or self.budget):
            raise ValueError("a mandatory offer counts against nothing: remove `cap` and `budget`")
        for rule in self.rules:
            needs_scope = (isinstance(rule, AbandonedCartRule) and rule.promoted_only) or (
                isinstance(rule, PurchasedRule) and rule.promoted
            )
            if needs_scope and self.scope.is_empty:
                raise ValueError(f"rule `{type(rule).__struct_config__.tag}` refers to the promoted items: "
                                 "give the offer `items` or `categories`")  # fmt: skip

    @property
    def scope(self) -> Scope:
        return Scope(frozenset(self.items), self.categories)


class _Header(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    version: str = ""
    segment_feature: str = "segment"  # customer feature feedback counters are split by
    prior_strength: float = 20.0  # pseudo-impressions the model prior is worth in the bandit
    segment_min_shown: int = 30  # segment counters are used once the segment saw an offer this often
    lifecycle: LifecycleThresholds = msgspec.field(default_factory=LifecycleThresholds)
    channels: dict[str, ChannelPolicy] = msgspec.field(default_factory=dict)


class OfferCatalog(_Header, frozen=True, kw_only=True):
    """Everything in one offer file."""

    offers: tuple[Offer, ...] = ()

    def policy(self, channel: str) -> ChannelPolicy:
        return self.channels.get(channel, ChannelPolicy())

    def consent_purpose(self, channel: str) -> str:
        purpose = self.policy(channel).consent
        return channel if purpose is None else purpose

    def offer(self, offer_id: str) -> Offer | None:
        return next((o for o in self.offers if o.id == offer_id), None)


def load_offer_catalog(path: Path | str) -> OfferCatalog:
    """Read and validate an offer file (.toml or .json)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OfferCatalogError(f"{path}: cannot read the offer file: {exc.strerror or exc}") from exc
    kind = "json" if path.suffix.lower() == ".json" else "toml"
    return parse_offer_catalog(data, str(path), kind)


def parse_offer_catalog(data: bytes, source: str, kind: str = "toml") -> OfferCatalog:
    """Validate offer-file bytes; `source` names the file in error messages."""
    try:
        raw = msgspec.json.decode(data) if kind == "json" else msgspec.toml.decode(data)
    except msgspec.DecodeError as exc:
        raise OfferCatalogError(f"{source}: not valid {kind.upper()}: {exc}") from exc
    if not isinstance(raw, dict):
        raise OfferCatalogError(f"{source}: the top level must be a table with an `offers` list")
    raw_offers = raw.pop("offers", [])
    if not isinstance(raw_offers, list):
        raise OfferCatalogError(f"{source}: field 'offers': expected a list of offer tables")
    try:
        header = msgspec.convert(raw, _Header)
    except msgspec.ValidationError as exc:
        raise OfferCatalogError(f"{source}: {_field_message(exc)}") from exc
    offers = [_parse_offer(source, number, entry) for number, entry in enumerate(raw_offers, start=1)]
    seen: set[str] = set()
    for offer in offers:
        if offer.id in seen:
            raise OfferCatalogError(f"{source}: offer '{offer.id}': field 'id': the id is used twice")
        seen.add(offer.id)
    return OfferCatalog(**msgspec.structs.asdict(header), offers=tuple(offers))


def _parse_offer(source: str, number: int, entry: Any) -> Offer:
    if not isinstance(entry, dict):
        raise OfferCatalogError(f"{source}: offer #{number}: expected a table")
    name = entry.get("id") if isinstance(entry.get("id"), str) and entry.get("id") else f"#{number}"
    try:
        return msgspec.convert(entry, Offer)
    except msgspec.ValidationError as exc:
        raise OfferCatalogError(f"{source}: offer '{name}': {_field_message(exc, entry)}") from exc


def _field_message(exc: msgspec.ValidationError, entry: Any = None) -> str:
    """ "Expected `int`, got `str` - at `$.cap.count`" -> "field 'cap.count': Expected `int`, got `str`"."""
    text = str(exc)
    message, sep, path = text.rpartition(" - at `$")
    if not sep:
        return text
    path = path.rstrip("`").lstrip(".")
    if path.startswith("rules[") and isinstance(entry, dict):
        index = int(path[len("rules[") : path.index("]")])
        rules = entry.get("rules")
        if isinstance(rules, list) and index < len(rules) and isinstance(rules[index], dict):
            path += f" (kind = {rules[index].get('kind')})"
    if path.endswith(".kind") or ".kind (" in path:
        message += f"; rule kinds are {', '.join(RULE_KINDS)}"
    return f"field '{path}': {message}" if path else message


def encode_offer_catalog(catalog: OfferCatalog) -> bytes:
    """The payload `put_offer_catalog` stores."""
    return msgspec.json.encode(catalog)


def decode_offer_catalog(payload: bytes) -> OfferCatalog:
    """A stored catalogue, validated again (a payload written by an older version fails loudly)."""
    return parse_offer_catalog(payload, "stored offer catalogue", "json")
