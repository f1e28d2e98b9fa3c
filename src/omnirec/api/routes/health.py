"""Health and metrics routes (open, no API key): liveness without I/O, readiness, Prometheus."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec

from omnirec.api.metrics import CONTENT_TYPE, Metrics
from omnirec.errors import NoActiveModel, StoreUnavailable
from omnirec.schemas import Liveness, Readiness
from omnirec.service.container import Services
from omnirec.service.store_state import StoreState

LIVE = Liveness(status="ok")


class HealthController(Controller):
    tags = ("health",)
    include_in_schema = True

    @get("/health/live", summary="Liveness (no I/O)")
    async def live(self) -> Liveness:
        return LIVE

    @get(
        "/health/ready",
        summary="Readiness: store reachable, its data intact and the active model loaded",
        responses={503: ResponseSpec(Readiness, description="Not ready: the body says why.", generate_examples=False)},
    )
    async def ready(self, services: NamedDependency[Services]) -> Response[Readiness]:
        state = services.state
        try:
            await services.store.ping()
            intact = await state.check()
            active = await services.store.active_version()
        except StoreUnavailable as exc:
            return _answer(state, "unavailable", detail=str(exc))
        if not intact:
            return _answer(state, "data_lost", detail=state.reason)
        try:
            if active is None:
                raise NoActiveModel("no model version is active: publish one with `omnirec publish`")
            model = await services.models.for_active(active)
        except NoActiveModel as exc:
            return _answer(state, "ok", detail=str(exc))
        return _answer(state, "ok", model_version=model.version)

    @get("/metrics", summary="Prometheus metrics", media_type=CONTENT_TYPE)
    async def metrics(self, metrics: NamedDependency[Metrics]) -> Response[bytes]:
        return Response(metrics.render(), media_type=CONTENT_TYPE)


def _answer(
    state: StoreState, store: str, detail: str | None = None, model_version: str | None = None
) -> Response[Readiness]:
    """Ready (200) exactly when a model version is given; always with the store's persistence."""
    body = Readiness(
        status="ready" if model_version else "not_ready",
        store=store,
        model_version=model_version,
        detail=detail,
        durable=state.durable,
        persistence=state.persistence_detail,
    )
    return Response(body, status_code=200 if model_version else 503)
