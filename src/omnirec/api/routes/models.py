"""Model routes: which model version is active and loaded (scope `recommend`)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from omnirec.api.auth import SCOPE_OPT
from omnirec.api.openapi import SECURITY
from omnirec.api.problems import problem_responses
from omnirec.errors import NoActiveModel
from omnirec.schemas import ActiveModel
from omnirec.service.container import Services


class ModelsController(Controller):
    tags = ("models",)
    opt = {SCOPE_OPT: "recommend"}  # noqa: RUF012 - Litestar layer option
    security = SECURITY

    @get("/v1/models/active", summary="The active model version", responses=problem_responses(401, 403, 429, 503))
    async def active(self, services: NamedDependency[Services]) -> ActiveModel:
        """The version requests use now (503 problem when none is active)."""
        model = await services.models.current()
        versions = {v.version: v for v in await services.store.list_versions()}
        info = versions.get(model.version)
        if info is None:
            raise NoActiveModel(f"model version {model.version} is no longer in the store")
        return ActiveModel(
            version=model.version,
            created_at=model.manifest.created_at,
            n_items=model.catalog.n_items,
            n_users=info.n_users,
            published_at=info.published_at,
            loaded_versions=services.models.loaded_versions,
            search=model.search_kind,
        )
