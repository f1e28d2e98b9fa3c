"""Helpers for the HTTP tests: settings with test keys, publishing a bundle into a store, an app client."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar.testing import AsyncTestClient

from omnirec.api.app import create_app
from omnirec.bundle.format import ModelBundle
from omnirec.publishing import publish_bundle
from omnirec.settings import ApiKey, Settings
from omnirec.store.memory import MemoryStore
from omnirec.store.protocol import FeatureStore

NOW = 1_760_000_000  # after every event of tests/bundle_factory.py bundles
KEYS = {"full": "test-full-key", "recs": "test-recs-only", "events": "test-events-only"}
SCOPES = {"full": ("recommend", "events", "offers", "admin"), "recs": ("recommend",), "events": ("events",)}
# The service's default read bound (50 ms) is a latency budget: on a loaded test machine a healthy Redis
# misses it now and then and the answer comes back degraded. Tests of the bound itself pass their own.
STORE_TIMEOUT_MS = 2000


def headers(key: str = "full") -> dict[str, str]:
    return {"X-API-Key": KEYS[key]}


def api_settings(**overrides: Any) -> Settings:
    """Settings with the test keys and a generous store bound (STORE_TIMEOUT_MS) unless a test sets its own."""
    keys = tuple(
        ApiKey(name=name, sha256=hashlib.sha256(KEYS[name].encode()).hexdigest(), scopes=SCOPES[name]) for name in KEYS
    )
    return Settings.load(environ={}, api_keys=keys, **{"store_timeout_ms": STORE_TIMEOUT_MS, **overrides})


def fixed_clock() -> float:
    return float(NOW)


async def publish(store: FeatureStore, bundle: ModelBundle, activate: bool = True) -> None:
    await publish_bundle(bundle, store, activate=activate)


@asynccontextmanager
async def app_client(
    bundle: ModelBundle | None,
    store: FeatureStore | None = None,
    settings: Settings | None = None,
    clock: Callable[[], float] = fixed_clock,
) -> AsyncIterator[tuple[AsyncTestClient, FeatureStore]]:
    """An AsyncTestClient over a running app (lifespan included) with `bundle` published at startup."""
    store = store if store is not None else MemoryStore()
    settings = settings or api_settings()
    opened: list[FeatureStore] = []

    async def startup(s: FeatureStore) -> None:
        opened.append(s)
        if bundle is not None:
            await publish(s, bundle)

    app = create_app(
        settings, store if not settings.store_url.startswith("redis") else None, startup=[startup], clock=clock
    )
    async with AsyncTestClient(app, raise_server_exceptions=False) as client:
        yield client, opened[0]


def settle(client: AsyncTestClient) -> None:
    """Write what the app's impression writer has queued (it writes after answering, in batches) before a test
    reads the log: the app runs on the client's portal thread, so its loop does the flush."""
    client.blocking_portal.call(client.app.state.services.impressions.flush)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 7807 problem with the given status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/") and body["title"] and body["detail"]
    return body
