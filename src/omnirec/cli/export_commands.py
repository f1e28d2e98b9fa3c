"""`omnirec export recommendations`: batch recommendations for the email system."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from omnirec.batch.recommendations import export_recommendations, read_user_ids
from omnirec.bundle import load_bundle
from omnirec.cli.search_settings import SETTINGS_HELP, load_search_config
from omnirec.errors import BundleError

console = Console(stderr=True)


def progress_bar(transient: bool = False) -> Progress:
    """The progress bar every long CLI job uses (to stderr, so stdout stays machine-readable)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
    )


def recommendations(
    model: Path = typer.Option(..., "--model", help="A bundle directory, or a models folder (its newest bundle)."),
    users: Path = typer.Option(..., "--users", help="Text file with one user id per line."),
    out: Path = typer.Option(..., "--out", help="Output JSON-lines file."),
    k: int = typer.Option(10, "--k", min=1, max=1000, help="Items per user."),
    channel: str = typer.Option("email", "--channel", help="Channel the list is for (availability, popularity)."),
    exclude: str = typer.Option("purchased", "--exclude", help="purchased | seen | none"),
    settings_file: Path | None = typer.Option(None, "--settings", help=SETTINGS_HELP),
) -> None:
    """Write k recommendations per user as JSON lines, scored exactly as the service scores them.

    Unknown users get the cold-start fallback (popular in the channel), not an error.

    Example: omnirec export recommendations --model models/ --users users.txt --k 10 --out recs.jsonl
    """
    if exclude not in ("purchased", "seen", "none"):
        raise typer.BadParameter("must be purchased, seen or none", param_hint="--exclude")
    search = load_search_config(settings_file)
    try:
        bundle = load_bundle(model)
        user_ids = read_user_ids(users)
    except BundleError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    except (OSError, UnicodeDecodeError) as exc:
        console.print(f"[red]error:[/red] cannot read the users file {users}: {exc}")
        raise typer.Exit(2) from exc
    if bundle.n_items >= search.ann_threshold:
        console.print(f"building the HNSW index of {bundle.n_items:,} items first (one thread, as the service does)")
    with progress_bar() as bar:
        task = bar.add_task("export recommendations", total=len(user_ids))
        summary = export_recommendations(
            bundle,
            user_ids,
            out,
            k=k,
            channel=channel,
            exclude=exclude,
            progress=lambda n: bar.advance(task, n),
            search=search,
        )
    console.print(
        f"wrote {summary.users} users ({summary.known_users} known to model {summary.model_version}) to {out}"
    )
    typer.echo(str(out))
