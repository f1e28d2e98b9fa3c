"""No customer ids or event payloads in the logs at INFO and above, nor in the metrics, across a session of
requests that touches every customer-facing route (and their error answers)."""

from __future__ import annotations

import logging

import pytest

from api_client import app_client, headers, publish
from bundle_factory import make_bundle

pytestmark = pytest.mark.anyio
CUSTOMER = "cust-PRIVATE-4711"
ANONYMOUS = "cookie-PRIVATE-0815"
SESSION = "sess-PRIVATE-42"
SECRETS = (CUSTOMER, ANONYMOUS, SESSION, "PRIVATE")


class Collect(logging.Handler):
    """Attached to the root logger after the app configured logging (Litestar's dictConfig drops caplog's)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_requests_leave_no_customer_data_in_logs_or_metrics() -> None:
    collect = Collect()
    event = {"user_id": CUSTOMER, "item_id": "i3", "event_type": "purchase", "session_id": SESSION, "price": 9.5}
    async with app_client(make_bundle(n_items=30, n_users=5, seed=3)) as (client, store):
        root = logging.getLogger()
        root.addHandler(collect)
        old_level, root.level = root.level, logging.INFO
        logging.getLogger("omnirec").setLevel(logging.NOTSET)
        h = headers()
        calls = [
            client.post("/v1/events", json=event, headers=h),
            client.post("/v1/events", json={"events": [event, {**event, "event_type": "nope"}]}, headers=h),
            client.post("/v1/events", json={"user_id": CUSTOMER}, headers=h),  # rejected: no item
            client.post("/v1/identities", json={"anonymous_id": ANONYMOUS, "customer_id": CUSTOMER}, headers=h),
            client.put(f"/v1/users/{CUSTOMER}/consent", json={"personalization": True}, headers=h),
            client.get(f"/v1/users/{CUSTOMER}/recommendations", headers=h),
            client.get(f"/v1/users/{ANONYMOUS}/recommendations?explain=true", headers=h),
            client.get(f"/v1/users/{CUSTOMER}/recommendations?k=0", headers=h),  # 400
            client.get(f"/v1/items/i4/similar?user_id={CUSTOMER}", headers=h),
            client.get(f"/v1/items/{CUSTOMER}/similar", headers=h),  # 404
            client.post("/v1/recommendations/basket", json={"items": ["i1"], "user_id": CUSTOMER}, headers=h),
            client.get(f"/v1/users/{CUSTOMER}/recommendations"),  # 401
            client.delete(f"/v1/users/{CUSTOMER}", headers=h),
        ]
        try:
            statuses = [(await call).status_code for call in calls]
            await publish(store, make_bundle(n_items=30, n_users=5, seed=4, version="20260202T000000Z-0000000b"))
            for _ in range(50):  # a model swap: the service logs the load at INFO
                await client.get("/v1/users/u1/recommendations", headers=h)
                if any("loaded" in r.getMessage() for r in collect.records):
                    break
            metrics = (await client.get("/metrics")).text
        finally:
            root.removeHandler(collect)
            root.level = old_level
    assert 202 in statuses and 200 in statuses and 400 in statuses and 404 in statuses and 401 in statuses
    client_side = ("httpx", "httpcore")  # the test client's own request log, not the service's
    logged = [r for r in collect.records if r.levelno >= logging.INFO and not r.name.startswith(client_side)]
    assert any(r.name.startswith("omnirec") for r in logged), "no app log at INFO: the test would prove nothing"
    for record in logged:
        text = record.getMessage() + repr(record.args) + (record.exc_text or "")
        for secret in SECRETS:
            assert secret not in text, f"{record.name} logged customer data at {record.levelname}: {text}"
    for secret in SECRETS:
        assert secret not in metrics, "metrics labels carry a customer id (privacy and cardinality)"
