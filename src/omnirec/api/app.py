"""create_app: the Litestar application factory and its lifespan (opens the store, wires the services)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from omnirec import __version__
from omnirec.api.auth import KeyRing, api_key_guard
from omnirec.api.dependencies import DEPENDENCIES
from omnirec.api.metrics import Metrics
from omnirec.api.problems import EXCEPTION_HANDLERS
from omnirec.api.routes import ROUTES
from omnirec.errors import NoActiveModel, StoreUnavailable
from omnirec.service.container import build_services
from omnirec.settings import Settings
from omnirec.store.factory import open_store
from omnirec.store.protocol import FeatureStore

log = logging.getLogger("omnirec.api")

StartupHook = Callable[[FeatureStore], Awaitable[None]]  # e.g. publish an embedded bundle (`serve --model`)


def create_app(
    settings: Settings,
    store: FeatureStore | None = None,
    *,
    startup: Sequence[StartupHook] = (),
    clock: Callable[[], float] = time.time,
) -> Litestar:
    """The HTTP service. Without `store`, the lifespan opens settings.store_url (and closes it at shutdown)."""
    if not settings.auth_enabled:
        log.warning("API-key authentication is DISABLED: every client can read and write customer data")
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        opened = store or open_store(
            settings.store_url, prefix=settings.key_prefix, timeout_ms=settings.store_timeout_ms
        )
        try:
            for hook in startup:
                await hook(opened)
            services = build_services(opened, settings, metrics.store_error, clock)
            app.state.services = services
            await _preload(services.models.current)
            yield
        finally:
            if store is None:
                await opened.close()

    return Litestar(
        route_handlers=ROUTES,
        lifespan=[lifespan],
        dependencies=DEPENDENCIES,
        guards=[api_key_guard],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[metrics.middleware],
        state=State({"settings": settings, "metrics": metrics, "keyring": KeyRing(settings)}),
        openapi_config=OpenAPIConfig(
            title="omnirec",
            version=__version__,
            description="Omnichannel recommendations for the webshop, email and in-store tablets.",
            path="/schema",
        ),
        request_max_body_size=settings.max_body_bytes,
    )


async def _preload(current: Callable[[], Awaitable[object]]) -> None:
    """Load the active model before the first request; a missing model or store only makes /health/ready fail."""
    try:
        await current()
    except (NoActiveModel, StoreUnavailable) as exc:
        log.warning("starting without a loaded model: %s", exc)
