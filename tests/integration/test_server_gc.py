"""Server processes freeze the garbage collector after startup and after each model load; test apps do not."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient

from api_client import api_settings, app_client, headers, publish
from bundle_factory import make_bundle
from omnirec.api.app import create_app
from omnirec.store.memory import MemoryStore
from waiting import eventually

pytestmark = pytest.mark.anyio
OLD = make_bundle(n_items=20, n_users=5, seed=1, version="20260101T000000Z-00000001")
NEW = make_bundle(n_items=25, n_users=5, seed=2, version="20260102T000000Z-00000002")


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


async def test_a_server_app_freezes_after_startup_and_after_loading_a_new_version() -> None:
    store = MemoryStore()
    await publish(store, OLD)
    app = create_app(api_settings(), store, freeze_gc=True)
    async with AsyncTestClient(app) as client:
        assert gc.get_freeze_count() > 0  # the framework and the active catalogue
        gc.unfreeze()
        await publish(store, NEW)

        async def serves_new() -> bool:  # the new version loads in the background after a request sees it
            body = (await client.get("/v1/users/u1/recommendations", headers=headers())).json()
            return bool(body["model_version"] == NEW.version)

        await eventually(serves_new, "requests never switched to the newly activated version")
        assert gc.get_freeze_count() > 0  # frozen again once the new catalogue was loaded


async def test_apps_built_for_tests_leave_the_collector_alone() -> None:
    async with app_client(OLD) as (client, _):
        assert (await client.get("/v1/users/u1/recommendations", headers=headers())).status_code == 200
        assert gc.get_freeze_count() == 0
