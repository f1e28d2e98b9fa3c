"""The learned ranker's trees: numpy scoring equals LightGBM's own prediction; malformed ensembles are refused."""

from __future__ import annotations

import lightgbm as lgb
import msgspec
import numpy as np
import pytest

from omnirec.bundle.format import RankerParams, TreeEnsemble
from omnirec.scoring.trees import CompiledTrees
from omnirec_train.tree_ranker import LGBM_PARAMS, GroupedRows, fit_trees, predict

NAMES = ("a", "b", "c", "d")


def grouped(seed: int, customers: int = 120, per: int = 40) -> GroupedRows:
    rng = np.random.default_rng(seed)
    x = rng.random((customers * per, len(NAMES)))
    x[:, 3] = np.round(x[:, 3] * 4)  # a few repeated values, as counts are
    label = ((x[:, 0] > 0.6) & (x[:, 1] < 0.5) | (x[:, 3] == 2)).astype(np.int64)
    return GroupedRows(x, label, np.full(customers, per))


def test_numpy_scores_equal_lightgbm_predictions() -> None:
    rows = grouped(1)
    ensemble, rounds = fit_trees(rows, rows, NAMES, seed=3, rounds=25)
    booster = lgb.train(
        {**LGBM_PARAMS, "seed": 3},
        lgb.Dataset(rows.matrix, label=rows.label, group=rows.group, feature_name=list(NAMES)),
        num_boost_round=rounds,
    )
    fresh = grouped(2).matrix
    assert ensemble.n_trees == 25 and ensemble.max_depth >= 2
    np.testing.assert_array_equal(predict(ensemble, fresh), booster.predict(fresh))


def test_columns_are_matched_by_name_not_position() -> None:
    rows = grouped(4)
    ensemble, _ = fit_trees(rows, rows, NAMES, seed=1, rounds=10)
    shuffled = rows.matrix[:, [2, 0, 3, 1]]  # the caller's matrix: c, a, d, b
    compiled = CompiledTrees(ensemble, {"c": 0, "a": 1, "d": 2, "b": 3})
    np.testing.assert_array_equal(compiled.predict(shuffled), predict(ensemble, rows.matrix))


def test_early_stopping_learns_the_rule() -> None:
    train, valid = grouped(5), grouped(6)
    ensemble, rounds = fit_trees(train, valid, NAMES, seed=1)
    scores = predict(ensemble, valid.matrix)
    assert 1 <= rounds <= 300
    assert scores[valid.label == 1].mean() > scores[valid.label == 0].mean() + 0.2


def test_a_single_leaf_tree_and_no_rows() -> None:
    stump = TreeEnsemble(
        feature_names=("a",),
        roots=(~0,),
        split_feature=(),
        threshold=(),
        left=(),
        right=(),
        leaf_value=(0.5,),
        max_depth=0,
    )
    np.testing.assert_array_equal(predict(stump, np.zeros((3, 1))), [0.5, 0.5, 0.5])
    assert predict(stump, np.zeros((0, 1))).shape == (0,)


@pytest.mark.parametrize(
    "broken",
    [
        {"left": (5,)},  # child outside the arrays
        {"split_feature": (3,)},  # feature outside feature_names
        {"threshold": ()},  # arrays of different lengths
    ],
)
def test_malformed_ensembles_are_refused_at_decode(broken: dict[str, object]) -> None:
    good = {
        "feature_names": ("a", "b"),
        "roots": (0,),
        "split_feature": (1,),
        "threshold": (0.5,),
        "left": (~0,),
        "right": (~1,),
        "leaf_value": (1.0, -1.0),
        "max_depth": 1,
    }
    TreeEnsemble(**good)  # type: ignore[arg-type]
    payload = msgspec.json.encode(RankerParams(trees=TreeEnsemble(**good)))  # type: ignore[arg-type]
    assert msgspec.json.decode(payload, type=RankerParams).trees == TreeEnsemble(**good)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TreeEnsemble(**{**good, **broken})  # type: ignore[arg-type]


def test_unknown_feature_names_are_refused_when_compiled() -> None:
    stump = TreeEnsemble(
        feature_names=("telepathy",),
        roots=(~0,),
        split_feature=(),
        threshold=(),
        left=(),
        right=(),
        leaf_value=(1.0,),
        max_depth=0,
    )
    with pytest.raises(ValueError, match="telepathy"):
        CompiledTrees(stump, {"model": 0})


def test_a_rows_score_does_not_depend_on_its_block() -> None:
    rows = grouped(7, customers=80, per=40)  # 3,200 rows: more than one ROW_BLOCK
    ensemble, _ = fit_trees(rows, rows, NAMES, seed=2, rounds=15)
    together = predict(ensemble, rows.matrix)
    one_by_one = np.concatenate([predict(ensemble, rows.matrix[i : i + 1]) for i in range(0, 3200, 97)])
    np.testing.assert_array_equal(together[::97], one_by_one)
