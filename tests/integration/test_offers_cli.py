"""The offer CLI commands against a real redis-server: publish a file, export a campaign, clear errors."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from offer_data import SAMPLE_ITEMS
from omnirec.cli.offer_commands import export_offers, publish_offers
from omnirec.demo.offers import sample_offers_toml
from omnirec.store.factory import open_store

app = typer.Typer()
app.command("publish")(publish_offers)
app.command("export")(export_offers)


def test_publish_then_export(tmp_path: Path, redis_server: Any) -> None:
    prefix = f"cli-{uuid.uuid4().hex[:8]}"
    offers_file = tmp_path / "offers.toml"
    offers_file.write_text(sample_offers_toml(SAMPLE_ITEMS), encoding="utf-8")
    store_args = ["--store", redis_server.url, "--prefix", prefix]

    async def customers() -> None:
        store = open_store(redis_server.url, prefix=prefix, timeout_ms=5000)
        await store.set_consent("c1", {"email": True})
        await store.set_features("c1", {"loyalty_tier": "gold"})
        await store.set_consent("c2", {"email": False})
        await store.set_features("c2", {"loyalty_tier": "gold"})
        await store.close()

    asyncio.run(customers())
    runner = CliRunner()
    published = runner.invoke(app, ["publish", str(offers_file), *store_args])
    assert published.exit_code == 0, published.output
    out = tmp_path / "offers.jsonl"
    exported = runner.invoke(app, ["export", "--channel", "email", "--out", str(out), *store_args])
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(line["customer_id"], line["offers"][0]["offer_id"]) for line in lines] == [("c1", "loyalty-gold-points")]


def test_errors_exit_2_with_the_offer_and_field(tmp_path: Path, redis_server: Any) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[offers]]\nid = "x"\nbudget = "lots"\n', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["publish", str(bad), "--store", redis_server.url])
    assert result.exit_code == 2
    assert "offer 'x'" in result.output and "budget" in result.output
    prefix = ["--store", redis_server.url, "--prefix", f"empty-{uuid.uuid4().hex[:8]}"]
    result = runner.invoke(app, ["export", "--out", str(tmp_path / "o.jsonl"), *prefix])
    assert result.exit_code == 2 and "no offer catalogue" in result.output


def test_a_bad_offer_file_leaves_the_published_catalogue_untouched(tmp_path: Path, redis_server: Any) -> None:
    from omnirec.cli.main import app as omnirec_app

    good, bad = tmp_path / "offers.toml", tmp_path / "bad.toml"
    good.write_text(sample_offers_toml(SAMPLE_ITEMS), encoding="utf-8")
    bad.write_text('[[offers]]\nid = "x"\ncap = { count = "once" }\n', encoding="utf-8")
    target = ["--store", redis_server.url, "--prefix", f"keep-{uuid.uuid4().hex[:8]}"]
    runner = CliRunner()
    assert runner.invoke(omnirec_app, ["offers", "publish", str(good), *target]).exit_code == 0

    async def stored() -> bytes | None:
        store = open_store(redis_server.url, prefix=target[3])
        try:
            return await store.get_offer_catalog()
        finally:
            await store.close()

    before = asyncio.run(stored())
    refused = runner.invoke(omnirec_app, ["offers", "publish", str(bad), *target])
    assert refused.exit_code == 2 and "offer 'x'" in refused.output
    assert before is not None and asyncio.run(stored()) == before
