"""ASGI factory for the benchmarks: `uvicorn --factory bench_app:app` builds the app from OMNIREC_* variables."""

from __future__ import annotations

from litestar import Litestar

from omnirec.api.app import create_app
from omnirec.settings import Settings


def app() -> Litestar:
    return create_app(Settings.from_env())
