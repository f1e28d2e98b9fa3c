"""Run the shipped ranker (omnirec.scoring) over many bundle users, for blend search and evaluation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from omnirec.bundle.format import ModelBundle
from omnirec.scoring import Catalog, Components, RankRequest, compute_components, context_from_bundle, rank_for_user
from omnirec.scoring.context import UserContext
from omnirec.scoring.ranker import GENERATORS, purchase_exclusion_rate
from omnirec.scoring.search_config import DEFAULT_SEARCH, SearchConfig


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
    bundle: ModelBundle,
    users: Sequence[str],
    now: int,
    k: int,
    channel: str | None = None,
    search: SearchConfig = DEFAULT_SEARCH,
) -> list[list[str]]:
    """Top-k item ids per user exactly as `omnirec export` / the service rank them (with the same `search`)."""
    catalog = Catalog.from_bundle(bundle, search=search)
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


def candidate_recall(
    bundle: ModelBundle, targets: Sequence[tuple[str, set[str]]], now: int, k: int, channel: str | None = None
) -> dict[str, float]:
    """Per candidate generator (and all together), the mean share of each customer's targets it proposed.

    Candidates as the served ranker builds them (the "purchased" exclusion applied), so a target missing here
    cannot be recommended whatever the scoring.
    """
    catalog = Catalog.from_bundle(bundle)
    users = [user for user, _ in targets]
    shares = np.zeros((len(users), len(GENERATORS) + 1))
    for row, ((_, ctx, neighbours), (_, wanted)) in enumerate(
        zip(_contexts(catalog, bundle, users), targets, strict=True)
    ):
        if not wanted:
            continue
        comp = compute_components(catalog, ctx, RankRequest(now=now, k=k, channel=channel), neighbours)
        ids = catalog.item_ids[comp.candidates].astype(str)
        for bit in range(len(GENERATORS)):
            proposed = ids[(comp.sources >> bit) & 1 == 1]
            shares[row, bit] = len(wanted.intersection(proposed.tolist())) / len(wanted)
        shares[row, -1] = len(wanted.intersection(ids.tolist())) / len(wanted)
    means = shares.mean(axis=0) if users else shares.sum(axis=0)
    return {name: round(float(v), 5) for name, v in zip((*GENERATORS, "all"), means, strict=True)}
