"""Customer use cases: link identities (anonymous ids, loyalty cards), consent per purpose, erasure."""

from __future__ import annotations

from collections.abc import Mapping

from omnirec.errors import InvalidRequest
from omnirec.schemas import ConsentState, Erased, IdentityLinked
from omnirec.settings import Settings
from omnirec.store.protocol import CustomerStore


class CustomerService:
    """Identity, consent and erasure."""

    def __init__(self, store: CustomerStore, settings: Settings | None = None) -> None:
        self._store = store
        self._settings = settings or Settings()

    async def link(self, anonymous_id: str, customer_id: str) -> IdentityLinked:
        """Link an anonymous id (cookie, device, loyalty card) to a customer; its history merges in."""
        if anonymous_id == customer_id:
            raise InvalidRequest("anonymous_id and customer_id are the same id")
        await self._store.link_identity(anonymous_id, customer_id)
        state = await self._store.get_customer(customer_id)
        return IdentityLinked(customer_id=state.customer_id, identities=state.identities)

    async def update_consent(self, user_id: str, consent: Mapping[str, bool]) -> ConsentState:
        """Validate the purposes against the settings' bounds, then store them (the customer's full consent back)."""
        if not consent:
            raise InvalidRequest('send at least one purpose, e.g. {"personalization": false}')
        limit, name_bytes = self._settings.max_consent_purposes, self._settings.max_purpose_bytes
        if len(consent) > limit:
            raise InvalidRequest(f"at most {limit} consent purposes per request (and per customer)")
        for purpose in consent:
            if not purpose or len(purpose.encode()) > name_bytes:
                raise InvalidRequest(f"a consent purpose name must have 1 to {name_bytes} bytes (UTF-8)")
        customer_id = await self._store.resolve_customer(user_id)
        updated = await self._store.set_consent(user_id, consent, limit, self._settings.anonymous_retention_seconds)
        return ConsentState(customer_id=customer_id, consent=updated)

    async def erase(self, user_id: str) -> Erased:
        """Delete everything held for the customer (linked identities included)."""
        customer_id = await self._store.resolve_customer(user_id)
        removed = await self._store.erase_customer(user_id)
        return Erased(customer_id=customer_id, keys_removed=removed)
