"""Confidence intervals (95 %): ratios of per-customer totals by the delta method, proportions by Wilson.

Impressions of one customer are not independent (the same person sees many lists), so rates per impression
are treated as ratios of customer totals sum(y_i) / sum(x_i), whose variance the delta method estimates
from the customers' residuals y_i - R x_i. Two variants are independent samples: the variance of their
difference is the sum of both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z95 = 1.959964


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high}

    def scaled(self, factor: float) -> Interval:
        return Interval(self.value * factor, self.low * factor, self.high * factor)


def _ratio_var(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    n = len(x)
    total = float(x.sum())
    if n == 0 or total <= 0:
        return 0.0, 0.0
    r = float(y.sum()) / total
    if n < 2:
        return r, 0.0
    residual = y - r * x
    return r, float(residual.var(ddof=1)) / (n * float(x.mean()) ** 2)


def ratio(y: np.ndarray, x: np.ndarray) -> Interval:
    """sum(y) / sum(x) over customers (y, x: one total per customer) with its 95 % interval."""
    r, var = _ratio_var(np.asarray(y, float), np.asarray(x, float))
    half = Z95 * math.sqrt(var)
    return Interval(r, r - half, r + half)


def ratio_difference(y_a: np.ndarray, x_a: np.ndarray, y_b: np.ndarray, x_b: np.ndarray) -> Interval:
    """Ratio of B minus ratio of A, independent samples."""
    ra, va = _ratio_var(np.asarray(y_a, float), np.asarray(x_a, float))
    rb, vb = _ratio_var(np.asarray(y_b, float), np.asarray(x_b, float))
    half = Z95 * math.sqrt(va + vb)
    return Interval(rb - ra, rb - ra - half, rb - ra + half)


def proportion(successes: int, n: int) -> Interval:
    """Wilson score interval."""
    if n == 0:
        return Interval(0.0, 0.0, 0.0)
    p = successes / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return Interval(p, centre - half, centre + half)


def proportion_difference(s_a: int, n_a: int, s_b: int, n_b: int) -> Interval:
    """p_B - p_A with a Wald interval (Wilson's per-arm intervals are in `proportion`)."""
    if n_a == 0 or n_b == 0:
        return Interval(0.0, 0.0, 0.0)
    pa, pb = s_a / n_a, s_b / n_b
    half = Z95 * math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    return Interval(pb - pa, pb - pa - half, pb - pa + half)
