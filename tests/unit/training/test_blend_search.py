"""The blend search, and the ranker choice, score candidates exactly as the shipped ranker ranks them."""

from __future__ import annotations

import dataclasses

import msgspec
import numpy as np
import pytest

from bundle_factory import make_bundle
from omnirec.bundle import ModelBundle, RankerParams
from omnirec.scoring import Catalog
from omnirec.scoring.ranker import FEATURES, feature_weights
from omnirec_train.blend_search import (
    BUY_AGAIN,
    STARTS,
    WEIGHT_GRID,
    BlendProblem,
    blend_vector,
    coordinate_search,
    params_of_point,
    point_of_params,
)
from omnirec_train.metrics import ndcg_at_k
from omnirec_train.ranker_eval import collect_components, rank_users
from omnirec_train.ranker_fit import MIN_TREE_CUSTOMERS, choose_ranker
from omnirec_train.tree_ranker import predict
from omnirec_train.validation_pool import ValidationWindow

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
    blend_only = np.r_[[0.5, 1.0, 0.3, 0.2], [0.0] * (len(FEATURES) - 4)]
    weights = np.linspace(1.0, 0.1, len(FEATURES)) if learned else blend_only
    names = {"feature_names": FEATURES, "feature_weights": tuple(weights.tolist())} if learned else {}
    blend = dict(zip(("w_model", "w_history", "w_cooccurrence", "w_popularity"), weights[:4].tolist(), strict=True))
    shipped = with_params(bundle, repeat_threshold=threshold, **blend, **names)
    ranked = rank_users(shipped, users, NOW, K)
    expected = float(np.mean([ndcg_at_k(r, targets[u], K) for r, u in zip(ranked, users, strict=True)]))
    catalog = Catalog.from_bundle(with_params(bundle, repeat_threshold=0.0))
    index = {u: {catalog.index[i] for i in targets[u]} for u in users}
    problem = BlendProblem(collect_components(catalog, bundle, users, NOW, K), index, K)
    assert problem.ndcg(weights, threshold) == pytest.approx(expected)


def test_few_validation_customers_ship_the_blend() -> None:
    bundle, users, targets = setup()
    assert len(users) < MIN_TREE_CUSTOMERS
    choice = choose_ranker([ValidationWindow.of(bundle, targets, NOW)], k=K)
    assert choice.kind == "blend" and choice.params.trees is None
    assert choice.metrics["validation_users"] == len(users)


def test_trees_ship_when_they_beat_the_blend_and_rank_as_evaluated() -> None:
    """Enough customers whose targets follow a non-linear rule: the trees win and the ranker uses them."""
    bundle = make_bundle(n_items=60, n_users=2 * MIN_TREE_CUSTOMERS + 200, history_per_user=20, seed=5)
    bundle.arrays["history_types"][:] = "purchase"
    users = bundle["user_ids"].tolist()
    catalog = Catalog.from_bundle(with_params(bundle, repeat_threshold=0.0))
    comps = collect_components(catalog, bundle, users, NOW, K)
    column = FEATURES.index("days_since_seen")
    # Wanted: history items last seen 600 to 900 days ago (a band no monotone blend can pick out).
    targets = {}
    for user, comp in zip(users, comps, strict=True):
        days = comp.components.matrix[:, column]
        band = comp.components.candidates[(days > 600) & (days < 900)]
        targets[user] = {str(catalog.item_ids[i]) for i in band[:3]}
    targets = {u: t for u, t in targets.items() if t}
    choice = choose_ranker([ValidationWindow.of(bundle, targets, NOW)], k=K)
    assert choice.kind == "trees", choice.metrics
    assert choice.metrics["heldout_ndcg@5_trees"] > choice.metrics["heldout_ndcg@5_blend"]
    shipped = with_params(bundle, **{f: getattr(choice.params, f) for f in choice.params.__struct_fields__})
    ranked = rank_users(shipped, sorted(targets), NOW, K)
    # The service's ranking is the trees' order of the candidates it keeps.
    shipped_catalog = Catalog.from_bundle(shipped)
    user = sorted(targets)[0]
    comp = collect_components(shipped_catalog, shipped, [user], NOW, K)[0]
    keep = comp.purchased_rate >= choice.params.repeat_threshold
    assert choice.params.trees is not None
    scores = predict(choice.params.trees, comp.components.matrix[keep])
    best = comp.components.candidates[keep][np.lexsort((comp.components.candidates[keep], -scores))][:K]
    assert ranked[0] == [str(shipped_catalog.item_ids[i]) for i in best]


def test_validation_customers_are_capped_by_a_seeded_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    import omnirec_train.ranker_fit as ranker_fit

    bundle, users, targets = setup()
    monkeypatch.setattr(ranker_fit, "MAX_VALIDATION_CUSTOMERS", 5)
    first = choose_ranker([ValidationWindow.of(bundle, targets, NOW)], k=K, seed=3)
    again = choose_ranker([ValidationWindow.of(bundle, targets, NOW)], k=K, seed=3)
    assert first.metrics["validation_users"] == 5 < len(users)
    assert first.params == again.params


def steady_favourites_bundle() -> tuple[ModelBundle, dict[str, set[str]]]:
    """Each customer bought their favourite in three baskets 400-420 days ago and another item in the last two
    days; they buy the favourite next: recency says the other item (at every half-life the trainer tries),
    frequency says the favourite."""
    bundle = make_bundle(n_items=40, n_users=12, history_per_user=5, seed=3)
    n_users, day = bundle.n_users, 86_400
    other, favourite = np.arange(n_users) % 40, (np.arange(n_users) + 20) % 40  # ties: the other item first
    items = np.stack([other, other, favourite, favourite, favourite], axis=1).ravel()
    ages = np.tile([1, 2, 400, 410, 420], n_users)
    # Nothing else tells the two apart: no model signal, equal popularity, no co-occurrence.
    bundle.arrays["user_vectors"][:] = 0.0
    bundle.arrays["item_biases"][:] = 0.0
    bundle.arrays["popularity"][:] = 0.5
    bundle.arrays["cooc_indices"][:] = -1
    bundle.arrays.update(
        history_indptr=np.arange(0, 5 * n_users + 1, 5, dtype=np.int64),
        history_items=items.astype(np.int32),
        history_times=(NOW - ages * day).astype(np.int64),
        history_types=np.full(5 * n_users, "purchase"),
        history_channels=np.full(5 * n_users, "web"),
    )
    users = bundle["user_ids"].tolist()
    return bundle, {u: {str(bundle["item_ids"][favourite[i]])} for i, u in enumerate(users)}


def test_the_blend_can_rank_by_pure_frequency_and_ships_it_as_named_weights() -> None:
    """The frequency weight is chosen where only frequency finds the targets, and the shipped params rank
    exactly as the search scored them (the named linear form of RankerParams)."""
    bundle, targets = steady_favourites_bundle()
    users = sorted(targets)
    catalog = Catalog.from_bundle(with_params(bundle, repeat_threshold=0.0))
    index = {u: {catalog.index[i] for i in t} for u, t in targets.items()}
    problem = BlendProblem(collect_components(catalog, bundle, users, NOW, K), index, K)
    point, score, _ = coordinate_search(problem)
    assert point["w_frequency"] > 0 and score == pytest.approx(1.0)
    without = {name: values for name, values in WEIGHT_GRID.items() if name != "w_frequency"}
    assert coordinate_search(problem, without)[1] < 0.9
    params = params_of_point(bundle.manifest.ranker, point)
    assert params.feature_names == ("model", "history", "cooccurrence", "popularity", "frequency")
    np.testing.assert_array_equal(feature_weights(params), blend_vector(point))
    ranked = rank_users(with_params(bundle, **msgspec.structs.asdict(params)), users, NOW, K)
    assert [r[0] for r in ranked] == [next(iter(targets[u])) for u in users]


def test_a_blend_without_extra_weights_keeps_the_four_field_form() -> None:
    point = {"w_model": 1.0, "w_history": 2.0, "w_cooccurrence": 0.5, "w_popularity": 0.1, "w_frequency": 0.0}
    params = params_of_point(
        RankerParams(feature_names=("model",), feature_weights=(1.0,)), {**point, "repeat_threshold": 0.2}
    )
    assert params.feature_names == () and params.w_history == 2.0 and params.repeat_threshold == 0.2


def test_a_four_weight_blend_and_its_point_convert_both_ways() -> None:
    params = RankerParams(w_model=0.5, w_history=2.0, w_cooccurrence=0.25, w_popularity=0.1, repeat_threshold=0.01)
    point = point_of_params(params)
    assert point["w_frequency"] == 0.0 and point["repeat_threshold"] == 0.01
    assert params_of_point(params, point) == params
    with pytest.raises(ValueError, match="four-weight"):
        point_of_params(RankerParams(feature_names=("model",), feature_weights=(1.0,)))


def test_choose_ranker_tries_the_frequency_led_start() -> None:
    bundle, targets = steady_favourites_bundle()
    choice = choose_ranker([ValidationWindow.of(bundle, targets, NOW)], k=K)
    assert choice.kind == "blend" and choice.metrics[f"validation_ndcg@{K}_in_sample"] == pytest.approx(1.0)
    assert "frequency" in choice.params.feature_names


def test_the_buy_again_start_ranks_own_items_first_then_channel_popularity() -> None:
    """BUY_AGAIN is omnirec_train.baselines.OwnHistory's order: every history candidate ahead of every other
    candidate, and the others (the fill) by popularity alone."""
    bundle, users, _ = setup()
    catalog = Catalog.from_bundle(with_params(bundle, repeat_threshold=0.0))
    comps = collect_components(catalog, bundle, users, NOW, K)
    history, popularity = FEATURES.index("history"), FEATURES.index("popularity")
    assert BUY_AGAIN in STARTS
    owners = 0
    for comp in comps:
        matrix, kept = comp.components.matrix, comp.purchased_rate >= BUY_AGAIN["repeat_threshold"]
        assert kept.all()  # buy-again drops nothing the customer bought
        order = np.argsort(-(matrix @ blend_vector(BUY_AGAIN)), kind="stable")
        own = matrix[order, history] > 0
        owners += bool(own.any())
        assert not (np.diff(own.astype(int)) > 0).any()  # no own item after another item
        fill = matrix[order[~own], popularity]
        assert (np.diff(fill) <= 0).all()
    assert owners == len(comps)
