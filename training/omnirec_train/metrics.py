"""Top-k ranking metrics as pure functions of (recommended list, relevant set)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from collections.abc import Set as AbstractSet

import numpy as np

METRIC_NAMES = ("precision", "recall", "ndcg", "map", "hit_rate")


def precision_at_k(recommended: Sequence[Hashable], relevant: AbstractSet[Hashable], k: int) -> float:
    """Share of the first k recommendations that are relevant (divides by k)."""
    return sum(1 for r in recommended[:k] if r in relevant) / k


def recall_at_k(recommended: Sequence[Hashable], relevant: AbstractSet[Hashable], k: int) -> float:
    """Share of the relevant items found in the first k (0 when nothing is relevant)."""
    if not relevant:
        return 0.0
    return sum(1 for r in recommended[:k] if r in relevant) / len(relevant)


def ndcg_at_k(recommended: Sequence[Hashable], relevant: AbstractSet[Hashable], k: int) -> float:
    """Binary-gain NDCG: DCG of the list over the DCG of an ideal list of min(k, |relevant|) hits."""
    if not relevant:
        return 0.0
    dcg = sum(1.0 / np.log2(rank + 2) for rank, r in enumerate(recommended[:k]) if r in relevant)
    ideal = sum(1.0 / np.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return float(dcg / ideal)


def average_precision_at_k(recommended: Sequence[Hashable], relevant: AbstractSet[Hashable], k: int) -> float:
    """AP@k: mean of precision at each hit rank, divided by min(k, |relevant|)."""
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for rank, r in enumerate(recommended[:k]):
        if r in relevant:
            hits += 1
            total += hits / (rank + 1)
    return total / min(k, len(relevant))


def hit_rate_at_k(recommended: Sequence[Hashable], relevant: AbstractSet[Hashable], k: int) -> float:
    """1 when any of the first k recommendations is relevant."""
    return 1.0 if any(r in relevant for r in recommended[:k]) else 0.0


def catalogue_coverage(recommendations: Iterable[Sequence[Hashable]], n_items: int, k: int) -> float:
    """Share of the catalogue that appears in at least one top-k list."""
    if n_items <= 0:
        return 0.0
    seen: set[Hashable] = set()
    for recs in recommendations:
        seen.update(recs[:k])
    return len(seen) / n_items


PER_USER = {
    "precision": precision_at_k,
    "recall": recall_at_k,
    "ndcg": ndcg_at_k,
    "map": average_precision_at_k,
    "hit_rate": hit_rate_at_k,
}
# What each metric means, for reports.
DEFINITIONS = {
    "precision": "relevant items among the first k, divided by k",
    "recall": "relevant items among the first k, divided by the customer's relevant items",
    "ndcg": "binary-gain DCG of the first k over the DCG of an ideal list of min(k, relevant) hits",
    "map": "mean precision at each hit rank, divided by min(k, relevant)",
    "hit_rate": "1 when any of the first k is relevant",
    "coverage": "share of the catalogue in at least one customer's first k",
}


def per_user_metrics(
    recommendations: Sequence[Sequence[Hashable]], relevant: Sequence[AbstractSet[Hashable]], k: int
) -> dict[str, np.ndarray]:
    """Every per-customer metric as an array (one value per customer, same order), for bootstrapping."""
    pairs = list(zip(recommendations, relevant, strict=True))
    return {name: np.array([f(rec, rel, k) for rec, rel in pairs], dtype=np.float64) for name, f in PER_USER.items()}


def mean_metrics(
    recommendations: Sequence[Sequence[Hashable]], relevant: Sequence[AbstractSet[Hashable]], k: int, n_items: int
) -> dict[str, float]:
    """Every metric averaged over users, plus catalogue coverage and the user count."""
    values = per_user_metrics(recommendations, relevant, k)
    out = {name: float(v.mean()) if v.size else 0.0 for name, v in values.items()}
    out["coverage"] = catalogue_coverage(recommendations, n_items, k)
    out["users"] = float(len(recommendations))
    return out
