"""Known-answer tests of similar-item and co-occurrence lists."""

from __future__ import annotations

import numpy as np
import pytest
from test_interactions import make_log

from omnirec_train.interactions import IdMap
from omnirec_train.neighbours import cooccurrence_lists, similar_items, top_k_sparse


def test_similar_items_by_cosine_excludes_self_and_pads() -> None:
    vectors = np.array([[1, 0], [2, 0.1], [0, 1], [0, 0]], dtype=np.float32)
    idx, scores = similar_items(vectors, k=2, batch=2)
    assert idx[0].tolist() == [1, -1]  # orthogonal item 2 (cosine 0) is no neighbour: padding
    assert scores[0, 0] == pytest.approx(2 / np.sqrt(4.01))
    assert idx[3].tolist() == [-1, -1]  # zero vector: nothing is similar
    assert idx.dtype == np.int32
    assert scores.dtype == np.float32


def test_cooccurrence_is_basket_cosine() -> None:
    # Baskets (same user, same hour): {a, b}, {a, b, c}, {a}; the view of c two hours later is another basket.
    log = make_log(
        [
            ("u1", "a", "purchase", "web", 0),
            ("u1", "b", "purchase", "web", 10),
            ("u2", "a", "purchase", "web", 0),
            ("u2", "b", "purchase", "web", 0),
            ("u2", "c", "purchase", "web", 0),
            ("u3", "a", "purchase", "web", 0),
            ("u3", "c", "view", "web", 7200),
        ]
    )
    items = IdMap(np.array(["a", "b", "c"]))
    idx, scores = cooccurrence_lists(log, items, k=3, types={"purchase", "view"})
    # n_a=3, n_b=2, n_c=2; ab together 2, ac 1, bc 1.
    assert idx[0].tolist() == [1, 2, -1]
    assert scores[0].tolist() == pytest.approx([2 / np.sqrt(6), 1 / np.sqrt(6), 0.0])
    assert idx[2].tolist()[:2] == [1, 0]  # bc 1/2 beats ac 1/sqrt(6)
    assert (scores <= 1.0).all()


def test_top_k_sparse_rows() -> None:
    import scipy.sparse as sp

    m = sp.csr_matrix(np.array([[0, 0.2, 0.9, 0.5], [0, 0, 0, 0]], dtype=np.float32))
    idx, scores = top_k_sparse(m, 2)
    assert idx.tolist() == [[2, 3], [-1, -1]]
    np.testing.assert_allclose(scores, [[0.9, 0.5], [0, 0]], rtol=1e-6)
