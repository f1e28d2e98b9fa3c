"""The ranker's feature vocabulary: the columns of a candidate matrix, named once for scoring and training."""

from __future__ import annotations

from omnirec.scoring.history_features import HISTORY_FEATURES

COMPONENTS = ("model", "history", "cooccurrence", "popularity")  # each scaled to [0, 1] per request
# Unscaled evidence and context for the learned (tree) ranker; the linear blend gives them no weight.
CONTEXT_FEATURES = (
    "model_raw",  # vector . query + bias, unscaled (the bias alone without a query)
    "model_rank",  # position in the model's top-N / N (1 when not among them)
    "history_raw",  # buy again / recently viewed score before scaling
    "history_long",  # the same with a four times longer half-life (steady favourites over recent ones)
    "cooccurrence_raw",  # summed association with the recent items before scaling
    "category_affinity",  # share of the customer's weighted events in the candidate's category
    "days_since_seen",  # days from the customer's last event on the item to now (capped; the cap when never)
    "customer_baskets",  # log(1 + the customer's purchase baskets)
    "customer_events",  # log(1 + the customer's events in context)
)
# Columns of Components.matrix: the four scaled components, the personal history features, then context.
FEATURES = (*COMPONENTS, *HISTORY_FEATURES, *CONTEXT_FEATURES)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURES)}
