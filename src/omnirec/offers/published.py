"""PublishedOffers: the stored offer catalogue, read and validated once per published version.

Each call reads only the catalogue's version (a short digest the store sets with the payload), so a
publish reaches every worker on its next request; the payload is read and validated again only when the
version changed. The version is read before the payload: a publish racing a read costs one extra read
later, never a stale catalogue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from omnirec.errors import UnknownOffer
from omnirec.offers.catalog import OfferCatalog, decode_offer_catalog
from omnirec.store.protocol import OfferStore

NOT_PUBLISHED = "no offer catalogue is published: run `omnirec offers publish offers.toml`"


@dataclass(frozen=True)
class _Entry:
    version: str | None  # as the store named it (None: stored before versions were kept)
    digest: bytes  # of the payload it was decoded from (compared here only: no need to match the store's)
    catalog: OfferCatalog


class PublishedOffers:
    """The current offer catalogue of one store (one instance per app: it caches one version)."""

    def __init__(self, store: OfferStore) -> None:
        self._store = store
        self._entry: _Entry | None = None
        self.decoded = 0  # payloads validated so far (a new publish adds one)

    async def current(self) -> OfferCatalog:
        """The published catalogue; raises UnknownOffer when none is, StoreUnavailable from the store."""
        version = await self._store.offer_catalog_version()
        entry = self._entry
        if entry is not None and version is not None and entry.version == version:
            return entry.catalog
        payload = await self._store.get_offer_catalog()
        if payload is None:
            raise UnknownOffer(NOT_PUBLISHED)
        digest = hashlib.blake2b(payload, digest_size=16).digest()
        if entry is None or entry.digest != digest:  # a versionless store re-reads, but validates once
            entry = _Entry(version, digest, decode_offer_catalog(payload))
            self.decoded += 1
        self._entry = _Entry(version, digest, entry.catalog)
        return entry.catalog
