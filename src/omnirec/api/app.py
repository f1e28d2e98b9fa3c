"""create_app: the Litestar application factory and its lifespan (opens the store, wires the services)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler

from omnirec.api.auth import KeyRing, api_key_guard
from omnirec.api.dependencies import DEPENDENCIES
from omnirec.api.docs import docs_assets_router
from omnirec.api.json_body import JsonRequest
from omnirec.api.metrics import Metrics
from omnirec.api.openapi import complete_document, openapi_config
from omnirec.api.problems import EXCEPTION_HANDLERS
from omnirec.api.rate_limit import RateLimiter, rate_limit_guard
from omnirec.api.routes import ROUTES
from omnirec.errors import NoActiveModel, StoreUnavailable
from omnirec.service.container import build_services
from omnirec.service.store_state import StoreState
from omnirec.settings import Settings
from omnirec.store.protocol import FeatureStore
from omnirec.store.resilient import ResilientStore, open_resilient_store

log = logging.getLogger("omnirec.api")
STOP_WAIT_S = 10.0  # shutdown: how long the store watcher may take to finish its current check

StartupHook = Callable[[FeatureStore], Awaitable[None]]  # e.g. publish an embedded bundle (`serve --model`)


def create_app(
    settings: Settings,
    store: FeatureStore | None = None,
    *,
    startup: Sequence[StartupHook] = (),
    clock: Callable[[], float] = time.time,
    freeze_gc: bool = False,
) -> Litestar:
    """The HTTP service. Without `store`, the lifespan opens settings.store_url (and closes it at shutdown).

    `freeze_gc` (server processes, not tests that build many apps): once started, and after each model
    load, move every object into the collector's permanent generation. A full collection otherwise
    traverses the framework and the loaded catalogue (~35 ms at 100k items), a stall that shows in p99.

    `settings.metrics_dir`: the Prometheus multiprocess directory the server's workers share (api.metrics).
    """
    if not settings.auth_enabled:
        log.warning("API-key authentication is DISABLED: every client can read and write customer data")
    metrics = Metrics(settings.metrics_dir or None)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        raw, bounded = _open_bounded(settings, store, metrics.store_error)
        try:
            for hook in startup:
                await hook(raw)  # bulk work (publishing an embedded bundle), not bounded like requests
            services = build_services(bounded.store, settings, metrics.store_error, clock)
            services.impressions.on_attributed = metrics.observe_attributed
            app.state.services = services
            await _preload(services.models.current)
            stop_watching = asyncio.Event()
            watcher = await _watch_store(services.state, stop_watching)
            if freeze_gc:
                gc.collect()
                gc.freeze()
                services.models.on_loaded = gc.freeze  # a newly loaded version's catalogue too
            try:
                yield
            finally:
                stop_watching.set()
                await _stop(watcher)
                await services.impressions.flush()  # impressions queued by the last answers (clean shutdown)
        finally:
            metrics.close()
            if store is None:
                await bounded.store.close()

    app = Litestar(
        route_handlers=[*ROUTES, docs_assets_router()],
        lifespan=[lifespan],
        dependencies=DEPENDENCIES,
        guards=[access_guard],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[metrics.middleware],
        state=State(
            {
                "settings": settings,
                "metrics": metrics,
                "keyring": KeyRing(settings),
                "rate_limiter": RateLimiter(settings.rate_limit_per_minute, fail_open=settings.rate_limit_fail_open),
                "clock": clock,
            }
        ),
        openapi_config=openapi_config(),
        request_class=JsonRequest,  # content-type check and bounded decoding for every JSON body
        request_max_body_size=settings.max_body_bytes,
    )
    complete_document(app.openapi_schema, settings)
    return app


async def access_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The API key, then the rate limit (per authenticated key). One guard, because Litestar copies the
    route handler for every guard on every request."""
    await api_key_guard(connection, handler)
    await rate_limit_guard(connection, handler)


def _open_bounded(
    settings: Settings, store: FeatureStore | None, on_error: Callable[[str], None]
) -> tuple[FeatureStore, ResilientStore]:
    """The plain store and the ResilientStore the services use: every call bounded in time, failures
    recorded for /health/ready and counted by `on_error` (the metrics), fail-fast while the store is down."""
    if store is not None:
        return store, ResilientStore(store, settings.store_timeout_ms, on_error=on_error)
    bounded = open_resilient_store(
        settings.store_url,
        prefix=settings.key_prefix,
        timeout_ms=settings.store_timeout_ms,
        password=settings.redis_password.reveal(),
        on_error=on_error,
    )
    return bounded.inner, bounded


async def _watch_store(state: StoreState, stop: asyncio.Event) -> asyncio.Task[None]:
    """Persistence warning at start, then the store's marker checked in the background (data-loss detection)."""
    await state.check_persistence()
    with contextlib.suppress(StoreUnavailable):
        await state.check()
    return asyncio.get_running_loop().create_task(state.watch(stop), name="store-state-watch")


async def _stop(watcher: asyncio.Task[None]) -> None:
    """Wait for the watcher to see its stop flag (at most one store check); cancel it only if it does not."""
    done, _ = await asyncio.wait({watcher}, timeout=STOP_WAIT_S)
    if not done:
        log.warning("the store watcher did not stop within %.0f s; cancelling it", STOP_WAIT_S)
        watcher.cancel()
        await asyncio.wait({watcher}, timeout=STOP_WAIT_S)


async def _preload(current: Callable[[], Awaitable[object]]) -> None:
    """Load the active model before the first request; a missing model or store only makes /health/ready fail."""
    try:
        await current()
    except (NoActiveModel, StoreUnavailable) as exc:
        log.warning("starting without a loaded model: %s", exc)
