"""Item-to-item lists: similar items for a product page and basket complements (bought together, no substitutes).

Pure numpy over a Catalog; neighbour lists come in as internal indices with scores. Both lists can be
personalised with the customer's query vector and are topped up with channel popularity, so they are
never empty while allowed items remain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from omnirec.scoring.catalog import Catalog
from omnirec.scoring.popular import popular_items
from omnirec.scoring.ranker import RankedItem
from omnirec.scoring.search import top_indices

PERSONAL_WEIGHT = 0.3  # share of the customer's affinity in a personalised item-to-item list
SUBSTITUTE_SIMILARITY = 0.9  # cosine at or above which a candidate replaces a cart item instead of completing it

Neighbours = tuple[np.ndarray, np.ndarray]  # (item indices best first, scores)


def cosine_to(catalog: Catalog, candidates: np.ndarray, anchors: Sequence[int]) -> np.ndarray:
    """Cosine similarity (n_candidates, n_anchors) between candidate and anchor item vectors."""
    cand = catalog.vectors[candidates].astype(np.float64)
    anch = catalog.vectors[np.asarray(anchors, dtype=np.int64)].astype(np.float64)
    norms = np.linalg.norm(cand, axis=1)[:, None] * np.linalg.norm(anch, axis=1)[None, :]
    return np.divide(cand @ anch.T, norms, out=np.zeros(norms.shape), where=norms > 0)


def substitutes(catalog: Catalog, candidates: np.ndarray, cart: Sequence[int], threshold: float) -> np.ndarray:
    """True where a candidate is a substitute of a cart item: same leaf category or near-identical vector."""
    if candidates.size == 0 or not cart:
        return np.zeros(candidates.shape[0], dtype=bool)
    cart_categories = {str(catalog.categories[i]) for i in cart} - {""}
    same_leaf = np.isin(catalog.categories[candidates], list(cart_categories)) if cart_categories else False
    return np.asarray(same_leaf | (cosine_to(catalog, candidates, cart).max(axis=1) >= threshold), dtype=bool)


def _scale(values: np.ndarray) -> np.ndarray:
    span = values.max() - values.min() if values.size else 0.0
    return (values - values.min()) / span if span > 0 else np.ones_like(values)


def _personalise(catalog: Catalog, candidates: np.ndarray, scores: np.ndarray, query: np.ndarray | None) -> np.ndarray:
    if query is None or candidates.size == 0:
        return scores
    affinity = catalog.vectors[candidates] @ query.astype(np.float32) + catalog.biases[candidates]
    top = float(np.abs(scores).max())
    relative = scores / top if top > 0 else np.ones_like(scores)  # keeps near-ties near: no min-max stretch
    return (1 - PERSONAL_WEIGHT) * relative + PERSONAL_WEIGHT * _scale(affinity.astype(np.float64))


def _fill_popular(
    catalog: Catalog, allowed: np.ndarray, taken: list[RankedItem], k: int, channel: str | None, reject: np.ndarray
) -> list[RankedItem]:
    """Top up with popular allowed items (not in `taken`, not rejected) until k."""
    need = k - len(taken)
    if need <= 0:
        return taken
    mask = allowed & ~reject
    if taken:
        mask[[t.index for t in taken]] = False
    return taken + popular_items(catalog, channel, need, mask)


def similar_items(
    catalog: Catalog,
    item: int,
    neighbours: Neighbours | None,
    allowed: np.ndarray,
    k: int,
    channel: str | None = None,
    query: np.ndarray | None = None,
) -> list[RankedItem]:
    """Items like `item`: its stored similar list, else vector search, optionally re-weighted for a customer."""
    allowed = allowed.copy()
    allowed[item] = False
    idx, sims = neighbours if neighbours is not None else (np.empty(0, np.int64), np.empty(0))
    keep = allowed[idx] if idx.size else np.zeros(0, dtype=bool)
    cand, scores = idx[keep].astype(np.int64), np.asarray(sims, dtype=np.float64)[keep]
    if cand.shape[0] < k:  # short or filtered-out list: nearest items by vector search
        found = catalog.search.top(catalog.vectors[item], max(4 * k, 50), allowed)
        found = found[~np.isin(found, cand)]
        cand = np.concatenate([cand, found])
        scores = np.concatenate([scores, cosine_to(catalog, found, [item])[:, 0]])
    final = _personalise(catalog, cand, scores, query)
    order = top_indices(final, k)
    name = str(catalog.item_ids[item])
    picked = [
        RankedItem(
            int(cand[p]), str(catalog.item_ids[cand[p]]), round(float(final[p]), 6), "similar", f"similar to {name}"
        )
        for p in order.tolist()
    ]
    return _fill_popular(catalog, allowed, picked, k, channel, np.zeros_like(allowed))


def basket_complements(
    catalog: Catalog,
    cart: Sequence[int],
    cooccurrence: Mapping[int, Neighbours],
    allowed: np.ndarray,
    k: int,
    channel: str | None = None,
    query: np.ndarray | None = None,
    substitute_similarity: float = SUBSTITUTE_SIMILARITY,
) -> list[RankedItem]:
    """Items bought together with the cart, excluding the cart items and substitutes of them."""
    allowed = allowed.copy()
    if cart:
        allowed[np.asarray(cart, dtype=np.int64)] = False
    parts = [
        (idx, np.asarray(s, dtype=np.float64), a) for a in cart if a in cooccurrence for idx, s in [cooccurrence[a]]
    ]
    picked: list[RankedItem] = []
    if parts:
        idx = np.concatenate([p[0] for p in parts]).astype(np.int64)
        contrib = np.concatenate([p[1] for p in parts])
        anchor_of = np.concatenate([np.full(p[0].shape[0], p[2], dtype=np.int64) for p in parts])
        ok = (idx >= 0) & allowed[np.maximum(idx, 0)]
        idx, contrib, anchor_of = idx[ok], contrib[ok], anchor_of[ok]
        ok = ~substitutes(catalog, idx, cart, substitute_similarity)
        idx, contrib, anchor_of = idx[ok], contrib[ok], anchor_of[ok]
        items, inverse = np.unique(idx, return_inverse=True)
        totals = np.bincount(inverse, weights=contrib, minlength=items.shape[0])
        best_anchor = np.full(items.shape[0], -1, dtype=np.int64)
        for pos in np.argsort(contrib, kind="stable").tolist():  # ascending: the largest contribution wins
            best_anchor[inverse[pos]] = anchor_of[pos]
        final = _personalise(catalog, items, totals, query)
        for p in top_indices(final, k).tolist():
            anchor = str(catalog.item_ids[best_anchor[p]])
            reason = f"often bought together with {anchor}"
            picked.append(
                RankedItem(
                    int(items[p]), str(catalog.item_ids[items[p]]), round(float(final[p]), 6), "bought_together", reason
                )
            )
    if len(picked) >= k:
        return picked
    pool = catalog.popular(channel, 4 * k + 50, allowed)
    reject = np.zeros(catalog.n_items, dtype=bool)
    reject[pool[substitutes(catalog, pool, cart, substitute_similarity)]] = True
    not_pool = np.ones(catalog.n_items, dtype=bool)
    not_pool[pool] = False
    return _fill_popular(catalog, allowed, picked, k, channel, reject | not_pool)
