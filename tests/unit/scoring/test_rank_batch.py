"""Ranking many customers in one batch gives each of them exactly the list they get alone (the service's call)."""

from __future__ import annotations

import dataclasses

import msgspec
import numpy as np
import pytest

from bundle_factory import make_bundle
from omnirec.bundle.format import TreeEnsemble
from omnirec.scoring import (
    Catalog,
    RankRequest,
    build_context,
    context_from_bundle,
    contexts_from_bundle,
    rank_batch,
    rank_for_user,
)
from omnirec.scoring.candidates import build_candidates
from omnirec.scoring.context import bundle_history

NOW = 1_760_000_000


def catalog_and_contexts(trees: bool) -> tuple[Catalog, list]:
    bundle = make_bundle(n_items=80, n_users=40, history_per_user=25, seed=11)
    bundle.arrays["history_types"][::3] = "purchase"
    if trees:
        ensemble = TreeEnsemble(
            feature_names=("frequency", "days_since_seen", "model"),
            roots=(0, 2),
            split_feature=(0, 1, 2),
            threshold=(0.1, 900.0, 0.5),
            left=(~0, ~2, ~4),
            right=(1, ~3, ~5),
            leaf_value=(0.0, 0.5, 1.0, 0.2, -0.1, 0.3),
            max_depth=2,
        )
        ranker = msgspec.structs.replace(bundle.manifest.ranker, trees=ensemble, w_history=1.0)
        bundle = dataclasses.replace(bundle, manifest=msgspec.structs.replace(bundle.manifest, ranker=ranker))
    catalog = Catalog.from_bundle(bundle)
    contexts = [context_from_bundle(catalog, bundle, u) for u in range(bundle.n_users)]
    contexts.append(context_from_bundle(catalog, bundle, None))  # a stranger: popular only
    contexts.append(context_from_bundle(catalog, bundle, None, features={"segment": "a"}))
    return catalog, contexts


REQUESTS = [
    RankRequest(now=NOW, k=10),
    RankRequest(now=NOW, k=5, channel="store", exclude="seen"),
    RankRequest(now=NOW, k=7, exclude="none", category="cat3"),
    RankRequest(now=NOW, k=3, exclude_items=frozenset({1, 2, 3}), unavailable=frozenset({4})),
]


@pytest.mark.parametrize("trees", [False, True])
@pytest.mark.parametrize("request_", REQUESTS)
def test_batch_equals_one_at_a_time(trees: bool, request_: RankRequest) -> None:
    catalog, contexts = catalog_and_contexts(trees)
    together = rank_batch(catalog, contexts, request_, with_reasons=True)
    alone = [rank_for_user(catalog, ctx, request_, with_reasons=True) for ctx in contexts]
    assert together == alone
    assert any(r.items for r in together) and all(len(r.items) <= request_.k for r in together)


def test_batch_features_do_not_depend_on_the_batch() -> None:
    catalog, contexts = catalog_and_contexts(False)
    request = RankRequest(now=NOW, exclude="none")
    whole = build_candidates(catalog, contexts, request)
    reversed_ = build_candidates(catalog, contexts[::-1], request)
    n = len(contexts)
    for b in range(n):
        mine, theirs = whole.rows(b), reversed_.rows(n - 1 - b)
        np.testing.assert_array_equal(whole.candidates[mine], reversed_.candidates[theirs])
        np.testing.assert_array_equal(whole.matrix[mine], reversed_.matrix[theirs])
        np.testing.assert_array_equal(whole.sources[mine], reversed_.sources[theirs])


def test_an_empty_batch() -> None:
    catalog, _ = catalog_and_contexts(False)
    assert rank_batch(catalog, [], RankRequest(now=NOW)) == []


def test_bundle_contexts_equal_the_general_builder() -> None:
    """context_from_bundle's array path, one customer or a batch, builds exactly what build_context builds."""
    bundle = make_bundle(n_items=50, n_users=30, history_per_user=20, seed=4)
    bundle.arrays["history_types"][::4] = "purchase"
    bundle.arrays["history_times"][1::5] = bundle.arrays["history_times"][::5][
        : len(bundle.arrays["history_times"][1::5])
    ]
    bundle.arrays["history_times"][2::7] += 5_000  # newer than the event stored before it: a sort is needed
    catalog = Catalog.from_bundle(bundle)
    users: list[int | None] = [*range(bundle.n_users)][::-1]
    users[3:3] = [None]  # a stranger in the middle of the batch
    batch = contexts_from_bundle(catalog, bundle, users)
    for user, batched in zip(users, batch, strict=True):
        if user is None:
            general, fast_ones = build_context(catalog, user_vector=None), [batched]
        else:
            vector, rows = bundle["user_vectors"][user], bundle_history(bundle, user)
            general = build_context(catalog, user_vector=vector, history=rows)
            fast_ones = [context_from_bundle(catalog, bundle, user), batched]
        for fast in fast_ones:
            np.testing.assert_array_equal(fast.items, general.items)
            np.testing.assert_array_equal(fast.times, general.times)
            assert (fast.types, fast.channels, fast.purchases) == (general.types, general.channels, general.purchases)
            assert (fast.user_vector is None) == (general.user_vector is None)
            np.testing.assert_array_equal(fast.user_vector, general.user_vector)


def test_each_customer_gets_the_k_best_finite_scores_ties_to_the_lower_item(monkeypatch: pytest.MonkeyPatch) -> None:
    """rank_batch's selection equals a full sort by (customer, -score, item) with non-finite scores dropped."""
    from omnirec.scoring import ranker

    catalog, contexts = catalog_and_contexts(False)
    request = RankRequest(now=NOW, k=6, exclude="none")
    batch = build_candidates(catalog, contexts, request)
    rng = np.random.default_rng(2)
    scores = np.round(rng.random(batch.candidates.shape[0]) * 8) / 8  # many ties
    scores[rng.random(scores.shape[0]) < 0.1] = np.nan
    scores[rng.random(scores.shape[0]) < 0.05] = np.inf
    scores[rng.random(scores.shape[0]) < 0.05] = -np.inf
    monkeypatch.setattr(ranker, "score_candidates", lambda *args: scores)
    rankings = rank_batch(catalog, contexts, request)
    order = np.lexsort((batch.candidates, -scores, batch.customer))  # NaN last
    for b, ranking in enumerate(rankings):
        mine = order[batch.customer[order] == b][: request.k]
        expected = batch.candidates[mine[np.isfinite(scores[mine])]]
        assert [item.index for item in ranking.items] == expected.tolist()
