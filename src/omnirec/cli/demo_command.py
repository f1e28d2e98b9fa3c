"""`omnirec demo`: the whole job on the embedded store, from sample data to a running service."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from omnirec.bundle import load_bundle
from omnirec.bundle.format import ModelBundle
from omnirec.cli.demo_steps import DemoPaths, evaluate_and_train_step, export_step, sample_step, serve_step

console = Console(stderr=True)


def demo(
    workdir: Path = typer.Option(Path("demo-output"), "--workdir", help="Where sample data, report and exports go."),
    models_dir: Path = typer.Option(Path("models"), "--models", help="Where the trained bundle is written."),
    users: int = typer.Option(2000, "--users", min=50, help="Customers in the sample retailer."),
    epochs: int = typer.Option(20, "--epochs", min=1, help="LightFM training epochs."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="End by serving the model over HTTP."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Run omnirec end to end on the embedded store: sample data, train + evaluate, export, serve.

    1. writes a synthetic omnichannel retailer to WORKDIR/data;
    2. trains on the events before a time cut and evaluates the ranker against the baselines on the
       events after it (WORKDIR/report), then writes that very model as a bundle to MODELS;
    3. exports email recommendations for 100 customers to WORKDIR/email_recommendations.jsonl;
    4. publishes the bundle into the embedded store and serves it without API keys (local use only),
       printing example curl calls for a real sample customer. Stop it with Ctrl+C.

    Example: omnirec demo --workdir demo-output --port 8000
    """
    paths = DemoPaths(workdir=workdir, models=models_dir)
    summary = sample_step(paths, users, console)
    bundle_path = evaluate_and_train_step(paths, epochs, console)
    bundle = load_bundle(bundle_path)
    export_step(paths, bundle, console)
    if not serve:
        console.print("[yellow]--no-serve: stopping before serving.[/] Serve later with:")
        console.print(f"  omnirec serve --model {bundle_path} --no-auth")
        typer.echo(str(bundle_path))
        return
    serve_step(
        bundle_path, paths, summary.example_user, example_item(bundle, summary.example_user), host, port, console
    )


def example_item(bundle: ModelBundle, user: str) -> str:
    """A product the example customer has not interacted with yet (for the tablet-view example)."""
    users = bundle["user_ids"].tolist()
    seen: set[int] = set()
    if user in users:
        u = users.index(user)
        start, end = bundle["history_indptr"][u : u + 2].tolist()
        seen = set(bundle["history_items"][start:end].tolist())
    fresh = [i for i in range(bundle.n_items) if i not in seen and bundle["item_has_interactions"][i]]
    return str(bundle["item_ids"][fresh[len(fresh) // 2] if fresh else 0])
