"""Traffic mix of the three clients: webshop (recs + similar), email (offers), in-store tablets, events.

    OMNIREC_BENCH_KEY=<key> locust -f benchmarks/locustfile.py --headless -u 50 -r 10 -t 60s \
        --host http://127.0.0.1:8000

Users u0..u{N} and items i0..i{M} match tests/bundle_factory.make_bundle (set OMNIREC_BENCH_USERS/ITEMS).
Every non-2xx answer counts as a failure.
"""

from __future__ import annotations

import os
import random
import uuid

from locust import HttpUser, between, task

USERS = int(os.environ.get("OMNIREC_BENCH_USERS", "20000"))
ITEMS = int(os.environ.get("OMNIREC_BENCH_ITEMS", "100000"))
HEADERS = {"X-API-Key": os.environ.get("OMNIREC_BENCH_KEY", "")}


def user() -> str:
    return f"u{random.randrange(USERS * 2)}"  # half unknown: exercises the cold-start chain


def item() -> str:
    return f"i{random.randrange(ITEMS)}"


class Webshop(HttpUser):
    weight = 6
    wait_time = between(0.05, 0.2)

    @task(5)
    def recommendations(self) -> None:
        self.client.get(f"/v1/users/{user()}/recommendations?k=10&channel=web", headers=HEADERS, name="recs web")

    @task(3)
    def similar(self) -> None:
        self.client.get(f"/v1/items/{item()}/similar?k=8&user_id={user()}", headers=HEADERS, name="similar")

    @task(1)
    def basket(self) -> None:
        body = {"items": [item(), item()], "k": 6, "channel": "web", "user_id": user()}
        self.client.post("/v1/recommendations/basket", json=body, headers=HEADERS, name="basket")

    @task(4)
    def view(self) -> None:
        event = {"user_id": user(), "item_id": item(), "event_type": "view", "channel": "web"}
        self.client.post("/v1/events", json=event, headers=HEADERS, name="events")


class EmailSystem(HttpUser):
    weight = 1
    wait_time = between(0.2, 0.5)

    @task(3)
    def email_recommendations(self) -> None:
        self.client.get(f"/v1/users/{user()}/recommendations?k=6&channel=email", headers=HEADERS, name="recs email")

    @task(1)
    def next_best_offer(self) -> None:
        self.client.get(f"/v1/users/{user()}/next-best-offer?channel=email", headers=HEADERS, name="offer")


class StoreTablet(HttpUser):
    weight = 2
    wait_time = between(0.5, 2.0)

    @task(3)
    def suggestions(self) -> None:
        store_id = f"S{random.randrange(20):02d}"
        url = f"/v1/users/{user()}/recommendations?k=8&channel=tablet&store_id={store_id}&explain=true"
        self.client.get(url, headers=HEADERS, name="recs tablet")

    @task(1)
    def purchase_batch(self) -> None:
        customer = user()
        events = [
            {"user_id": customer, "item_id": item(), "event_type": "purchase", "channel": "store",
             "store_id": "S01", "event_id": str(uuid.uuid4())}
            for _ in range(3)
        ]  # fmt: skip
        self.client.post("/v1/events", json={"events": events}, headers=HEADERS, name="events batch")
