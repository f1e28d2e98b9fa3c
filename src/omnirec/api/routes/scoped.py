"""ScopedController: the base of a controller whose routes all need one API-key scope (and say so in the document)."""

from __future__ import annotations

from typing import Any

from litestar import Controller

from omnirec.api.auth import SCOPE_OPT
from omnirec.api.openapi import SECURITY


class ScopedController(Controller):
    """`class OffersController(ScopedController, tag="offers", scope="offers")`: the tag, the scope every route
    needs and the API-key scheme, set once."""

    security = SECURITY

    def __init_subclass__(cls, *, tag: str, scope: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.tags = (tag,)
        cls.opt = {SCOPE_OPT: scope}
