"""ValidationPool: the (customer, window) query groups of one or more validation windows, pooled for the ranker choice.

Each ValidationWindow is one time cut with its own probe bundle, fitted only on events before the cut, and
the items each known customer bought after it. A customer with targets in several windows is one query
group per window; groups keep their own window's catalogue and cut, so a feature never sees its target.
Held-out groups are chosen by customer (every HOLDOUT_EVERY-th customer in sorted order, all of that
customer's windows together): a customer's later window never judges a blend fitted on their earlier one.
With one window a group is a customer, keyed by its id, exactly as before pooling.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import msgspec
import numpy as np

from omnirec.bundle.format import ModelBundle
from omnirec.scoring import Catalog
from omnirec_train.ranker_eval import UserComponents, collect_components

HOLDOUT_EVERY = 5  # every 5th validation customer judges the candidates (20 %)


@dataclass(frozen=True)
class ValidationWindow:
    """One validation cut: a bundle fitted only on events before `now`, and targets from `now` on."""

    bundle: ModelBundle
    catalog: Catalog  # the bundle's catalogue with the search that export and the service use
    targets: Mapping[str, set[str]]  # customer id -> item ids bought from `now` on (until the next later cut)
    now: int

    @classmethod
    def of(
        cls, bundle: ModelBundle, targets: Mapping[str, set[str]], now: int, catalog: Catalog | None = None
    ) -> ValidationWindow:
        return cls(bundle, catalog or Catalog.from_bundle(bundle), targets, now)


class ValidationPool:
    """Query groups of every window, window by window and customers sorted within each; at most `cap`
    groups (a seeded sample) so memory and time stay bounded however large the shop."""

    def __init__(self, windows: Sequence[ValidationWindow], k: int, cap: int, seed: int) -> None:
        groups = [(w, u) for w, window in enumerate(windows) for u in sorted(window.targets) if window.targets[u]]
        if len(groups) > cap:
            keep = np.random.default_rng(seed).choice(len(groups), cap, replace=False)
            groups = [groups[i] for i in np.sort(keep)]
        self.windows, self.k, self.groups = windows, k, groups
        self.keys = [u if w == 0 else f"{u}\x1f{w}" for w, u in groups]
        # Items the window's bundle does not know cannot be found but still count against the ideal.
        self.targets: dict[str, set[int]] = {
            key: {windows[w].catalog.index.get(item, -1 - j) for j, item in enumerate(sorted(windows[w].targets[u]))}
            for key, (w, u) in zip(self.keys, groups, strict=True)
        }
        customers = sorted({u for _, u in groups})
        position = {u: i for i, u in enumerate(customers)}
        self.n_customers = len(customers)
        self.held_out = np.array([position[u] % HOLDOUT_EVERY == 0 for _, u in groups], dtype=bool)
        self._found: dict[float, list[UserComponents]] = {}

    def __len__(self) -> int:
        return len(self.groups)

    @property
    def n_windows(self) -> int:
        return len({w for w, _ in self.groups})

    def components(self, half_life: float) -> list[UserComponents]:
        """Every group's candidates and features with this history half-life, in group order (cached)."""
        if half_life not in self._found:
            found: list[UserComponents] = []
            for w, window in enumerate(self.windows):
                users = [u for g, u in self.groups if g == w]
                if not users:
                    continue
                params = msgspec.structs.replace(window.catalog.params, history_half_life_days=half_life)
                catalog = dataclasses.replace(window.catalog, params=params)
                comps = collect_components(catalog, window.bundle, users, window.now, self.k)
                found += [c if w == 0 else dataclasses.replace(c, user=f"{c.user}\x1f{w}") for c in comps]
            self._found[half_life] = found
        return self._found[half_life]

    def split(self, comps: Sequence[UserComponents]) -> tuple[list[UserComponents], list[UserComponents]]:
        """(fitted, held out) groups of `comps` (in group order)."""
        fitted = [c for c, held in zip(comps, self.held_out, strict=True) if not held]
        return fitted, [c for c, held in zip(comps, self.held_out, strict=True) if held]
