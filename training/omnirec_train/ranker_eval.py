"""Run the shipped ranker (omnirec.scoring) over many bundle users, in batches, for training and evaluation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from omnirec.bundle.format import ModelBundle
from omnirec.scoring import Catalog, Components, RankRequest, contexts_from_bundle, rank_batch
from omnirec.scoring.candidates import GENERATORS, CandidateBatch, build_candidates
from omnirec.scoring.context import UserContext
from omnirec.scoring.ranker import components_of
from omnirec.scoring.search_config import DEFAULT_SEARCH, SearchConfig

BATCH = 512  # customers per feature computation: bounded memory, few numpy calls


@dataclass(frozen=True)
class UserComponents:
    """One user's candidates and feature matrix, plus the rate the "purchased" exclusion compares."""

    user: str
    components: Components
    purchased_rate: np.ndarray  # per candidate: excluded when below repeat_threshold (+inf: never)


def _batches(
    catalog: Catalog, bundle: ModelBundle, users: Sequence[str]
) -> Iterator[tuple[Sequence[str], list[UserContext]]]:
    index = {u: i for i, u in enumerate(bundle["user_ids"].tolist())}
    for start in range(0, len(users), BATCH):
        chunk = users[start : start + BATCH]
        yield chunk, contexts_from_bundle(catalog, bundle, [index.get(user) for user in chunk])


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
    for _, contexts in _batches(catalog, bundle, users):
        for ranking in rank_batch(catalog, contexts, RankRequest(now=now, k=k, channel=channel)):
            out.append([item.item_id for item in ranking.items])
    return out


def collect_components(
    catalog: Catalog, bundle: ModelBundle, users: Sequence[str], now: int, k: int
) -> list[UserComponents]:
    """Components per user with nothing excluded, and each candidate's exclusion rate.

    The "purchased" rule drops candidates after every column is computed and scaled, so dropping those whose
    rate is below a threshold reproduces exactly what the ranker returns with that repeat_threshold: the
    trainer can choose the threshold without recomputing components.
    """
    out = []
    for chunk, contexts in _batches(catalog, bundle, users):
        batch = build_candidates(catalog, contexts, RankRequest(now=now, k=k, exclude="none"))
        for position, user in enumerate(chunk):
            rate = batch.rate[batch.rows(position)]
            out.append(UserComponents(user, components_of(batch, position, None), rate))
    return out


def candidate_recall(
    bundle: ModelBundle,
    targets: Sequence[tuple[str, set[str]]],
    now: int,
    k: int,
    channel: str | None = None,
    search: SearchConfig = DEFAULT_SEARCH,
) -> dict[str, float]:
    """Per candidate generator (and all together), the mean share of each customer's targets it proposed.

    Candidates as the served ranker builds them (the "purchased" exclusion applied), so a target missing here
    cannot be recommended whatever the scoring.
    """
    catalog = Catalog.from_bundle(bundle, search=search)
    users = [user for user, _ in targets]
    wanted_of = dict(targets)
    shares = np.zeros((len(users), len(GENERATORS) + 1))
    row = 0
    for chunk, contexts in _batches(catalog, bundle, users):
        batch: CandidateBatch = build_candidates(catalog, contexts, RankRequest(now=now, k=k, channel=channel))
        for position, user in enumerate(chunk):
            wanted = wanted_of[user]
            rows = batch.rows(position)
            ids = catalog.item_ids[batch.candidates[rows]].astype(str)
            if wanted:
                for bit in range(len(GENERATORS)):
                    proposed = ids[(batch.sources[rows] >> bit) & 1 == 1]
                    shares[row, bit] = len(wanted.intersection(proposed.tolist())) / len(wanted)
                shares[row, -1] = len(wanted.intersection(ids.tolist())) / len(wanted)
            row += 1
    means = shares.mean(axis=0) if users else shares.sum(axis=0)
    return {name: round(float(v), 5) for name, v in zip((*GENERATORS, "all"), means, strict=True)}
