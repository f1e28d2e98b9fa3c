"""Experiments from a settings file (TOML): variants, traffic shares, a time window; sticky assignment.

A customer is assigned by a stable hash of the experiment name and their RESOLVED customer id (identity
links followed), so the same person gets the same variant on the web, in the app, by email and at the till.
Customers outside the variants' total share, or requests outside the window, get no variant.

```toml
[[experiments]]
name = "ranker-2026-12"
surface = "recommendations"        # or "offers"
start = 2026-12-01T00:00:00Z
end = 2027-01-01T00:00:00Z
[[experiments.variants]]
name = "control"
share = 0.45
[[experiments.variants]]
name = "history-heavy"
share = 0.45
ranker = { w_history = 0.6 }       # RankerParams fields of the served model, overridden
# model_version = "20261201-abc"   # or serve another published version
[[experiments.variants]]
name = "holdout"
share = 0.10
holdout = true                     # no recommendations at all (an empty list, strategy "holdout")
```
Offer experiments vary `offer_policy`: "thompson" (the default), "greedy" (best posterior mean x value) or
"uniform" (any eligible offer alike).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import msgspec

from omnirec.bundle.format import RankerParams
from omnirec.measurement.impressions import unit_hash

SURFACES = ("recommendations", "offers")
OFFER_POLICIES = ("thompson", "greedy", "uniform")


class Variant(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    share: float
    model_version: str = ""
    ranker: dict[str, Any] = msgspec.field(default_factory=dict)
    offer_policy: str = ""
    holdout: bool = False


class Experiment(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    variants: list[Variant]
    surface: Literal["recommendations", "offers"] = "recommendations"
    start: datetime | None = None
    end: datetime | None = None

    def active(self, now: float) -> bool:
        return (self.start is None or _ts(self.start) <= now) and (self.end is None or now < _ts(self.end))


class ExperimentFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    experiments: list[Experiment] = msgspec.field(default_factory=list)


class Assignment(msgspec.Struct, frozen=True):
    """A customer's variant of one experiment."""

    experiment: str
    variant: Variant


def _ts(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def load_experiments(path: Path) -> Experiments:
    """Read and validate an experiments file; ValueError names the file, experiment and field."""
    try:
        parsed = msgspec.toml.decode(path.read_bytes(), type=ExperimentFile)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValueError(f"experiments file {path}: {exc}") from exc
    try:
        return Experiments(parsed.experiments)
    except ValueError as exc:
        raise ValueError(f"experiments file {path}: {exc}") from exc


class Experiments:
    """The declared experiments; `assign` answers a customer's variant on a surface at a time."""

    def __init__(self, experiments: list[Experiment]) -> None:
        for experiment in experiments:
            _validate(experiment)
        _no_overlaps(experiments)
        self.experiments = experiments

    def assign(self, customer_id: str | None, surface: str, now: float) -> Assignment | None:
        if not customer_id:
            return None
        for experiment in self.experiments:
            if experiment.surface == surface and experiment.active(now):
                point = unit_hash("experiment", experiment.name, customer_id)
                edge = 0.0
                for variant in experiment.variants:
                    edge += variant.share
                    if point < edge:
                        return Assignment(experiment.name, variant)
                return None
        return None


def _validate(experiment: Experiment) -> None:
    where = f"experiment {experiment.name!r}"
    if not experiment.variants:
        raise ValueError(f"{where}: no variants")
    names = [v.name for v in experiment.variants]
    if len(set(names)) != len(names) or not all(names):
        raise ValueError(f"{where}: variant names must be unique and non-empty, got {names}")
    if any(not 0.0 <= v.share <= 1.0 for v in experiment.variants):
        raise ValueError(f"{where}: every share must be between 0 and 1")
    if sum(v.share for v in experiment.variants) > 1.0 + 1e-9:
        raise ValueError(f"{where}: shares add up to more than 1")
    if experiment.start and experiment.end and _ts(experiment.end) <= _ts(experiment.start):
        raise ValueError(f"{where}: end must be after start")
    ranker_fields = {f.name for f in msgspec.structs.fields(RankerParams)}
    for v in experiment.variants:
        unknown = set(v.ranker) - ranker_fields
        if unknown:
            raise ValueError(f"{where}, variant {v.name!r}: unknown ranker fields {sorted(unknown)}")
        if v.offer_policy and v.offer_policy not in OFFER_POLICIES:
            raise ValueError(f"{where}, variant {v.name!r}: offer_policy must be one of {', '.join(OFFER_POLICIES)}")
        if experiment.surface == "offers" and (v.model_version or v.ranker):
            raise ValueError(f"{where}, variant {v.name!r}: an offers experiment varies offer_policy or holdout")


def _no_overlaps(experiments: list[Experiment]) -> None:
    """Two experiments on one surface must not run at the same time (a customer would be in both)."""
    for i, a in enumerate(experiments):
        for b in experiments[i + 1 :]:
            if a.name == b.name:
                raise ValueError(f"two experiments are named {a.name!r}")
            if a.surface != b.surface:
                continue
            a0, a1 = _ts(a.start) if a.start else float("-inf"), _ts(a.end) if a.end else float("inf")
            b0, b1 = _ts(b.start) if b.start else float("-inf"), _ts(b.end) if b.end else float("inf")
            if a0 < b1 and b0 < a1:
                raise ValueError(f"experiments {a.name!r} and {b.name!r} overlap in time on {a.surface}")
