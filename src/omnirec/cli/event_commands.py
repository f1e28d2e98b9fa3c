"""`omnirec export events`: the accepted events, appended to OUT/events.csv for the next training run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from omnirec.batch.events import EventExportSummary
from omnirec.batch.events import export_events as run_export
from omnirec.cli.store_commands import PREFIX_OPTION, STORE_OPTION, fail, key_prefix, persistent_store, store_password
from omnirec.errors import ExportStateError, StoreUnavailable
from omnirec.store.factory import open_store

console = Console(stderr=True)


def export_events(
    store: str | None = STORE_OPTION,
    out: Path = typer.Option(..., "--out", help="Data folder; events.csv there grows run after run."),
    prefix: str | None = PREFIX_OPTION,
    page_size: int = typer.Option(5000, "--page-size", min=1, help="Events read from the store per page."),
    max_events: int = typer.Option(0, "--max-events", min=0, help="Stop after this many (0 = all there are)."),
    timeout_ms: int = typer.Option(5000, "--timeout-ms", min=1, help="Bound on each store call."),
) -> None:
    """Append the events accepted since the last export to OUT/events.csv, each event exactly once.

    The position is kept in OUT/.export-position and saved only after the rows are on disk; an
    interrupted run is completed by the next one without duplicates. OUT is a valid data folder for
    `omnirec train --data OUT`. Offer feedback events are skipped (not item interactions).

    Example: omnirec export events --store redis://127.0.0.1:6379/0 --out data/live
    """
    url = persistent_store(store, "export events")
    try:
        summary = asyncio.run(_run(url, out, key_prefix(prefix), page_size, max_events or None, timeout_ms))
    except (StoreUnavailable, ExportStateError, ValueError) as exc:
        fail(str(exc))
    note = f", skipped {summary.skipped:,} offer events" if summary.skipped else ""
    if summary.duplicates:
        note += f", dropped {summary.duplicates:,} repeated log entries (event_id already exported)"
    if summary.dropped_bytes:
        note += f", re-exported the uncommitted tail of an interrupted run ({summary.dropped_bytes:,} bytes)"
    console.print(f"exported {summary.written:,} new events{note}; {summary.total:,} in {summary.path}")
    typer.echo(str(summary.path))


async def _run(
    url: str, out: Path, prefix: str, page_size: int, max_events: int | None, timeout_ms: int
) -> EventExportSummary:
    feature_store = open_store(url, prefix=prefix, timeout_ms=timeout_ms, password=store_password())
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("[bold]export events[/bold] {task.completed:,} read"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("export events", total=None)
            return await run_export(
                feature_store,
                out,
                page_size=page_size,
                max_events=max_events,
                progress=lambda n: bar.advance(task, n),
            )
    finally:
        await feature_store.close()
