"""Human-readable reasons for a recommended item ("because you bought X in store")."""

from __future__ import annotations

from omnirec.columns import PURCHASE_EVENTS
from omnirec.scoring.catalog import Catalog
from omnirec.scoring.context import UserContext
from omnirec.vocabulary import Source

CHANNEL_PHRASES = {
    "store": "in store",
    "tablet": "on a store tablet",
    "web": "online",
    "app": "in the app",
    "email": "from an email",
    "call_center": "through the call centre",
}
VERBS = {"purchase": "bought", "view": "viewed", "add_to_cart": "added to your cart", "wishlist": "wishlisted"}
# The same with the item as object ("you added it to your cart", not "you added to your cart it").
VERBS_WITH_IT = {"add_to_cart": "added it to your cart"}


def _did_it(event_type: str) -> str:
    return VERBS_WITH_IT.get(event_type) or f"{VERBS.get(event_type, event_type)} it"


def _last_event(ctx: UserContext, index: int, purchases_only: bool = False) -> tuple[str, str] | None:
    for item, etype, channel in zip(ctx.items.tolist(), ctx.types, ctx.channels, strict=True):
        if item == index and (not purchases_only or etype in PURCHASE_EVENTS):
            return etype, channel
    return None


def explain(catalog: Catalog, ctx: UserContext, source: Source, index: int, anchor: int, channel: str | None) -> str:
    """One sentence on why the item was recommended, from the evidence that ranked it."""
    if source == "buy_again":
        event = _last_event(ctx, index, purchases_only=True)
        times = ctx.purchases.get(index, (0, 0))[1]
        where = CHANNEL_PHRASES.get(event[1], f"on {event[1]}") if event else ""
        return f"because you bought it {where} before ({times}x) and customers buy it again".replace("  ", " ")
    if source == "recently_viewed":
        event = _last_event(ctx, index)
        if event is None:
            return "because you looked at it recently"
        return f"because you {_did_it(event[0])} {CHANNEL_PHRASES.get(event[1], event[1])} recently"
    if source == "bought_together" and anchor >= 0:
        event = _last_event(ctx, anchor)
        verb, where = (VERBS.get(event[0], event[0]), CHANNEL_PHRASES.get(event[1], event[1])) if event else ("", "")
        return f"often bought together with {catalog.item_ids[anchor]}, which you {verb} {where}"
    if source == "personalized":
        return "matches your purchases and browsing across channels"
    if source == "session":
        return "similar to what you looked at just now"
    if source == "segment":
        return "popular with customers like you"
    return f"popular {CHANNEL_PHRASES.get(channel or '', 'right now')}"
