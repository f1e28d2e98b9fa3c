"""The one scoring path: numpy only, shared by `omnirec export`, the HTTP service and evaluation."""

from omnirec.scoring.catalog import Catalog
from omnirec.scoring.context import UserContext, build_context, context_from_bundle, contexts_from_bundle
from omnirec.scoring.ranker import (
    Components,
    RankedItem,
    Ranking,
    RankRequest,
    compute_components,
    rank_batch,
    rank_for_user,
    score_candidates,
)

__all__ = [
    "Catalog",
    "Components",
    "RankRequest",
    "RankedItem",
    "Ranking",
    "UserContext",
    "build_context",
    "compute_components",
    "context_from_bundle",
    "contexts_from_bundle",
    "rank_batch",
    "rank_for_user",
    "score_candidates",
]
