"""The ranker choice on pooled validation windows: the trees' customer gate and the forward check."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest
from test_blend_search import NOW, steady_favourites_bundle, with_params
from test_pipeline import favourite_shop

from bundle_factory import make_bundle
from omnirec_train.blend_search import START, BlendProblem, coordinate_search
from omnirec_train.pipeline import FALLBACK_PARAMS
from omnirec_train.ranker_eval import rank_users
from omnirec_train.ranker_fit import MIN_TREE_CUSTOMERS, choose_ranker
from omnirec_train.validation_pool import ValidationPool, ValidationWindow

DAY = 86_400
K = 5


def test_trees_need_distinct_customers_not_groups() -> None:
    """MIN_TREE_CUSTOMERS counts customers: the same customers in two windows stay a small shop (no trees)."""
    bundle = make_bundle(n_items=40, n_users=MIN_TREE_CUSTOMERS // 2 + 10, seed=6)
    rng = np.random.default_rng(2)
    targets = {u: set(rng.choice(bundle["item_ids"], 3, replace=False).tolist()) for u in bundle["user_ids"].tolist()}
    windows = [ValidationWindow.of(bundle, targets, NOW), ValidationWindow.of(bundle, targets, NOW - 30 * DAY)]
    choice = choose_ranker(windows, k=K)
    assert choice.metrics["validation_groups"] >= MIN_TREE_CUSTOMERS > choice.metrics["validation_users"]
    assert choice.kind == "blend" and "heldout_users" not in choice.metrics


def favourite_windows(newest_wants_favourite: bool) -> list[ValidationWindow]:
    """Two windows of the steady-favourites shop: the older one's customers buy their favourite (frequency finds
    it, the recency-led fallback does not); the newest one's buy the favourite too, or their recent item. The
    probes carry FALLBACK_PARAMS, as the pipeline fits them."""
    bundle, favourites = steady_favourites_bundle()
    bundle = with_params(bundle, **msgspec.structs.asdict(FALLBACK_PARAMS))
    recent = {u: {str(bundle["item_ids"][i % 40])} for i, u in enumerate(bundle["user_ids"].tolist())}
    newest = favourites if newest_wants_favourite else recent
    return [ValidationWindow.of(bundle, newest, NOW), ValidationWindow.of(bundle, favourites, NOW - DAY)]


def test_pooled_windows_ship_the_blend_searched_on_all_groups_when_it_holds_forward() -> None:
    windows = favourite_windows(newest_wants_favourite=True)
    choice = choose_ranker(windows, k=K)
    assert choice.metrics["ranker"] == "blend" and choice.metrics["validation_windows"] == 2
    assert choice.metrics[f"forward_ndcg@{K}_blend"] == pytest.approx(1.0)
    assert choice.metrics[f"forward_ndcg@{K}_start"] < 1.0
    assert "frequency" in choice.params.feature_names
    pool = ValidationPool(windows, K, cap=1000, seed=0)
    _, best, _ = coordinate_search(BlendProblem(pool.components(choice.params.history_half_life_days), pool.targets, K))
    assert choice.metrics[f"validation_ndcg@{K}_in_sample"] == pytest.approx(best, abs=1e-5)


def test_pooled_windows_keep_the_start_when_the_earlier_windows_blend_fails_on_the_newest() -> None:
    windows = favourite_windows(newest_wants_favourite=False)
    choice = choose_ranker(windows, k=K)
    assert choice.metrics["ranker"] == "fallback"
    assert choice.metrics[f"forward_ndcg@{K}_start"] == pytest.approx(1.0)
    assert choice.metrics[f"forward_ndcg@{K}_blend"] < 0.9
    assert choice.params == windows[0].catalog.params and choice.params.trees is None


def test_a_forward_gain_within_the_newest_windows_noise_keeps_the_start() -> None:
    """Two customers of twelve buy their favourite in the newest window, the others something no ranker finds:
    the searched blend wins on average there, but a resample without those two is too likely."""
    windows = favourite_windows(newest_wants_favourite=True)
    newest = {
        u: (items if i < 2 else {"never-seen"}) for i, (u, items) in enumerate(sorted(windows[0].targets.items()))
    }
    windows[0] = ValidationWindow.of(windows[0].bundle, newest, NOW)
    choice = choose_ranker(windows, k=K)
    assert choice.metrics[f"forward_ndcg@{K}_blend"] > choice.metrics[f"forward_ndcg@{K}_start"]
    assert choice.metrics["forward_difference_low"] <= 0.0 and choice.metrics["ranker"] == "fallback"


def test_the_forward_check_compares_against_the_fallback_the_pipeline_ships() -> None:
    """The newest window's customers buy exactly the fallback's (FALLBACK_PARAMS) top K: the check's fallback
    score is 1 whatever the recency-led search start (blend_search.START) would have scored."""
    bundle, favourites = favourite_shop()
    bundle = with_params(bundle, **msgspec.structs.asdict(FALLBACK_PARAMS))
    users = sorted(favourites)
    shipped = rank_users(bundle, users, NOW, K)
    start = rank_users(with_params(bundle, **{n: v for n, v in START.items() if n != "w_frequency"}), users, NOW, K)
    assert shipped != start  # the two blends disagree here, so the score below tells them apart
    newest = {u: set(top) for u, top in zip(users, shipped, strict=True)}
    older = {u: {item} for u, item in favourites.items()}
    windows = [ValidationWindow.of(bundle, newest, NOW), ValidationWindow.of(bundle, older, NOW - DAY)]
    choice = choose_ranker(windows, k=K)
    assert choice.metrics[f"forward_ndcg@{K}_start"] == pytest.approx(1.0)
    if choice.metrics["ranker"] == "fallback":
        assert choice.params == FALLBACK_PARAMS
