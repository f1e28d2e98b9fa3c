"""The steps of `omnirec demo`, one function each, so each can be read (and tested) on its own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from omnirec.batch.recommendations import export_recommendations
from omnirec.bundle.format import ModelBundle
from omnirec.bundle.io import save_bundle
from omnirec.cli.data_commands import report_data_error
from omnirec.data.loading import load_dataset
from omnirec.demo.offers import write_sample_offers
from omnirec.demo.retailer import SampleSummary, write_sample_data
from omnirec.errors import DataError
from omnirec.training_config import TrainingConfig

EXPORT_USERS = 100


@dataclass(frozen=True)
class DemoPaths:
    workdir: Path
    models: Path

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    @property
    def report(self) -> Path:
        return self.workdir / "report"

    @property
    def email_export(self) -> Path:
        return self.workdir / "email_recommendations.jsonl"


def sample_step(paths: DemoPaths, users: int, console: Console) -> SampleSummary:
    console.rule("1/4 sample data")
    summary = write_sample_data(paths.data, n_users=users, extra_writers=[write_sample_offers])
    console.print(
        f"{summary.n_events:,} events, {summary.n_items} items, {summary.n_users:,} customers in {paths.data}"
    )
    return summary


def _config(epochs: int) -> TrainingConfig:
    return TrainingConfig(epochs=epochs)


def evaluate_and_train_step(paths: DemoPaths, epochs: int, console: Console) -> Path:
    """Evaluate on a time-based holdout and keep the model that was evaluated: one training run, not two.

    The bundle served is the one trained on the events before the holdout cut (what the report measured);
    `omnirec train` fits the same way on every event.
    """
    from omnirec_train.evaluate import evaluate  # the trainer (and lightfm) only when training runs

    console.rule("2/4 train and evaluate on a time-based holdout")
    config = _config(epochs)
    try:
        dataset = load_dataset(paths.data, config, warn=lambda msg: console.print(f"[yellow]warning:[/] {msg}"))
    except DataError as exc:
        report_data_error(exc)
    result = evaluate(dataset, config, k=10, report_dir=paths.report, log=lambda msg: console.print(msg))
    table = Table("model", "ndcg@10", "95 % interval", "recall@10", "hit_rate@10", title="overall", box=None)
    for model, metrics in sorted(result.overall.items(), key=lambda kv: -kv[1].get("ndcg", 0.0)):
        ci = result.intervals.get(model, {}).get("ndcg", {})
        interval = f"[{ci['low']:.3f}, {ci['high']:.3f}]" if ci else ""
        table.add_row(
            model,
            f"{metrics.get('ndcg', 0.0):.4f}",
            interval,
            *(f"{metrics.get(m, 0.0):.4f}" for m in ("recall", "hit_rate")),
        )
    console.print(table)
    console.print(f"report: {paths.report / 'report.html'}")
    if result.bundle is None:
        console.print("[red]nothing to evaluate: no customer bought after the holdout cut[/]")
        raise SystemExit(1)
    bundle_path = save_bundle(result.bundle, paths.models)
    console.print(f"bundle: {bundle_path} (the evaluated model; `omnirec train` fits every event)")
    return bundle_path


def export_step(paths: DemoPaths, bundle: ModelBundle, console: Console) -> None:
    console.rule("3/4 export email recommendations")
    users = bundle["user_ids"][:EXPORT_USERS].tolist()
    summary = export_recommendations(bundle, users, paths.email_export, k=5, channel="email")
    console.print(f"{summary.users} customers -> {summary.path}")
    with summary.path.open(encoding="utf-8") as fh:
        console.print(f"first line: {fh.readline().strip()[:300]}")


def serve_step(
    bundle_path: Path, paths: DemoPaths, example_user: str, example_item: str, host: str, port: int, console: Console
) -> None:
    from omnirec.cli.serve_commands import serve_bundle

    console.rule("4/4 serve")
    base = f"http://{host}:{port}"
    console.print("Try these while it runs (Ctrl+C stops it):")
    for call in example_calls(base, example_user, example_item):
        console.print(f"  {call}", highlight=False, soft_wrap=True)
    data = paths.data
    serve_bundle(bundle_path, host=host, port=port, offers=data / "offers.toml", customers=data / "users.csv")


def example_calls(base: str, user: str, item: str) -> list[str]:
    """curl calls for a real customer and product of the sample data."""
    event = (
        f'{{"user_id": "{user}", "item_id": "{item}", "event_type": "view", "channel": "tablet", "store_id": "S01"}}'
    )
    return [
        f"curl '{base}/v1/users/{user}/recommendations?k=5&channel=web&explain=true'",
        f"curl '{base}/v1/items/{item}/similar?k=5&user_id={user}'",
        f"curl -X POST {base}/v1/events -H 'content-type: application/json' -d '{event}'",
        f"curl '{base}/v1/users/{user}/recommendations?k=5&channel=web&explain=true'   # changed by the tablet view",
        f"curl '{base}/v1/users/{user}/next-best-offer?channel=email&n=2'",
        f"curl '{base}/v1/models/active'",
        f"curl '{base}/health/ready'",
    ]
