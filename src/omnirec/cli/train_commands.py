"""`omnirec train` and `omnirec evaluate`: thin CLI wrappers; the trainer (omnirec_train) is imported inside them.

Heavy imports (lightfm, scipy, implicit) happen inside the commands so the CLI starts fast.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import typer
from rich.console import Console
from rich.table import Table

from omnirec.cli.data_commands import DATA_ERROR_EXIT_CODE, report_data_error
from omnirec.cli.search_settings import SETTINGS_HELP, load_search_config
from omnirec.errors import DataError
from omnirec.training_config import TrainingConfig

METRICS = ("ndcg", "precision", "recall", "map", "hit_rate", "coverage")


def _config(config_file: Path | None, **overrides: int | None) -> TrainingConfig:
    try:
        config = TrainingConfig.load(config_file)
    except (OSError, ValueError) as exc:
        Console(stderr=True).print(f"[bold red]Config error:[/] {exc}", highlight=False)
        raise typer.Exit(code=DATA_ERROR_EXIT_CODE) from exc
    changes = {k: v for k, v in overrides.items() if v is not None}
    return msgspec.structs.replace(config, **changes) if changes else config


def train(
    data: Path = typer.Option(..., "--data", help="Data folder with events.csv(.gz) [items.csv, users.csv]."),
    out: Path = typer.Option(Path("models"), "--out", help="Models folder; the bundle goes in a new version dir."),
    config_file: Path | None = typer.Option(None, "--config", help="TrainingConfig TOML (defaults otherwise)."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (overrides the config)."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="LightFM epochs (overrides the config)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output; only the bundle path."),
    settings_file: Path | None = typer.Option(None, "--settings", help=SETTINGS_HELP),
) -> None:
    """Train the hybrid model and choose the ranker (LambdaRank trees or the blend), write a versioned bundle,
    print its path last.

    The ranker is chosen on the last validation_fraction of time, then the model is refitted on all data.

    Example: omnirec train --data data/sample --out models --epochs 20
    """
    from omnirec.data.loading import load_dataset
    from omnirec_train.pipeline import train_bundle

    err = Console(stderr=True, quiet=quiet)
    config = _config(config_file, seed=seed, epochs=epochs)
    search = load_search_config(settings_file)
    try:
        dataset = load_dataset(data, config, warn=lambda msg: err.print(f"[yellow]warning:[/] {msg}"))
    except DataError as exc:
        report_data_error(exc)
    err.print(f"{len(dataset.events):,} events from {data}")
    path = train_bundle(dataset, config, out, progress=not quiet, log=lambda msg: err.print(msg), search=search)
    print(path)


def evaluate(
    data: Path = typer.Option(..., "--data", help="Data folder with events.csv(.gz) [items.csv, users.csv]."),
    k: int = typer.Option(10, "--k", min=1, help="Length of each recommendation list."),
    report: Path | None = typer.Option(None, "--report", help="Folder for report.json, report.html, ndcg.png."),
    config_file: Path | None = typer.Option(None, "--config", help="TrainingConfig TOML (defaults otherwise)."),
    settings_file: Path | None = typer.Option(None, "--settings", help=SETTINGS_HELP),
) -> None:
    """Time-based holdout: train the shipped ranker and every baseline on the past, score later purchases.

    Example: omnirec evaluate --data data/sample --k 10 --report reports/sample
    """
    from omnirec.data.loading import load_dataset
    from omnirec_train.evaluate import RANKER
    from omnirec_train.evaluate import evaluate as run_evaluation

    console = Console()
    err = Console(stderr=True)
    config = _config(config_file)
    try:
        dataset = load_dataset(data, config, warn=lambda msg: err.print(f"[yellow]warning:[/] {msg}"))
    except DataError as exc:
        report_data_error(exc)
    search = load_search_config(settings_file)
    result = run_evaluation(dataset, config, k=k, report_dir=report, log=lambda msg: err.print(msg), search=search)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    tables = [("overall", result.overall)] + [(f"channel {c}", rows) for c, rows in result.per_channel.items()]
    for title, rows in tables:
        if not rows:
            continue
        n_users = int(next(iter(rows.values())).get("users", 0))
        headers = [f"{m}@{k}" if m != "coverage" else m for m in METRICS]
        table = Table("model", *headers, title=f"{title} ({n_users} customers)")
        for model, values in sorted(rows.items(), key=lambda kv: -kv[1].get("ndcg", 0.0)):
            style = "bold green" if model == RANKER else None
            table.add_row(model, *(f"{values.get(m, 0.0):.4f}" for m in METRICS), style=style)
        console.print(table)
    if result.overall:
        best, best_ndcg = result.best_baseline()
        ours = result.overall[RANKER]["ndcg"]
        lift = f"{(ours / best_ndcg - 1) * 100:+.1f}%" if best_ndcg > 0 else "n/a"
        console.print(f"NDCG@{k}: {RANKER} {ours:.4f} vs best baseline {best} {best_ndcg:.4f} ({lift})")
        ratio = result.comparison.get("ratio")
        if ratio:
            console.print(
                f"ratio to {best}: {ratio['estimate']:.3f}, 95 % interval [{ratio['low']:.3f}, {ratio['high']:.3f}]"
                f" over {int(result.overall[RANKER]['users'])} customers (paired bootstrap)"
            )
        for kind, rows in result.repeat_new.items():
            share = rows.get("_", {}).get("share", 0.0)
            ours_kind, theirs = rows.get(RANKER, {}).get("ndcg", 0.0), rows.get(best, {}).get("ndcg", 0.0)
            console.print(f"{kind} targets ({share:.0%}): ndcg@{k} {RANKER} {ours_kind:.4f} vs {best} {theirs:.4f}")
        recall = ", ".join(f"{g} {v:.3f}" for g, v in result.candidate_recall.items())
        console.print(f"candidate recall: {recall}")
        console.print(f"ranker: {result.ranker_params.get('validation', {}).get('ranker', 'blend')}")
    if report is not None:
        console.print(f"report: {report / 'report.html'}")
