"""The blend search scores a repeat threshold exactly as the shipped ranker would rank with it."""

from __future__ import annotations

import dataclasses

import msgspec
import numpy as np
import pytest

from bundle_factory import make_bundle
from omnirec.bundle import ModelBundle
from omnirec.scoring import Catalog
from omnirec.scoring.ranker import FEATURES
from omnirec_train.blend_search import BlendProblem, choose_blend
from omnirec_train.metrics import ndcg_at_k
from omnirec_train.ranker_eval import collect_components, rank_users

NOW = 1_800_000_000
K = 5


def with_params(bundle: ModelBundle, **params: object) -> ModelBundle:
    ranker = msgspec.structs.replace(bundle.manifest.ranker, **params)
    return dataclasses.replace(bundle, manifest=msgspec.structs.replace(bundle.manifest, ranker=ranker))


def setup() -> tuple[ModelBundle, list[str], dict[str, set[str]]]:
    bundle = make_bundle(n_items=40, n_users=12, history_per_user=10, seed=3)
    bundle.arrays["history_types"][:] = "purchase"
    bundle.arrays["repeat_rate"][:] = np.linspace(0, 1, 40, dtype=np.float32)
    users = bundle["user_ids"].tolist()
    rng = np.random.default_rng(1)
    items = bundle["item_ids"]
    targets = {u: set(rng.choice(items, 6, replace=False).tolist()) for u in users}
    for u, i in zip(users, range(len(users)), strict=True):  # some targets are items bought before
        start = int(bundle["history_indptr"][i])
        targets[u].add(str(items[bundle["history_items"][start]]))
    return bundle, users, targets


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.7, 1.01])
@pytest.mark.parametrize("learned", [False, True])
def test_problem_ndcg_equals_the_rankers_ndcg(threshold: float, learned: bool) -> None:
    bundle, users, targets = setup()
    weights = np.linspace(1.0, 0.1, len(FEATURES)) if learned else np.r_[[0.5, 1.0, 0.3, 0.2], [0.0] * 10]
    names = {"feature_names": FEATURES, "feature_weights": tuple(weights.tolist())} if learned else {}
    blend = dict(zip(("w_model", "w_history", "w_cooccurrence", "w_popularity"), weights[:4].tolist(), strict=True))
    shipped = with_params(bundle, repeat_threshold=threshold, **blend, **names)
    ranked = rank_users(shipped, users, NOW, K)
    expected = float(np.mean([ndcg_at_k(r, targets[u], K) for r, u in zip(ranked, users, strict=True)]))
    catalog = Catalog.from_bundle(with_params(bundle, repeat_threshold=0.0))
    index = {u: {catalog.index[i] for i in targets[u]} for u in users}
    problem = BlendProblem(collect_components(catalog, bundle, users, NOW, K), index, K)
    assert problem.ndcg(weights, threshold) == pytest.approx(expected)


def test_choose_blend_returns_consistent_params() -> None:
    bundle, users, targets = setup()
    choice = choose_blend(bundle, targets, NOW, k=K)
    assert choice.users == len(users) and choice.kind in {"blend", "learned"}
    assert len(choice.params.feature_names) == len(choice.params.feature_weights)
    assert choice.ndcg == pytest.approx(max(choice.blend_ndcg, choice.learned_ndcg))
