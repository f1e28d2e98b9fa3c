"""`omnirec export recommendations`: one JSON line per customer, scored by the service's own ranker.

Customers are ranked in batches (omnirec.scoring.rank_batch: one feature computation and one tree
evaluation per batch); a customer's list does not depend on the batch, so it equals the service's answer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec

from omnirec.bundle.format import ModelBundle
from omnirec.scoring import Catalog, Ranking, RankRequest, contexts_from_bundle, rank_batch
from omnirec.scoring.search_config import DEFAULT_SEARCH, SearchConfig


class ExportedItem(msgspec.Struct, kw_only=True):
    item_id: str
    score: float
    source: str


class ExportedRecommendations(msgspec.Struct, kw_only=True):
    user_id: str
    items: list[ExportedItem]
    source: str  # the fallback-chain stage: personalized, segment, session or popular
    model_version: str
    # Post `impression` events with it when the email is sent: purchases in any channel are then attributed to it
    recommendation_id: str = ""


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    users: int
    known_users: int
    model_version: str


# Customers per feature computation. A batch's largest arrays (the feature matrix: ~3.6 MB at 64 customers of
# ~300 candidates) must stay small enough for the allocator to reuse freed memory: from ~192 customers it
# hands them back to the OS after each batch and they are faulted in anew (50-65k page faults and 0.1-0.3
# CPU-s of system time per 5,000 customers at 20k items, 2,040-2,160 customers per CPU-second; 64: 2,260-2,270,
# 128: 2,280-2,350, halved here for customers with twice the candidates). benchmarks/RESULTS.md, third pass.
BATCH_SIZE = 64


def _chunks(user_ids: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for user_id in user_ids:
        batch.append(user_id)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def read_user_ids(path: Path) -> list[str]:
    """One user id per line; blank lines and surrounding spaces ignored."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class BundleRecommender:
    """Recommends from a bundle alone, through the same ranker the service uses."""

    def __init__(self, bundle: ModelBundle, search: SearchConfig = DEFAULT_SEARCH) -> None:
        self.bundle = bundle
        self.catalog = Catalog.from_bundle(bundle, search=search)
        self.user_index = {u: i for i, u in enumerate(bundle["user_ids"].tolist())}

    def recommend(self, user_id: str, request: RankRequest) -> ExportedRecommendations:
        """The list the service answers for this customer (unknown customers get the cold-start chain)."""
        return self.recommend_many([user_id], request)[0]

    def recommend_many(self, user_ids: list[str], request: RankRequest) -> list[ExportedRecommendations]:
        """recommend() for many customers in one batch."""
        contexts = contexts_from_bundle(self.catalog, self.bundle, [self.user_index.get(u) for u in user_ids])
        rankings = rank_batch(self.catalog, contexts, request)
        return [self._exported(u, r) for u, r in zip(user_ids, rankings, strict=True)]

    def _exported(self, user_id: str, ranking: Ranking) -> ExportedRecommendations:
        items = [ExportedItem(item_id=i.item_id, score=i.score, source=i.source) for i in ranking.items]
        return ExportedRecommendations(
            user_id=user_id,
            items=items,
            source=ranking.strategy,
            model_version=self.bundle.version,
            recommendation_id=uuid.uuid4().hex,
        )


def export_recommendations(
    bundle: ModelBundle,
    user_ids: Iterable[str],
    out: Path,
    *,
    k: int = 10,
    channel: str | None = "email",
    exclude: str = "purchased",
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
    search: SearchConfig = DEFAULT_SEARCH,
) -> ExportSummary:
    """Write one JSON object per user to `out` (written to a temp file, then renamed).

    `search` must be the service's (Settings.search) for the lists to equal what the API answers."""
    recommender = BundleRecommender(bundle, search)
    now = int(time.time())
    request = RankRequest(now=now, k=k, channel=channel, exclude=exclude)
    encoder = msgspec.json.Encoder()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    users = known_users = 0
    with tmp.open("wb") as fh:
        for batch in _chunks(user_ids, batch_size):
            for exported in recommender.recommend_many(batch, request):
                fh.write(encoder.encode(exported) + b"\n")
            users += len(batch)
            known_users += sum(user_id in recommender.user_index for user_id in batch)
            if progress is not None:
                progress(len(batch))
    tmp.replace(out)
    return ExportSummary(path=out, users=users, known_users=known_users, model_version=bundle.version)
