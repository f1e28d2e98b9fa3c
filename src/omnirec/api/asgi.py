"""ASGI entry point for servers and worker processes: `omnirec.api.asgi:app_from_env` (a factory).

Configuration travels in the environment so every worker builds the same app: OMNIREC_* settings
(and OMNIREC_SETTINGS_FILE), plus OMNIREC_SERVE_MODEL = a bundle directory to serve from an embedded
memory store (published into it at startup), OMNIREC_SERVE_OFFERS = an offer file
to publish with it and OMNIREC_SERVE_CUSTOMERS = a users.csv to import. PROMETHEUS_MULTIPROC_DIR (set by
`omnirec serve`) is the metrics directory the workers share.
"""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar

from omnirec.api.app import StartupHook, create_app
from omnirec.settings import Settings
from omnirec.store.protocol import FeatureStore

MODEL_ENV = "OMNIREC_SERVE_MODEL"
OFFERS_ENV = "OMNIREC_SERVE_OFFERS"
CUSTOMERS_ENV = "OMNIREC_SERVE_CUSTOMERS"
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable: it reads it at import


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
    """The app configured by the environment (see the module docstring)."""
    settings = Settings.from_env()
    metrics_dir = os.environ.get(METRICS_DIR_ENV) or None
    model = os.environ.get(MODEL_ENV)
    if model:
        from omnirec.store.memory import MemoryStore

        startup = [publish_at_startup(Path(model))]
        offers = os.environ.get(OFFERS_ENV)
        if offers:
            startup.append(publish_offers_at_startup(Path(offers)))
        customers = os.environ.get(CUSTOMERS_ENV)
        if customers:
            startup.append(import_customers_at_startup(Path(customers)))
        store = MemoryStore(prefix=settings.key_prefix)
        return create_app(settings, store, startup=startup, freeze_gc=True, metrics_dir=metrics_dir)
    return create_app(settings, freeze_gc=True, metrics_dir=metrics_dir)
