"""`omnirec publish`, `omnirec models` and `omnirec activate`: model versions in a feature store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from omnirec.bundle import load_bundle, resolve_bundle_path
from omnirec.cli.export_commands import progress_bar
from omnirec.errors import OmnirecError
from omnirec.publishing import publish_bundle
from omnirec.settings import Settings
from omnirec.store.factory import open_store
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import VersionInfo

STORE_ERROR_EXIT_CODE = 2
CLI_TIMEOUT_MS = 30_000  # bulk writes of 8 MB parts need far more than the service's per-request budget
T = TypeVar("T")

STORE_OPTION = typer.Option(
    None,
    "--store",
    show_default=False,
    help="Store URL: redis://host:6379/0, rediss://... or redis+cluster://host:7000 (default: the settings' "
    "store_url, OMNIREC_STORE_URL).",
)
PREFIX_OPTION = typer.Option(
    None, "--prefix", show_default=False, help="Key prefix in the store (default: the settings' key_prefix, omnirec)."
)


def fail(message: str) -> NoReturn:
    """Print the message as written (no markup, no wrapping) after "Error:" and exit with code 2."""
    Console(stderr=True).print(f"[bold red]Error:[/] [red]{escape(message)}[/]", highlight=False, soft_wrap=True)
    raise typer.Exit(code=STORE_ERROR_EXIT_CODE)


def cli_settings() -> Settings:
    """Settings.from_env() (OMNIREC_* variables, OMNIREC_SETTINGS_FILE); an invalid value is a one-line error."""
    try:
        return Settings.from_env()
    except ValueError as exc:
        fail(str(exc))


def required_store(url: str | None, command: str) -> str:
    """The store URL given by --store or the settings (OMNIREC_STORE_URL); a one-line error when there is none."""
    if not url and Settings.store_given():
        url = cli_settings().store_url
    if not url:
        fail(f"{command} needs a store: pass --store redis://host:6379/0 or set OMNIREC_STORE_URL")
    return url


def persistent_store(url: str | None, command: str) -> str:
    """The URL of a store that outlives this command; a one-line error for none or memory://."""
    url = required_store(url, command)
    if url.strip().lower().startswith("memory"):
        fail(
            f"{command} would write into memory://, which lives only in this command's process: nothing would "
            "persist. Pass --store redis://host:6379/0 (or set OMNIREC_STORE_URL); to try a bundle without Redis, "
            "run `omnirec serve --model models/`"
        )
    return url


def store_password() -> str:
    """Settings.redis_password (OMNIREC_REDIS_PASSWORD or OMNIREC_SETTINGS_FILE), for a URL without one."""
    return cli_settings().redis_password.reveal()


def key_prefix(prefix: str | None) -> str:
    """--prefix, else the settings' key_prefix (OMNIREC_KEY_PREFIX)."""
    return prefix if prefix is not None else cli_settings().key_prefix


def run_with_store(
    url: str, prefix: str | None, action: Callable[[FeatureStore], Awaitable[T]], timeout_ms: int = CLI_TIMEOUT_MS
) -> T:
    """Open the store, run `action`, close it; domain and URL errors become a message and exit code 2."""

    async def main() -> T:
        store = open_store(url, prefix=key_prefix(prefix), timeout_ms=timeout_ms, password=store_password())
        try:
            return await action(store)
        finally:
            await store.close()

    try:
        return asyncio.run(main())
    except (OmnirecError, ValueError) as exc:
        fail(str(exc))


def publish(
    path: Path = typer.Argument(..., help="A bundle folder, or a models folder (its newest bundle is used)."),
    store: str | None = STORE_OPTION,
    prefix: str | None = PREFIX_OPTION,
    no_activate: bool = typer.Option(False, "--no-activate", help="Load and seal the version, do not serve it yet."),
    batch_size: int = typer.Option(2000, "--batch-size", min=1, help="Rows per pipelined write."),
    keep_versions: int = typer.Option(3, "--keep-versions", min=0, help="Older versions kept besides the active."),
) -> None:
    """Load a trained bundle into a feature store as a new version, verify it, and activate it.

    A publish that is interrupted never becomes active; the next publish cleans it up.

    Examples:
      omnirec publish models/ --store redis://localhost:6379/0
      omnirec publish models/20261125T043512Z-1a2b3c4d --store redis+cluster://10.0.0.5:7000 --no-activate
    """
    url = persistent_store(store, "publish")
    try:
        bundle = load_bundle(resolve_bundle_path(path))
    except OmnirecError as exc:
        fail(str(exc))
    with progress_bar(transient=True) as bar:
        task = bar.add_task(f"publishing {bundle.version}", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        async def action(opened: FeatureStore) -> VersionInfo:
            return await publish_bundle(
                bundle,
                opened,
                activate=not no_activate,
                batch_size=batch_size,
                progress=step,
                keep_versions=keep_versions,
            )

        info = run_with_store(url, prefix, action)
    state = "published (not active)" if no_activate else "published and active"
    Console().print(f"[green]{state}:[/] [bold]{bundle.version}[/] ({_size(info.bytes)})")


def models(store: str | None = STORE_OPTION, prefix: str | None = PREFIX_OPTION) -> None:
    """List the model versions in a feature store; the active one is marked with *.

    Example: omnirec models --store redis://localhost:6379/0
    """
    store = required_store(store, "models")

    async def action(opened: FeatureStore) -> tuple[list[VersionInfo], str | None]:
        return await opened.list_versions(), await opened.active_version()

    versions, active = run_with_store(store, prefix, action)
    table = Table("", "state", "items", "users", "size", "created", "published", "metrics")
    table.add_column("version", no_wrap=True)
    for v in versions:
        metrics = ", ".join(f"{k}={val:.4g}" for k, val in sorted(v.metrics.items()))
        marker = "*" if v.version == active else ""
        table.add_row(
            marker,
            v.version,
            v.state,
            f"{v.n_items:,}",
            f"{v.n_users:,}",
            _size(v.bytes),
            v.created_at,
            _when(v.published_at),
            metrics,
        )
    Console().print(table if versions else "No model versions in this store; run `omnirec publish` first.")


def activate(
    version: str = typer.Argument(..., help="The version to serve (see `omnirec models`)."),
    store: str | None = STORE_OPTION,
    prefix: str | None = PREFIX_OPTION,
) -> None:
    """Serve another ready version: an atomic switch, also the way to roll back.

    Example: omnirec activate 20261125T043512Z-1a2b3c4d --store redis://localhost:6379/0
    """

    async def action(opened: FeatureStore) -> str | None:
        previous = await opened.active_version()
        await opened.activate(version)
        return previous

    previous = run_with_store(persistent_store(store, "activate"), prefix, action)
    Console().print(f"[green]active:[/] [bold]{version}[/] (was {previous or 'none'})")


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
