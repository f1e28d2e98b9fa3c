"""Training settings: event and channel weights, time decay, model size. One TOML file, sensible defaults.

Shared by the data loader (which event types and channels are valid) and the trainer; the trainer
copies them into every bundle manifest so a model says how it was made.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from omnirec.columns import DEFAULT_CHANNELS, DEFAULT_EVENT_WEIGHTS


def _default_event_weights() -> dict[str, float]:
    return dict(DEFAULT_EVENT_WEIGHTS)


def _default_channel_weights() -> dict[str, float]:
    # A purchase in a store is as strong a signal as one online; an email click is weaker intent.
    weights = {channel: 1.0 for channel in DEFAULT_CHANNELS}
    weights["email"] = 0.7
    return weights


class TrainingConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How interactions are weighted and how the hybrid model and the ranker are fitted.

    `threads` defaults to 1 so the same data, config and seed give the same bundle metrics; raise it for
    speed on big data and accept that LightFM's multi-threaded (hogwild) fit is then not bit-reproducible.
    """

    event_weights: dict[str, float] = msgspec.field(default_factory=_default_event_weights)
    channel_weights: dict[str, float] = msgspec.field(default_factory=_default_channel_weights)
    # Accept channels that are not in channel_weights (weight 1.0) instead of rejecting the row.
    allow_unknown_channels: bool = False
    half_life_days: float = 60.0  # interaction weight halves every this many days before the cut-off
    no_components: int = 64
    epochs: int = 20
    learning_rate: float = 0.05
    loss: str = "warp"
    item_alpha: float = 1e-6
    user_alpha: float = 1e-6
    numeric_buckets: int = 8  # numeric feature columns are cut into this many quantile buckets
    max_feature_values: int = 5000  # a categorical column with more distinct values is ignored (ids, titles)
    # items.csv / users.csv columns read as categories or as numbers, whatever the rule says (README, "Input
    # contract"): the rule makes integer columns named like ids/codes (category, brand_id) categorical.
    categorical_columns: tuple[str, ...] = ()
    numeric_columns: tuple[str, ...] = ()
    similar_k: int = 50
    cooccurrence_k: int = 50
    history_cap: int = 300  # most recent events kept per user in the bundle / customer state (frequencies need depth)
    validation_fraction: float = 0.15  # last share of the training period used to choose the ranker blend
    seed: int = 42
    # LightFM (and the ALS baseline) threads. 1 makes a fit bit-reproducible for a given seed; more threads
    # are faster but LightFM trains hogwild (unsynchronised updates), so two runs then differ slightly.
    threads: int = 1

    def __post_init__(self) -> None:
        if self.no_components < 1 or self.epochs < 1:
            raise ValueError("no_components and epochs must be at least 1")
        if self.half_life_days <= 0:
            raise ValueError("half_life_days must be positive")
        if not 0.0 < self.validation_fraction < 0.5:
            raise ValueError("validation_fraction must be between 0 and 0.5")
        both = sorted(set(self.categorical_columns) & set(self.numeric_columns))
        if both:
            raise ValueError(f"columns {both} are in both categorical_columns and numeric_columns; keep one")
        if any(not name.strip() for name in (*self.categorical_columns, *self.numeric_columns)):
            raise ValueError("categorical_columns and numeric_columns must name columns (no empty names)")
        if self.loss not in {"warp", "bpr", "logistic", "warp-kos"}:
            raise ValueError(f"unknown loss {self.loss!r}; use warp, bpr, logistic or warp-kos")

    @classmethod
    def load(cls, path: Path | None) -> TrainingConfig:
        """Defaults when path is None; otherwise the TOML file, validated (errors name the file)."""
        if path is None:
            return cls()
        try:
            return msgspec.toml.decode(path.read_bytes(), type=cls)
        except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as exc:
            raise ValueError(f"{path}: {exc}") from exc
