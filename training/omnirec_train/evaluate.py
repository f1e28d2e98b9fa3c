"""Offline evaluation: a time-based holdout, the shipped ranker trained on the past, and the baselines.

Besides the mean metrics, the result carries what a reader needs to trust them: the dataset, the cut-off
and the sizes of each part, metric definitions, bootstrap intervals over customers for every metric and for
the ranker against the best baseline, the metrics split into repeat targets (items already in the
customer's history) and new ones, and each candidate generator's recall.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from omnirec.bundle.format import ModelBundle
from omnirec.data.event_log import Dataset
from omnirec.scoring.search_config import DEFAULT_SEARCH, SearchConfig
from omnirec.training_config import TrainingConfig
from omnirec_train.baselines import all_baselines
from omnirec_train.bundle_builder import BuildOptions
from omnirec_train.interactions import IdMap
from omnirec_train.metrics import DEFINITIONS, mean_metrics, per_user_metrics
from omnirec_train.pipeline import Log, _quiet, fit_ranker
from omnirec_train.ranker_eval import candidate_recall, rank_users
from omnirec_train.report import write_report
from omnirec_train.split import TimeSplit, time_split
from omnirec_train.uncertainty import RESAMPLES, compare, mean_interval

RANKER = "omnirec"
TEST_FRACTION = 0.2
INTERVAL_NOTE = (
    f"95 % bootstrap percentile interval over customers ({RESAMPLES} resamples, fixed seed); the comparison "
    "with the best baseline resamples the same customers for both (paired)"
)


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
    dataset: dict[str, Any] = field(default_factory=dict)  # name, cut-off, sizes of train/validation/test
    intervals: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # model -> metric -> CI
    comparison: dict[str, Any] = field(default_factory=dict)  # ours vs the best baseline (paired bootstrap)
    repeat_new: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # split -> model -> metrics
    candidate_recall: dict[str, float] = field(default_factory=dict)  # generator -> mean share of targets
    bundle: ModelBundle | None = field(default=None, repr=False, compare=False)  # the evaluated model

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
            "dataset": self.dataset,
            "metric_definitions": {**DEFINITIONS, "interval": INTERVAL_NOTE},
            "intervals": self.intervals,
            "comparison": self.comparison,
            "repeat_new": self.repeat_new,
            "candidate_recall": self.candidate_recall,
        }


def evaluate(
    dataset: Dataset,
    config: TrainingConfig,
    k: int = 10,
    report_dir: Path | None = None,
    *,
    test_fraction: float = TEST_FRACTION,
    log: Log = _quiet,
    search: SearchConfig = DEFAULT_SEARCH,
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
    bundle = fit_ranker(dataset, split.train, config, BuildOptions(search=search), log)
    items = IdMap.union(split.train.item_ids, dataset.items.ids if dataset.items is not None else None)
    models: dict[str, Any] = {}
    for baseline in all_baselines(config):
        log(f"fitting baseline {baseline.name}")
        baseline.fit(split.train, items, split.cutoff)
        models[baseline.name] = baseline

    lists: dict[str, list[list[str]]] = {}

    def run(keys: list[tuple[str, str]], channel: str | None) -> dict[str, dict[str, float]]:
        users = [u for u, _ in keys]
        relevant = [set(targets_by[key]) for key in keys]
        recs = {RANKER: rank_users(bundle, users, split.cutoff, k, channel, search=search)}
        recs.update({name: [model.recommend(u, k, channel) for u in users] for name, model in models.items()})
        if channel is None:
            lists.update(recs)
        return {name: mean_metrics(rec, relevant, k, len(items)) for name, rec in recs.items()}

    targets_by = targets
    keys = sorted(targets)
    overall = run(keys, None)
    log("bootstrap intervals, repeat/new split and candidate recall")
    relevant = [set(targets[key]) for key in keys]
    per_user = {name: per_user_metrics(rec, relevant, k) for name, rec in lists.items()}
    intervals = {
        name: {metric: mean_interval(values).to_json() for metric, values in metrics.items()}
        for name, metrics in per_user.items()
    }
    best_name = max((m for m in overall if m != RANKER), key=lambda m: overall[m]["ndcg"])
    comparison = {
        "baseline": best_name,
        "metric": f"ndcg@{k}",
        **compare(per_user[RANKER]["ndcg"], per_user[best_name]["ndcg"]).to_json(),
    }
    repeat_new = _repeat_new(split, keys, lists, k)
    recall = candidate_recall(bundle, [(u, set(targets[(u, c)])) for u, c in keys], split.cutoff, k, search=search)
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
    validation = bundle.manifest.metrics
    facts = {
        "name": Path(str(dataset.source)).name,
        "source": str(dataset.source),
        "cutoff": datetime.fromtimestamp(split.cutoff, UTC).isoformat(timespec="seconds"),
        "events": len(dataset.events),
        "train_events": len(split.train),
        "test_events": len(split.test),
        "test_customers": len(keys),
        "validation_customers": validation.get("validation_users", 0),
        "heldout_validation_customers": validation.get("heldout_users", 0),
        "test_fraction": test_fraction,
    }
    result = EvaluationResult(
        k=k,
        cutoff=split.cutoff,
        overall=overall,
        per_channel=per_channel,
        ranker_params={
            "params": {
                f: getattr(bundle.manifest.ranker, f)
                for f in bundle.manifest.ranker.__struct_fields__
                if f != "trees"  # the ensemble itself is in the bundle; the report says its size
            },
            "validation": bundle.manifest.metrics,
        },
        notes=notes,
        report_dir=report_dir,
        dataset=facts,
        intervals=intervals,
        comparison=comparison,
        repeat_new=repeat_new,
        candidate_recall=recall,
        bundle=bundle,
    )
    if report_dir is not None:
        write_report(result.to_json(), report_dir)
    return result


def _repeat_new(
    split: TimeSplit, keys: list[tuple[str, str]], lists: dict[str, list[list[str]]], k: int
) -> dict[str, dict[str, dict[str, float]]]:
    """NDCG and recall per model over repeat targets (in the customer's training events) and new ones.

    Each part counts only the customers with at least one target of that kind, and measures the list
    against that kind alone (its ideal DCG too); `share` is that kind's part of all targets.
    """
    seen: dict[str, set[str]] = defaultdict(set)
    for user, item in zip(split.train.user_ids.tolist(), split.train.item_ids.tolist(), strict=True):
        seen[user].add(item)
    targets = split.targets()
    out: dict[str, dict[str, dict[str, float]]] = {}
    total = sum(len(targets[key]) for key in keys) or 1
    for kind in ("repeat", "new"):
        parts = [
            (i, targets[key] & seen[key[0]] if kind == "repeat" else targets[key] - seen[key[0]])
            for i, key in enumerate(keys)
        ]
        parts = [(i, part) for i, part in parts if part]
        out[kind] = {"_": {"customers": float(len(parts)), "share": sum(len(p) for _, p in parts) / total}}
        for name, recs in lists.items():
            metrics = per_user_metrics([recs[i] for i, _ in parts], [p for _, p in parts], k)
            out[kind][name] = {m: float(metrics[m].mean()) if parts else 0.0 for m in ("ndcg", "recall")}
    return out
