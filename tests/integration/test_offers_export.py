"""`export_offers`: one JSON line per consenting customer, budgets and fatigue respected, memory and real Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from offer_data import NOW, event, item_of, offers_from, sample_model
from omnirec.batch.offers import ExportSummary, export_offers
from omnirec.store.factory import open_store

OFFERS = """
[channels.email]
fatigue = { count = 1, days = 7 }
[[offers]]
id = "drill-cart"
code = "DRILL15"
value = 50
items = ["%s"]
rules = [{ kind = "abandoned_cart", hours = 2 }]
[[offers]]
id = "limited"
value = 10
budget = 5
[[offers]]
id = "default"
value = 1
"""


@pytest.fixture(params=["memory", "redis"])
def store_url(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else str(request.getfixturevalue("redis_server").url)


def test_export_writes_consenting_customers_within_budget_and_fatigue(store_url: str, tmp_path: Path) -> None:
    drill = item_of("Cordless Drill")
    offers = offers_from(OFFERS % drill)
    seen: list[int] = []

    async def main() -> tuple[ExportSummary, ExportSummary]:
        store = open_store(store_url, prefix=f"export-{uuid.uuid4().hex[:8]}", timeout_ms=5000)
        try:
            for i in range(30):
                await store.set_consent(f"c{i:02d}", {"email": i % 3 != 0})  # every third customer said no
            await store.append_events("c01", [event("c01", drill, "add_to_cart", NOW - 5 * 3600)], cap=50)
            first = await export_offers(
                store, offers, sample_model(), "email", tmp_path / "a.jsonl", seen.append, now=NOW
            )
            again = await export_offers(store, offers, sample_model(), "email", tmp_path / "b.jsonl", now=NOW + 60)
            return first, again
        finally:
            await store.close()

    first, again = asyncio.run(main())
    lines = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert (first.scanned, first.consenting, first.written, first.offers) == (30, 20, 20, 20)
    assert sum(seen) == 30
    assert {line["customer_id"] for line in lines} == {f"c{i:02d}" for i in range(30) if i % 3 != 0}
    by_customer = {line["customer_id"]: line["offers"][0] for line in lines}
    assert by_customer["c01"]["offer_id"] == "drill-cart" and by_customer["c01"]["code"] == "DRILL15"
    assert sum(o["offer_id"] == "limited" for o in by_customer.values()) == 5  # the budget
    assert all({"propensity", "expected_value", "reasons", "model_version"} <= o.keys() for o in by_customer.values())
    assert again.written == 0 and (tmp_path / "b.jsonl").read_text() == ""  # 1 email per 7 days


def test_export_can_list_customers_without_offers(tmp_path: Path) -> None:
    async def main() -> ExportSummary:
        store = open_store("memory://")
        await store.set_consent("c1", {"email": True})
        return await export_offers(store, offers_from(""), None, "email", tmp_path / "x.jsonl", include_empty=True)

    summary: Any = asyncio.run(main())
    assert summary.written == 1
    assert json.loads((tmp_path / "x.jsonl").read_text()) == {"customer_id": "c1", "channel": "email", "offers": []}
