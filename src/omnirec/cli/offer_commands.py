"""`omnirec offers publish` and `omnirec export offers`: the offer catalogue and next-best-offer batches."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from omnirec.batch.offers import ExportSummary
from omnirec.batch.offers import export_offers as run_export
from omnirec.bundle import load_bundle
from omnirec.bundle.format import MANIFEST_ARRAY, manifest_from_array
from omnirec.cli.export_commands import progress_bar
from omnirec.cli.store_commands import PREFIX_OPTION, STORE_OPTION, fail, persistent_store, run_with_store
from omnirec.errors import BundleError, OmnirecError
from omnirec.offers.catalog import OfferCatalog, decode_offer_catalog, encode_offer_catalog, load_offer_catalog
from omnirec.scoring import Catalog
from omnirec.scoring.catalog import CATALOG_ARRAYS
from omnirec.store.protocol import FeatureStore

console = Console(stderr=True)


def publish_offers(
    file: Path = typer.Argument(..., help="Offer file (.toml or .json)."),
    store: str | None = STORE_OPTION,
    prefix: str | None = PREFIX_OPTION,
) -> None:
    """Validate an offer file and make it the store's offer catalogue (replaces the previous one atomically).

    Example: omnirec offers publish data/sample/offers.toml --store redis://localhost:6379/0
    """
    url = persistent_store(store, "offers publish")
    try:
        offers = load_offer_catalog(file)
    except OmnirecError as exc:
        fail(str(exc))

    async def action(opened: FeatureStore) -> list[str]:
        model = await _active_model(opened)
        await opened.put_offer_catalog(encode_offer_catalog(offers))
        return unknown_references(offers, model) if model is not None else []

    for warning in run_with_store(url, prefix, action):
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", soft_wrap=True)
    console.print(f"published {len(offers.offers)} offers from {file}")


def export_offers(
    channel: str = typer.Option("email", "--channel", help="Channel (and consent purpose) of the campaign."),
    out: Path = typer.Option(..., "--out", help="Output JSON-lines file."),
    store: str | None = STORE_OPTION,
    model: Path | None = typer.Option(
        None, "--model", help="Bundle (or models folder) to score with; default: the store's active model."
    ),
    n: int = typer.Option(1, "--n", min=1, max=20, help="Offers per customer (mandatory messages come on top)."),
    prefix: str | None = PREFIX_OPTION,
) -> None:
    """Write each consenting customer's best offers as JSON lines, taking impressions (caps, fatigue, budgets).

    Example: omnirec export offers --channel email --out offers.jsonl --store redis://localhost:6379/0
    """
    url = persistent_store(store, "export offers")
    catalog: Catalog | None = None
    if model is not None:
        try:
            catalog = Catalog.from_bundle(load_bundle(model))
        except BundleError as exc:
            fail(str(exc))

    async def action(opened: FeatureStore) -> ExportSummary:
        payload = await opened.get_offer_catalog()
        if payload is None:
            fail("the store has no offer catalogue: publish one with `omnirec offers publish offers.toml`")
        offers = decode_offer_catalog(payload)
        scoring = catalog or await _active_model(opened)
        if scoring is None:
            console.print("[yellow]warning:[/yellow] no active model: offers ranked without model affinity")
        with progress_bar() as bar:
            task = bar.add_task(f"export {channel} offers", total=None)
            return await run_export(opened, offers, scoring, channel, out, lambda k: bar.advance(task, k), n=n)

    summary = run_with_store(url, prefix, action)
    console.print(
        f"{summary.written} customers with offers ({summary.offers} offers) out of {summary.consenting} consenting "
        f"/ {summary.scanned} scanned in {summary.seconds:.1f} s ({summary.per_second:,.0f} customers/s)"
    )
    typer.echo(str(out))


async def _active_model(store: FeatureStore) -> Catalog | None:
    version = await store.active_version()
    if version is None:
        return None
    arrays = await store.read_model_arrays(version, (*CATALOG_ARRAYS, MANIFEST_ARRAY))
    return Catalog.from_arrays(manifest_from_array(arrays[MANIFEST_ARRAY]), arrays)


def unknown_references(offers: OfferCatalog, model: Catalog) -> list[str]:
    """Offer items and categories the model does not know (likely typos)."""
    categories = {str(c) for c in model.categories.tolist()}
    warnings = []
    for offer in offers.offers:
        missing = [i for i in offer.items if i not in model.index]
        if missing:
            warnings.append(f"offer '{offer.id}': items not in model {model.version}: {', '.join(missing[:5])}")
        for category in offer.categories:
            prefix = category.rstrip("/") + "/"
            if category not in categories and not any(c.startswith(prefix) for c in categories):
                warnings.append(f"offer '{offer.id}': category '{category}' not in model {model.version}")
    return warnings
