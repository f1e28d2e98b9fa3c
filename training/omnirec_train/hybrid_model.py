"""The hybrid LightFM model: fit with progress, then item, user and user-feature representations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from lightfm import LightFM
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from omnirec.training_config import TrainingConfig
from omnirec_train.features import FeatureMatrix


@dataclass(frozen=True)
class Representations:
    """What the bundle needs from the fitted model."""

    item_vectors: np.ndarray  # I x D float32
    item_biases: np.ndarray  # I float32
    item_has_interactions: np.ndarray  # I bool
    user_vectors: np.ndarray  # U x D float32
    user_feature_vectors: np.ndarray  # F x D float32, embeddings of the named user features


def sample_weights(interactions: sp.csr_matrix) -> sp.coo_matrix:
    """Compress weights with log1p and scale to mean 1 so SGD steps stay stable whatever the event weights."""
    coo = interactions.tocoo()
    data = np.log1p(coo.data.astype(np.float64))
    mean = data.mean() if data.size else 1.0
    return sp.coo_matrix(((data / mean).astype(np.float32), (coo.row, coo.col)), shape=coo.shape)


def fit_model(
    interactions: sp.csr_matrix,
    user_features: FeatureMatrix,
    item_features: FeatureMatrix,
    config: TrainingConfig,
    *,
    epochs: int | None = None,
    progress: bool = False,
) -> LightFM:
    """Fit LightFM on weighted interactions, one epoch at a time so progress can be shown."""
    model = LightFM(
        no_components=config.no_components,
        learning_rate=config.learning_rate,
        loss=config.loss,
        item_alpha=config.item_alpha,
        user_alpha=config.user_alpha,
        random_state=np.random.RandomState(config.seed),
    )
    weights = sample_weights(interactions)
    binary = sp.coo_matrix((np.ones_like(weights.data), (weights.row, weights.col)), shape=weights.shape)
    n_epochs = epochs or config.epochs
    with Progress(
        TextColumn("[bold]fitting hybrid model"),
        BarColumn(),
        TextColumn("epoch {task.completed}/{task.total}"),
        TimeElapsedColumn(),
        disable=not progress,
        transient=True,
    ) as bar:
        task = bar.add_task("fit", total=n_epochs)
        for _ in range(n_epochs):
            model.fit_partial(
                binary,
                user_features=user_features.matrix,
                item_features=item_features.matrix,
                sample_weight=weights,
                epochs=1,
                num_threads=config.threads,
            )
            bar.advance(task)
    return model


def representations(
    model: LightFM, interactions: sp.csr_matrix, user_features: FeatureMatrix, item_features: FeatureMatrix
) -> Representations:
    """Item vectors (feature-only for items never interacted with), user vectors, user-feature vectors.

    An item with no interactions has an untrained identity embedding, so its vector is the weighted
    sum of its named feature embeddings alone (rows renormalised to sum 1).
    """
    item_bias, item_vec = model.get_item_representations(item_features.matrix)
    has = np.asarray((interactions > 0).sum(axis=0)).ravel() > 0
    n_items = interactions.shape[1]
    if (~has).any():
        named = item_features.named_only()
        feat_emb = model.item_embeddings[n_items:]
        feat_bias = model.item_biases[n_items:]
        cold = np.flatnonzero(~has)
        item_vec[cold] = named[cold] @ feat_emb if feat_emb.size else 0.0
        item_bias[cold] = named[cold] @ feat_bias if feat_bias.size else 0.0
    _, user_vec = model.get_user_representations(user_features.matrix)
    n_users = interactions.shape[0]
    return Representations(
        item_vectors=np.ascontiguousarray(item_vec, dtype=np.float32),
        item_biases=np.ascontiguousarray(item_bias, dtype=np.float32),
        item_has_interactions=has,
        user_vectors=np.ascontiguousarray(user_vec, dtype=np.float32),
        user_feature_vectors=np.ascontiguousarray(model.user_embeddings[n_users:], dtype=np.float32),
    )
