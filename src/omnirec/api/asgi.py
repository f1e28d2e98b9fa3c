"""ASGI entry point for servers and worker processes: `omnirec.api.asgi:app_from_env` (a factory).

Every worker builds the same app from `Settings.from_env()`: `omnirec serve` resolves the settings once
and gives its server process (not itself) OMNIREC_SETTINGS_FILE = a private file holding them, so every
worker reads exactly those. `serve_model` (a bundle directory) is served from an embedded memory store,
published into it at startup with `serve_offers` (an offer file) and `serve_customers` (a users.csv);
`metrics_dir` is the Prometheus directory the workers share.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from omnirec.api.app import StartupHook, create_app
from omnirec.settings import Settings
from omnirec.store.protocol import FeatureStore


def publish_at_startup(path: Path) -> StartupHook:
    """A startup hook loading a bundle from disk and publishing it into the (embedded) store."""

    async def publish(store: FeatureStore) -> None:
        from omnirec.bundle.io import load_bundle
        from omnirec.publishing import publish_bundle

        await publish_bundle(load_bundle(path), store, activate=True)

    return publish


def publish_offers_at_startup(path: Path) -> StartupHook:
    """A startup hook validating an offer file and making it the store's offer catalogue."""

    async def publish(store: FeatureStore) -> None:
        from omnirec.offers.catalog import encode_offer_catalog, load_offer_catalog

        await store.put_offer_catalog(encode_offer_catalog(load_offer_catalog(path)))

    return publish


def import_customers_at_startup(path: Path) -> StartupHook:
    """A startup hook loading customer features and consent from users.csv."""

    async def load(store: FeatureStore) -> None:
        from omnirec.customer_profiles import import_profiles

        await import_profiles(store, path)

    return load


def app_from_env() -> Litestar:
    """The app of a server process, configured by `Settings.from_env()` (see the module docstring)."""
    return app_from_settings(Settings.from_env())


def app_from_settings(settings: Settings) -> Litestar:
    """The server's app: the configured store, or `serve_model` published into an embedded one."""
    if not settings.serve_model:
        return create_app(settings, freeze_gc=True)
    from omnirec.store.memory import MemoryStore

    startup = [publish_at_startup(Path(settings.serve_model))]
    if settings.serve_offers:
        startup.append(publish_offers_at_startup(Path(settings.serve_offers)))
    if settings.serve_customers:
        startup.append(import_customers_at_startup(Path(settings.serve_customers)))
    return create_app(settings, MemoryStore(prefix=settings.key_prefix), startup=startup, freeze_gc=True)
