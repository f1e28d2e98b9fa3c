"""Customer use cases: link identities (anonymous ids, loyalty cards), consent per purpose, erasure."""

from __future__ import annotations

from collections.abc import Mapping

from omnirec.errors import InvalidRequest
from omnirec.schemas import ConsentState, Erased, IdentityLinked
from omnirec.service.reads import StoreReads

MAX_CONSENT_PURPOSES = 32


class CustomerService:
    """Identity, consent and erasure, all through StoreReads."""

    def __init__(self, reads: StoreReads) -> None:
        self._reads = reads

    async def link(self, anonymous_id: str, customer_id: str) -> IdentityLinked:
        """Link an anonymous id (cookie, device, loyalty card) to a customer; its history merges in."""
        if anonymous_id == customer_id:
            raise InvalidRequest("anonymous_id and customer_id are the same id")
        await self._reads.link_identity(anonymous_id, customer_id)
        state = await self._reads.customer(customer_id)
        return IdentityLinked(customer_id=state.customer_id, identities=state.identities)

    async def set_consent(self, user_id: str, consent: Mapping[str, bool]) -> ConsentState:
        if not consent:
            raise InvalidRequest('send at least one purpose, e.g. {"personalization": false}')
        if len(consent) > MAX_CONSENT_PURPOSES:
            raise InvalidRequest(f"at most {MAX_CONSENT_PURPOSES} consent purposes per request")
        customer_id = await self._reads.resolve_customer(user_id)
        updated = await self._reads.set_consent(user_id, consent)
        return ConsentState(customer_id=customer_id, consent=updated)

    async def erase(self, user_id: str) -> Erased:
        """Delete everything held for the customer (linked identities included)."""
        customer_id = await self._reads.resolve_customer(user_id)
        removed = await self._reads.erase_customer(user_id)
        return Erased(customer_id=customer_id, keys_removed=removed)
