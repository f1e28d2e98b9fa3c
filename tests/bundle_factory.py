"""make_bundle: a random but valid ModelBundle for store and publishing tests (no trainer needed).

Every vector's first component and every neighbour list's first score carry `version_marker(version)`,
so a reader can check that each piece of data it got belongs to the version it asked for.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np

from omnirec.bundle import BundleManifest, ModelBundle, RankerParams
from omnirec.bundle.io import validate_arrays

CHANNELS = ("all", "web", "app", "store")
EVENT_TYPES = ("view", "add_to_cart", "purchase")


def version_marker(version: str) -> float:
    """A per-version constant in [1, 2) that is exact in float32."""
    return 1.0 + int(hashlib.sha256(version.encode()).hexdigest()[:4], 16) / 65536


def make_bundle(
    n_items: int = 50,
    n_users: int = 20,
    dim: int = 8,
    seed: int = 0,
    version: str | None = None,
    similar: int = 5,
    cooc: int = 4,
    history_per_user: int = 6,
    padding: bool = True,
    clusters: int = 0,
) -> ModelBundle:
    """A bundle that passes validate_arrays; with `padding`, neighbour lists of some items end with -1.

    Vectors are iid Gaussian, or with `clusters` drawn around that many centres (as trained embeddings
    group by category), users near items: the benchmarks' realistic case, since iid 64-dim vectors have
    no neighbourhood structure and are an ANN index's worst case.
    """
    rng = np.random.default_rng(seed)
    version = version or f"20260101T000000Z-{seed:08x}"
    marker = np.float32(version_marker(version))
    n_ch = len(CHANNELS)
    item_vectors, user_vectors = _vectors(rng, n_items, n_users, dim, clusters)
    item_vectors[:, 0] = marker
    user_vectors[:, 0] = marker
    mask = rng.random((n_items, n_ch)) < 0.7
    mask[:, 0] = True
    n_hist = rng.integers(0, history_per_user + 1, size=n_users)
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(n_hist)
    total = int(indptr[-1])
    times = np.sort(rng.integers(1_700_000_000, 1_760_000_000, size=total))[::-1].astype(np.int64)
    arrays: dict[str, np.ndarray] = {
        "item_ids": np.array([f"i{j}" for j in range(n_items)]),
        "item_vectors": item_vectors,
        "item_biases": rng.standard_normal(n_items, dtype=np.float32),
        "item_has_interactions": rng.random(n_items) < 0.9,
        "item_categories": np.array([f"cat{j % 7}" for j in range(n_items)]),
        "item_channels_mask": mask,
        "user_ids": np.array([f"u{k}" for k in range(n_users)]),
        "user_vectors": user_vectors,
        "user_feature_names": np.array(["segment=a", "segment=b", "region=n"]),
        "user_feature_vectors": rng.standard_normal((3, dim), dtype=np.float32),
        "channels": np.array(CHANNELS),
        "popularity": rng.random((n_ch, n_items), dtype=np.float32),
        "similar_indices": _neighbours(rng, n_items, similar, padding),
        "similar_scores": _scores(rng, n_items, similar, marker),
        "cooc_indices": _neighbours(rng, n_items, cooc, padding),
        "cooc_scores": _scores(rng, n_items, cooc, marker),
        "repeat_rate": rng.random(n_items, dtype=np.float32),
        "repeat_interval_days": rng.random(n_items, dtype=np.float32) * 30,
        "history_indptr": indptr,
        "history_items": rng.integers(0, n_items, size=total).astype(np.int32),
        "history_times": times,
        "history_types": np.array(EVENT_TYPES)[rng.integers(0, len(EVENT_TYPES), size=total)],
        "history_channels": np.array(CHANNELS[1:])[rng.integers(0, n_ch - 1, size=total)],
    }
    # indices/scores must stay aligned: padding (-1) gets score 0
    for name in ("similar", "cooc"):
        arrays[f"{name}_scores"][arrays[f"{name}_indices"] < 0] = 0.0
    validate_arrays(arrays, dim)
    manifest = BundleManifest(
        version=version,
        created_at=datetime.now(UTC).isoformat(),
        data_fingerprint=f"synthetic-{seed}",
        data_source="tests/bundle_factory.py",
        settings={},
        ranker=RankerParams(),
        metrics={"ndcg@10": 0.25, "recall@20": 0.4},
        counts={"items": n_items, "users": n_users},
        channels=list(CHANNELS),
        dim=dim,
    )
    return ModelBundle(manifest=manifest, arrays=arrays)


def _vectors(rng: np.random.Generator, n_items: int, n_users: int, dim: int, clusters: int) -> tuple[np.ndarray, ...]:
    if clusters <= 0:
        items = rng.standard_normal((n_items, dim), dtype=np.float32)
        return items, rng.standard_normal((n_users, dim), dtype=np.float32)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    items = centres[rng.integers(0, clusters, n_items)] + 0.7 * rng.standard_normal((n_items, dim), dtype=np.float32)
    users = items[rng.integers(0, n_items, n_users)] + 0.3 * rng.standard_normal((n_users, dim), dtype=np.float32)
    return items.astype(np.float32), users.astype(np.float32)


def _neighbours(rng: np.random.Generator, n_items: int, width: int, padding: bool) -> np.ndarray:
    idx = rng.integers(0, n_items, size=(n_items, width)).astype(np.int32)
    pad = (
        rng.integers(0, width, size=n_items) if padding else np.zeros(n_items, dtype=np.int64)
    )  # item j keeps its first width - pad[j] neighbours
    idx[np.arange(width)[None, :] >= (width - pad)[:, None]] = -1
    idx[:, 0] = (np.arange(n_items) + 1) % n_items  # every item has at least one neighbour
    return idx


def _scores(rng: np.random.Generator, n_items: int, width: int, marker: np.float32) -> np.ndarray:
    scores = np.sort(rng.random((n_items, width), dtype=np.float32), axis=1)[:, ::-1].copy()
    scores[:, 0] = marker
    return scores
