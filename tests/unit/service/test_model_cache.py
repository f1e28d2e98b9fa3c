"""ModelCache over the memory store: activation switches versions without blocking, at most two stay loaded."""

from __future__ import annotations

import pytest

from omnirec.publishing import publish_bundle
from omnirec.service.container import build_services
from omnirec.service.model_cache import ModelCache
from omnirec.service.recommendations import UserQuery
from omnirec.settings import Settings
from omnirec.store.memory import MemoryStore
from tiny_data import PET_OWNER, TINY_NOW, tiny_bundle
from waiting import eventually

pytestmark = pytest.mark.anyio
V1, V2, V3 = "20260101T000000Z-00000001", "20260102T000000Z-00000002", "20260103T000000Z-00000003"


async def serves(models: ModelCache, version: str) -> None:
    async def current_is() -> bool:
        return (await models.current()).version == version

    await eventually(current_is, f"the cache never served {version} after its activation")


async def test_activation_switches_versions_in_the_background_and_keeps_at_most_two() -> None:
    store = MemoryStore()
    await publish_bundle(tiny_bundle(V1), store)
    services = build_services(store, Settings.load(environ={}), lambda _: None, clock=lambda: float(TINY_NOW))
    models = services.models
    assert (await models.current()).version == V1  # the very first load is waited for
    assert models.loaded_versions == [V1]

    await publish_bundle(tiny_bundle(V2), store)  # activates V2
    assert (await models.current()).version == V1  # the request does not wait: V2 loads in the background
    await serves(models, V2)
    assert models.loaded_versions == [V1, V2]
    answer = await services.recommendations.for_user(PET_OWNER, UserQuery(k=2))
    assert answer.version == V2 and [i.item_id for i in answer.items] == ["catfood", "litter"]

    await publish_bundle(tiny_bundle(V3), store)
    await serves(models, V3)
    assert models.loaded_versions == [V2, V3]  # V1 dropped: two versions at most

    await store.activate(V1)  # a rollback to a version no longer in memory loads it again
    await serves(models, V1)
    assert models.loaded_versions == [V3, V1]
    await store.close()
