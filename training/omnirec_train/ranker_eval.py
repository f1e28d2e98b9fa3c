"""Run the shipped ranker (omnirec.scoring) over many bundle users, for blend search and evaluation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from omnirec.bundle.format import ModelBundle
from omnirec.scoring import Catalog, Components, RankRequest, compute_components, context_from_bundle, rank_for_user
from omnirec.scoring.context import UserContext
from omnirec.scoring.ranker import purchase_exclusion_rate


@dataclass(frozen=True)
class UserComponents:
    """One user's candidates and feature matrix, plus the rate the "purchased" exclusion compares."""

    user: str
    components: Components
    purchased_rate: np.ndarray  # per candidate: excluded when below repeat_threshold (+inf: never)


def _contexts(
    catalog: Catalog, bundle: ModelBundle, users: Sequence[str]
) -> Iterator[tuple[str, UserContext, dict[int, tuple[np.ndarray, np.ndarray]]]]:
    index = {u: i for i, u in enumerate(bundle["user_ids"].tolist())}
    recent = catalog.params.history_events
    for user in users:
        ctx = context_from_bundle(catalog, bundle, index.get(user))
        neighbours = catalog.neighbours("cooc", ctx.items[:recent])
        yield user, ctx, neighbours


def rank_users(
    bundle: ModelBundle, users: Sequence[str], now: int, k: int, channel: str | None = None
) -> list[list[str]]:
    """Top-k item ids per user exactly as `omnirec export` / the service rank them."""
    catalog = Catalog.from_bundle(bundle)
    out: list[list[str]] = []
    for _, ctx, neighbours in _contexts(catalog, bundle, users):
        ranking = rank_for_user(catalog, ctx, RankRequest(now=now, k=k, channel=channel), neighbours)
        out.append([item.item_id for item in ranking.items])
    return out


def collect_components(
    catalog: Catalog, bundle: ModelBundle, users: Sequence[str], now: int, k: int
) -> list[UserComponents]:
    """Components per user with nothing excluded, and each candidate's exclusion rate.

    compute_components applies the "purchased" rule after scaling every column, so dropping the
    candidates whose rate is below a threshold reproduces exactly what the ranker returns with that
    repeat_threshold: the trainer can search the threshold without recomputing components.
    """
    out = []
    for user, ctx, neighbours in _contexts(catalog, bundle, users):
        comp = compute_components(catalog, ctx, RankRequest(now=now, k=k, exclude="none"), neighbours)
        rate = purchase_exclusion_rate(catalog, ctx, comp.candidates)
        out.append(UserComponents(user=user, components=comp, purchased_rate=rate))
    return out
