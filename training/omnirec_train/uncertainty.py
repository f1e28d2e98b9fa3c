"""Bootstrap confidence intervals over customers: for a metric's mean, and for the ranker against a baseline.

Customers are the resampling unit (a customer's items are not independent of each other). Percentile
intervals from a fixed number of resamples with a fixed seed, so a report is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
LEVEL = 0.95
SEED = 20_261_204


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def to_json(self) -> dict[str, float]:
        return {"estimate": round(self.estimate, 6), "low": round(self.low, 6), "high": round(self.high, 6)}


def _resample_indices(n: int, resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def _bounds(samples: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(samples, [tail, 100.0 - tail])
    return float(low), float(high)


def mean_interval(
    values: np.ndarray, *, resamples: int = RESAMPLES, level: float = LEVEL, seed: int = SEED
) -> Interval:
    """The mean of per-customer values with its bootstrap percentile interval."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return Interval(0.0, 0.0, 0.0)
    means = values[_resample_indices(values.size, resamples, seed)].mean(axis=1)
    return Interval(float(values.mean()), *_bounds(means, level))


@dataclass(frozen=True)
class Comparison:
    """Ours against a baseline on the same customers: the ratio of means and their difference."""

    ratio: Interval
    difference: Interval

    def to_json(self) -> dict[str, dict[str, float]]:
        return {"ratio": self.ratio.to_json(), "difference": self.difference.to_json()}


def compare(
    ours: np.ndarray,
    theirs: np.ndarray,
    *,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
    seed: int = SEED,
) -> Comparison:
    """Paired bootstrap (the same customers resampled for both) of mean(ours) / mean(theirs) and the difference."""
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    if ours.shape != theirs.shape:
        raise ValueError("paired comparison needs one value per customer on both sides")
    if ours.size == 0:
        zero = Interval(0.0, 0.0, 0.0)
        return Comparison(zero, zero)
    index = _resample_indices(ours.size, resamples, seed)
    a, b = ours[index].mean(axis=1), theirs[index].mean(axis=1)
    ratio = np.divide(a, b, out=np.full_like(a, np.nan), where=b > 0)
    ratio = ratio[np.isfinite(ratio)]
    point = float(ours.mean() / theirs.mean()) if theirs.mean() > 0 else float("nan")
    ratio_interval = Interval(point, *_bounds(ratio, level)) if ratio.size else Interval(point, point, point)
    difference = Interval(float(ours.mean() - theirs.mean()), *_bounds(a - b, level))
    return Comparison(ratio_interval, difference)
