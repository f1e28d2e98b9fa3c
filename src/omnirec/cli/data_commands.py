"""`omnirec sample-data` and the shared way every command reports a bad data folder."""

from __future__ import annotations

from itertools import zip_longest
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from omnirec.demo.offers import write_sample_offers
from omnirec.demo.retailer import write_sample_data
from omnirec.errors import DataError

DATA_ERROR_EXIT_CODE = 2


def report_data_error(exc: DataError) -> NoReturn:
    """Print a DataError in red to stderr and exit with code 2 (bad input, nothing was written)."""
    Console(stderr=True).print(f"[bold red]Data error:[/] [red]{escape(str(exc))}[/]", highlight=False, soft_wrap=True)
    raise typer.Exit(code=DATA_ERROR_EXIT_CODE)


def sample_data(
    out: Path = typer.Option(Path("data/sample"), "--out", help="Folder to write events/items/users CSVs into."),
    users: int = typer.Option(2000, "--users", min=1, help="Number of customers."),
    items: int = typer.Option(500, "--items", min=24, help="Number of products (at least one per category)."),
    days: int = typer.Option(120, "--days", min=1, help="Days of history."),
    seed: int = typer.Option(7, "--seed", help="Random seed; the same seed writes the same files."),
) -> None:
    """Write a synthetic omnichannel retailer (pets, DIY, home) as a data folder: no download needed.

    Writes events.csv, items.csv, users.csv and offers.toml (the next-best-offer catalogue).

    Customers shop on web, app, store, in-store tablet, email and call center; they buy consumables
    again on a cycle, durables once, items that go together, and sometimes return things.

    Example: omnirec sample-data --out data/sample
    """
    summary = write_sample_data(
        out, n_users=users, n_items=items, days=days, seed=seed, extra_writers=[write_sample_offers]
    )
    console = Console()
    console.print(
        f"[green]Wrote[/] {summary.n_events:,} events, {summary.n_items:,} items, "
        f"{summary.n_users:,} customers to [bold]{summary.folder}[/]"
    )
    table = Table("channel", "events", "event type", "events", box=None)
    rows = zip_longest(summary.channel_counts.items(), summary.event_counts.items(), fillvalue=("", 0))
    for (channel, n_channel), (event_type, n_type) in rows:
        table.add_row(channel, f"{n_channel:,}" if channel else "", event_type, f"{n_type:,}" if event_type else "")
    console.print(table)
    for extra in summary.extra_files:
        console.print(f"[green]Wrote[/] {extra}")
    console.print(
        f"Example customer with history in {len(summary.example_channels)} channels: "
        f"[bold]{summary.example_user}[/] ({', '.join(summary.example_channels)})"
    )
