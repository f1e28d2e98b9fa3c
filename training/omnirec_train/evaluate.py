"""Offline evaluation: a time-based holdout, the shipped ranker trained on the past, and the baselines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from omnirec.data.event_log import Dataset
from omnirec.training_config import TrainingConfig
from omnirec_train.baselines import all_baselines
from omnirec_train.bundle_builder import BuildOptions
from omnirec_train.interactions import IdMap
from omnirec_train.metrics import mean_metrics
from omnirec_train.pipeline import Log, _quiet, fit_ranker
from omnirec_train.ranker_eval import rank_users
from omnirec_train.report import write_report
from omnirec_train.split import time_split

RANKER = "omnirec"
TEST_FRACTION = 0.2


@dataclass(frozen=True)
class EvaluationResult:
    """Metrics per model overall ({model: {metric: value}}) and per channel ({channel: {model: ...}})."""

    k: int
    cutoff: int
    overall: dict[str, dict[str, float]]
    per_channel: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    ranker_params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    report_dir: Path | None = None

    def best_baseline(self) -> tuple[str, float]:
        scores = {m: v["ndcg"] for m, v in self.overall.items() if m != RANKER}
        name = max(scores, key=lambda m: scores[m]) if scores else ""
        return name, scores.get(name, 0.0)

    def to_json(self) -> dict[str, Any]:
        name, best = self.best_baseline()
        ours = self.overall.get(RANKER, {}).get("ndcg", 0.0)
        return {
            "k": self.k,
            "cutoff": self.cutoff,
            "overall": self.overall,
            "per_channel": self.per_channel,
            "ranker_params": self.ranker_params,
            "best_baseline": name,
            "ndcg_lift_over_best_baseline": (ours / best - 1.0) if best > 0 else None,
            "notes": self.notes,
        }


def evaluate(
    dataset: Dataset,
    config: TrainingConfig,
    k: int = 10,
    report_dir: Path | None = None,
    *,
    test_fraction: float = TEST_FRACTION,
    log: Log = _quiet,
) -> EvaluationResult:
    """Hold out the last `test_fraction` of time; score each known customer's later purchases and carts."""
    split = time_split(dataset.events, test_fraction)
    targets = split.targets()
    notes: list[str] = []
    if not targets:
        notes.append("no known customer bought or carted anything after the time cut: nothing to evaluate")
        result = EvaluationResult(k=k, cutoff=split.cutoff, overall={}, notes=notes, report_dir=report_dir)
        if report_dir is not None:
            write_report(result.to_json(), report_dir)
        return result
    span_days = (int(dataset.events.timestamps.max()) - int(dataset.events.timestamps.min())) / 86_400
    if span_days < 2:
        notes.append(f"the data spans {span_days * 24:.1f} hours: a time split is weak evidence here")
    log(f"holdout: {len(split.test)} target events of {len(targets)} customers after the cut")
    bundle = fit_ranker(dataset, split.train, config, BuildOptions(), log)
    items = IdMap.union(split.train.item_ids, dataset.items.ids if dataset.items is not None else None)
    models: dict[str, Any] = {}
    for baseline in all_baselines(config):
        log(f"fitting baseline {baseline.name}")
        baseline.fit(split.train, items, split.cutoff)
        models[baseline.name] = baseline

    def run(keys: list[tuple[str, str]], channel: str | None) -> dict[str, dict[str, float]]:
        users = [u for u, _ in keys]
        relevant = [set(targets_by[key]) for key in keys]
        out = {RANKER: mean_metrics(rank_users(bundle, users, split.cutoff, k, channel), relevant, k, len(items))}
        for name, model in models.items():
            recs = [model.recommend(u, k, channel) for u in users]
            out[name] = mean_metrics(recs, relevant, k, len(items))
        return out

    targets_by = targets
    overall = run(sorted(targets), None)
    per_channel: dict[str, dict[str, dict[str, float]]] = {}
    channels = np.unique(split.test.channels).tolist()
    if len(np.unique(dataset.events.channels)) > 1:
        targets_by = split.targets(by_channel=True)
        grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key in sorted(targets_by):
            grouped[key[1]].append(key)
        for channel in channels:
            log(f"channel {channel}: {len(grouped[channel])} customers")
            per_channel[channel] = run(grouped[channel], channel)
    result = EvaluationResult(
        k=k,
        cutoff=split.cutoff,
        overall=overall,
        per_channel=per_channel,
        ranker_params={
            "params": {f: getattr(bundle.manifest.ranker, f) for f in bundle.manifest.ranker.__struct_fields__},
            "validation": bundle.manifest.metrics,
        },
        notes=notes,
        report_dir=report_dir,
    )
    if report_dir is not None:
        write_report(result.to_json(), report_dir)
    return result
