"""Health and metrics routes (open, no API key): liveness without I/O, readiness, Prometheus."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec

from omnirec.api.metrics import CONTENT_TYPE, Metrics
from omnirec.errors import NoActiveModel, StoreUnavailable
from omnirec.schemas import Liveness, Readiness
from omnirec.service.container import Services

LIVE = Liveness(status="ok")


class HealthController(Controller):
    tags = ("health",)
    include_in_schema = True

    @get("/health/live", summary="Liveness (no I/O)")
    async def live(self) -> Liveness:
        return LIVE

    @get(
        "/health/ready",
        summary="Readiness: store reachable and active model loaded",
        responses={503: ResponseSpec(Readiness, description="Not ready: the body says why.", generate_examples=False)},
    )
    async def ready(self, services: NamedDependency[Services]) -> Response[Readiness]:
        try:
            await services.reads.ping()
        except StoreUnavailable as exc:
            return Response(Readiness(status="not_ready", store="unavailable", detail=str(exc)), status_code=503)
        try:
            model = await services.models.current()
        except NoActiveModel as exc:
            return Response(Readiness(status="not_ready", store="ok", detail=str(exc)), status_code=503)
        return Response(Readiness(status="ready", store="ok", model_version=model.version), status_code=200)

    @get("/metrics", summary="Prometheus metrics", media_type=CONTENT_TYPE)
    async def metrics(self, metrics: NamedDependency[Metrics]) -> Response[bytes]:
        return Response(metrics.render(), media_type=CONTENT_TYPE)
