"""`omnirec customers import`: customer features and consent from users.csv into a feature store."""

from __future__ import annotations

from pathlib import Path

import typer

from omnirec.cli.export_commands import progress_bar
from omnirec.cli.store_commands import PREFIX_OPTION, STORE_OPTION, persistent_store, run_with_store
from omnirec.customer_profiles import import_profiles
from omnirec.store.protocol import FeatureStore


def import_customers(
    path: Path = typer.Argument(..., help="users.csv(.gz), or a data folder holding it."),
    store: str | None = STORE_OPTION,
    prefix: str | None = PREFIX_OPTION,
) -> None:
    """Load customer features (segment, region, home_store...) and consent flags into a store.

    Columns named consent_<purpose> (true/false) become consent flags, e.g. consent_email,
    consent_personalization; every other column becomes a customer feature. The whole file is validated
    before anything is written.

    Example: omnirec customers import data/sample/users.csv --store redis://localhost:6379/0
    """
    url = persistent_store(store, "customers import")
    with progress_bar() as bar:
        task = bar.add_task("import customers", total=None)

        async def action(opened: FeatureStore) -> int:
            return await import_profiles(
                opened, path, lambda done, total: bar.update(task, completed=done, total=total)
            )

        count = run_with_store(url, prefix, action)
    typer.echo(f"imported {count} customers from {path}")
