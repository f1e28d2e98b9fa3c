"""A catalogue stored before the store kept its digest (no version key) is still served, and validated once."""

from __future__ import annotations

import pytest

from offer_data import offers_from
from omnirec.offers.catalog import encode_offer_catalog
from omnirec.offers.published import PublishedOffers
from omnirec.store.factory import open_store
from redis_servers import RedisServer

pytestmark = pytest.mark.anyio


async def test_a_catalogue_without_a_version_is_read_each_time_but_validated_once(redis_server: RedisServer) -> None:
    redis_server.flush()
    old_release = redis_server.client()  # wrote the payload alone, as put_offer_catalog did before
    old_release.set("omnirec:offers:catalog", encode_offer_catalog(offers_from('[[offers]]\nid = "old"\n')))
    store = open_store(redis_server.url)
    try:
        published = PublishedOffers(store)
        assert await store.offer_catalog_version() is None
        first, again = await published.current(), await published.current()
        assert [o.id for o in first.offers] == ["old"] and again is first and published.decoded == 1
        old_release.set("omnirec:offers:catalog", encode_offer_catalog(offers_from('[[offers]]\nid = "changed"\n')))
        assert [o.id for o in (await published.current()).offers] == ["changed"] and published.decoded == 2
        await store.put_offer_catalog(encode_offer_catalog(offers_from('[[offers]]\nid = "changed"\n')))
        assert await store.offer_catalog_version() is not None  # republished: versioned from now on
        assert [o.id for o in (await published.current()).offers] == ["changed"] and published.decoded == 2
    finally:
        await store.close()
        old_release.close()
