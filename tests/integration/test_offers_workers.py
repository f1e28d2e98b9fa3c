"""Two app instances (two workers) over one real redis-server: an offer publish reaches both on their next request."""

from __future__ import annotations

import time

import pytest

from api_client import api_settings, app_client, headers
from offer_data import offers_from
from omnirec.offers.catalog import encode_offer_catalog
from omnirec.store.factory import open_store
from redis_servers import RedisServer

pytestmark = pytest.mark.anyio


async def test_an_offer_publish_reaches_every_worker_on_its_next_request(redis_server: RedisServer) -> None:
    redis_server.flush()
    settings = api_settings(store_url=redis_server.url, store_timeout_ms=2000)
    async with (
        app_client(None, settings=settings, clock=time.time) as (first, _),
        app_client(None, settings=settings, clock=time.time) as (second, _),
    ):
        store = open_store(redis_server.url)  # the publisher: a third client, on this test's event loop
        try:
            await store.set_consent("c1", {"email": True})
            seen = []
            for offer_id in ("old", "new", "newer"):
                await store.put_offer_catalog(encode_offer_catalog(offers_from(f'[[offers]]\nid = "{offer_id}"\n')))
                for worker in (first, second, first):  # a worker's second request answers from its cache
                    answer = await worker.get("/v1/users/c1/next-best-offer?channel=email", headers=headers())
                    assert answer.status_code == 200, answer.text
                    seen.append([o["offer_id"] for o in answer.json()["offers"]])
        finally:
            await store.close()
    assert seen == [["old"]] * 3 + [["new"]] * 3 + [["newer"]] * 3
