"""ASGI entry point for servers and worker processes: `omnirec.api.asgi:app_from_env` (a factory).

Configuration travels in the environment so every worker builds the same app: OMNIREC_* settings
(and OMNIREC_SETTINGS_FILE), plus OMNIREC_SERVE_MODEL = a bundle directory to serve from an embedded
memory store (published into it at startup).
"""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar

from omnirec.api.app import StartupHook, create_app
from omnirec.bundle.format import MANIFEST_ARRAY, ModelBundle, manifest_to_array
from omnirec.settings import Settings
from omnirec.store.protocol import FeatureStore

MODEL_ENV = "OMNIREC_SERVE_MODEL"


def with_manifest(bundle: ModelBundle) -> ModelBundle:
    """The bundle with its manifest as an array, so the store's copy of the version is self-describing."""
    return ModelBundle(bundle.manifest, {**bundle.arrays, MANIFEST_ARRAY: manifest_to_array(bundle.manifest)})


def publish_at_startup(path: Path) -> StartupHook:
    """A startup hook loading a bundle from disk and publishing it into the (embedded) store."""

    async def publish(store: FeatureStore) -> None:
        from omnirec.bundle.io import load_bundle
        from omnirec.publishing import publish_bundle

        await publish_bundle(with_manifest(load_bundle(path)), store, activate=True)

    return publish


def app_from_env() -> Litestar:
    """The app configured by the environment (see the module docstring)."""
    settings = Settings.from_env()
    model = os.environ.get(MODEL_ENV)
    if model:
        from omnirec.store.memory import MemoryStore

        return create_app(settings, MemoryStore(prefix=settings.key_prefix), startup=[publish_at_startup(Path(model))])
    return create_app(settings)
