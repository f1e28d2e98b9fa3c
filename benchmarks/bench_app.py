"""ASGI factories for the benchmarks: `uvicorn --factory bench_app:app` builds the app from OMNIREC_* variables
(as `omnirec serve` does: omnirec.api.asgi.app_from_env).

`app_with_floors` is the same app plus two routes that only the serving benchmark uses, to split a
recommendation's cost into its parts in the same run: `/bench/one-read` makes one store read (the active
version: a single GET on Redis) and nothing else, `/bench/snapshot/{user_id}` reads everything a
recommendation reads (one script call on Redis) and ranks nothing. No route of the product is changed.
"""

from __future__ import annotations

from litestar import Litestar, get
from litestar.datastructures import State

from omnirec.api.asgi import app_from_env
from omnirec.service.container import Services


def app() -> Litestar:
    """The app exactly as `omnirec serve` builds it in each worker."""
    return app_from_env()


@get("/bench/one-read", include_in_schema=False)
async def one_read(state: State) -> dict[str, str | None]:
    services: Services = state.services
    return {"active": await services.store.active_version()}


@get("/bench/snapshot/{user_id:str}", include_in_schema=False)
async def snapshot(state: State, user_id: str) -> dict[str, int]:
    services: Services = state.services
    read = await services.store.customer_snapshot(user_id, services.models.expected_version())
    return {
        "events": len(read.state.recent_events),
        "rows": int(read.rows is not None and read.rows.vector is not None),
    }


def app_with_floors() -> Litestar:
    application = app()
    application.register(one_read)
    application.register(snapshot)
    return application
