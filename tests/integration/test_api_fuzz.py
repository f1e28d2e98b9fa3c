"""Fuzz every operation of the app's own OpenAPI schema with schemathesis: no 5xx, every 4xx a problem.

Bounded and deterministic: 25 examples per operation, derandomized, over the memory store with a small
published bundle, authentication off (the scope walk covers 401/403). Runs in a few seconds.
"""

from __future__ import annotations

import asyncio
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from api_client import publish
from bundle_factory import make_bundle
from omnirec.api.app import create_app
from omnirec.settings import Settings
from omnirec.store.memory import MemoryStore

PROBLEM_FIELDS = {"type", "title", "status"}


def fuzz_app() -> Any:
    store = MemoryStore()
    asyncio.run(publish(store, make_bundle(n_items=40, n_users=10, seed=21)))
    return create_app(Settings.load(environ={}, auth_enabled=False, max_batch_events=20), store)


schema = schemathesis.openapi.from_asgi("/schema/openapi.json", fuzz_app())


@schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_problem_details(case: schemathesis.Case) -> None:
    response = case.call()
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if 400 <= response.status_code < 600:
        content_type = response.headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith(("application/problem+json", "application/json")), where
        body = response.json()
        assert set(body) >= PROBLEM_FIELDS, where
        assert body["status"] == response.status_code, where
