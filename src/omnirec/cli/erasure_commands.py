"""`omnirec export erasures`: cut the rows of erased customers out of export files written earlier."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console

from omnirec.batch.erasures import erased_digests, filter_events_csv, filter_jsonl
from omnirec.batch.events import apply_erasures
from omnirec.cli.store_commands import key_prefix as resolve_prefix
from omnirec.cli.store_commands import store_password
from omnirec.errors import ExportStateError, StoreUnavailable
from omnirec.store.factory import open_store

console = Console(stderr=True)


def export_erasures(
    paths: list[Path] = typer.Argument(..., help="Events folders (of `export events`), offers .jsonl, events .csv."),
    store: str = typer.Option(..., "--store", help="Feature store URL: redis://host:6379/0, redis+cluster://..."),
    key_prefix: str | None = typer.Option(
        None, "--key-prefix", show_default=False, help="Key prefix the service writes under (default: the settings')."
    ),
    timeout_ms: int = typer.Option(5000, "--timeout-ms", min=1, help="Bound on each store call."),
) -> None:
    """Apply the store's erasure journal to export files: rows of erased customers (and linked ids) go.

    Run it for every export file kept outside the store (offers sent to the email system, event folders),
    e.g. daily; `omnirec export events` applies the journal to its own folder at the start of every run.

    Example: omnirec export erasures campaigns/offers-2026-12-01.jsonl data/live --store redis://127.0.0.1:6379/0
    """
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise typer.BadParameter(f"not found: {', '.join(missing)}", param_hint="PATHS")
    try:
        removed = asyncio.run(_run(store, resolve_prefix(key_prefix), timeout_ms, paths))
    except (StoreUnavailable, ExportStateError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    except ValueError as exc:  # a file that is not an export (not CSV with user_id, not JSON lines)
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    for path, count in removed.items():
        console.print(f"{path}: removed {count:,} rows of erased customers")


async def _run(url: str, prefix: str, timeout_ms: int, paths: list[Path]) -> dict[Path, int]:
    feature_store = open_store(url, prefix=prefix, timeout_ms=timeout_ms, password=store_password())
    try:
        digests, _ = await erased_digests(feature_store)
        removed: dict[Path, int] = {}
        for path in paths:
            if path.is_dir():
                removed[path] = await apply_erasures(feature_store, path)
            elif path.suffix == ".jsonl":
                removed[path] = filter_jsonl(path, digests)
            else:
                removed[path] = filter_events_csv(path, digests)
        return removed
    finally:
        await feature_store.close()
