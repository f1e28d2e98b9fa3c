"""Helpers for the HTTP tests: settings with test keys, publishing a bundle into a store, an app client."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from omnirec.api.app import create_app
from omnirec.bundle.format import MANIFEST_ARRAY, ModelBundle, manifest_to_array
from omnirec.scoring.context import bundle_history
from omnirec.settings import ApiKey, Settings
from omnirec.store import codec
from omnirec.store.memory import MemoryStore
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import VersionInfo

NOW = 1_760_000_000  # after every event of tests/bundle_factory.py bundles
KEYS = {"full": "test-full-key", "recs": "test-recs-only", "events": "test-events-only"}
SCOPES = {"full": ("recommend", "events", "offers", "admin"), "recs": ("recommend",), "events": ("events",)}


def headers(key: str = "full") -> dict[str, str]:
    return {"X-API-Key": KEYS[key]}


def api_settings(**overrides: Any) -> Settings:
    keys = tuple(
        ApiKey(name=name, sha256=hashlib.sha256(KEYS[name].encode()).hexdigest(), scopes=SCOPES[name]) for name in KEYS
    )
    return Settings.load(environ={}, api_keys=keys, **overrides)


def fixed_clock() -> float:
    return float(NOW)


async def publish(store: FeatureStore, bundle: ModelBundle, activate: bool = True) -> None:
    """Publish with omnirec.publishing; a minimal publish here while it is absent or stores no manifest."""
    try:
        from omnirec.publishing import publish_bundle
    except ImportError:
        await _minimal_publish(store, bundle, activate)
        return
    await publish_bundle(bundle, store, activate=False)
    try:
        await store.read_model_arrays(bundle.version, [MANIFEST_ARRAY])
    except Exception:  # publishing without the manifest array yet (the lead adds it): republish here
        await _minimal_publish(store, bundle, activate)
        return
    if activate:
        await store.activate(bundle.version)


async def _minimal_publish(store: FeatureStore, bundle: ModelBundle, activate: bool) -> None:
    version = bundle.version
    info = VersionInfo(
        version=version,
        state="staging",
        created_at=bundle.manifest.created_at,
        published_at=time.time(),
        n_items=bundle.n_items,
        n_users=bundle.n_users,
    )
    await store.stage_version(info)
    item_level = {n: a for n, a in bundle.arrays.items() if not n.startswith(("user_vectors", "history_", "similar_"))}
    item_level = {n: a for n, a in item_level.items() if not n.startswith("cooc_")}
    await store.write_model_arrays(version, {**item_level, MANIFEST_ARRAY: manifest_to_array(bundle.manifest)})
    user_ids = bundle["user_ids"].tolist()
    await store.write_model_rows(
        version, "user", {u: codec.encode_vector(bundle["user_vectors"][i]) for i, u in enumerate(user_ids)}
    )
    histories = {u: [codec.HistoryEntry(*h) for h in bundle_history(bundle, i)] for i, u in enumerate(user_ids)}
    await store.write_model_rows(version, "history", {u: codec.encode_history(h) for u, h in histories.items() if h})
    item_ids = bundle["item_ids"]
    for kind in ("similar", "cooc"):
        idx, scores = bundle[f"{kind}_indices"], bundle[f"{kind}_scores"]
        rows = {}
        for i, item in enumerate(item_ids.tolist()):
            keep = idx[i] >= 0
            if keep.any():
                rows[item] = codec.encode_neighbours(item_ids[idx[i][keep]].tolist(), scores[i][keep])
        await store.write_model_rows(version, kind, rows)
    await store.seal_version(version, info)
    if activate:
        await store.activate(version)


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


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 7807 problem with the given status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/") and body["title"] and body["detail"]
    return body


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
