"""The per-key rate limit is counted in the store: apps (workers) over one store share each key's budget."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from api_client import api_settings, headers
from omnirec.api.app import create_app
from omnirec.store.factory import open_store
from omnirec.store.memory import MemoryStore
from redis_servers import free_port

pytestmark = pytest.mark.anyio


async def test_two_apps_over_one_store_share_a_key_budget() -> None:
    store = MemoryStore()
    settings = api_settings(rate_limit_per_minute=3)
    first, second = create_app(settings, store), create_app(settings, store)
    async with AsyncTestClient(first) as one, AsyncTestClient(second) as two:
        answers = [await c.post("/v1/events", json={}, headers=headers()) for c in (one, two, one, two)]
        assert [a.status_code == 429 for a in answers] == [False, False, False, True]
        assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
        assert (await two.post("/v1/events", json={}, headers=headers("events"))).status_code != 429  # own budget


@pytest.mark.parametrize(("fail_open", "status"), [(True, 400), (False, 503)])
async def test_a_store_that_cannot_count_lets_requests_through_or_answers_503(fail_open: bool, status: int) -> None:
    down = open_store(f"redis://127.0.0.1:{free_port()}/0", prefix="t", timeout_ms=200)  # nothing listens there
    app = create_app(api_settings(rate_limit_per_minute=3, rate_limit_fail_open=fail_open), down)
    async with AsyncTestClient(app, raise_server_exceptions=False) as client:
        # an invalid event, refused (400) by the handler once past the limit, without touching the store
        answer = await client.post("/v1/events", json={}, headers=headers())
        assert answer.status_code == status, answer.text
        assert 'omnirec_store_errors_total{operation="count_request"}' in (await client.get("/metrics")).text


def test_the_embedded_window_never_reports_more_than_its_length() -> None:
    """(4.4 + 60) - 4.4 is 60.000000000000004 in floats: the reset must still be 60,000 ms, not 60,001."""
    from omnirec.store.memory_rate import RequestWindows

    windows = RequestWindows(clock=lambda: 4.4)
    assert windows.count("key", 60_000).reset_ms == 60_000
