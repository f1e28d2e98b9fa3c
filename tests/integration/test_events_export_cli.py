"""`omnirec export events` end to end on a real redis-server: run twice, each event once, folder loads."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from typer.testing import CliRunner

from omnirec.cli.event_commands import export_events
from omnirec.data.loading import load_dataset
from omnirec.store.factory import open_store
from omnirec.store.records import CustomerEvent
from omnirec.training_config import TrainingConfig
from redis_servers import RedisServer


def command() -> typer.Typer:
    app = typer.Typer()
    app.command()(export_events)
    return app


def append(url: str, numbers: range) -> None:
    async def run() -> None:
        store = open_store(url, prefix="cli", timeout_ms=2000)
        events = [
            CustomerEvent(
                user_id="c1",
                item_id=f"i{n}",
                event_type="purchase",
                timestamp=1_760_000_000 + n,
                channel="store",
                event_id=f"ev-{n}",
                price=3.5,
            )
            for n in numbers
        ]
        await store.append_events("c1", events, cap=10)
        await store.close()

    asyncio.run(run())


def test_cli_exports_new_events_each_run(redis_server: RedisServer, tmp_path: Path) -> None:
    redis_server.flush()
    args = ["--store", redis_server.url, "--out", str(tmp_path), "--prefix", "cli", "--page-size", "3"]
    append(redis_server.url, range(0, 8))
    first = CliRunner().invoke(command(), args)
    assert first.exit_code == 0, first.output
    assert "exported 8 new events" in first.output
    append(redis_server.url, range(8, 10))
    # The store and prefix from the environment, as every other store command takes them.
    env = {"OMNIREC_STORE_URL": redis_server.url, "OMNIREC_KEY_PREFIX": "cli"}
    second = CliRunner().invoke(command(), ["--out", str(tmp_path), "--page-size", "3"], env=env)
    assert "exported 2 new events" in second.output
    dataset = load_dataset(tmp_path, TrainingConfig())
    assert sorted(dataset.events.event_ids.tolist()) == sorted(f"ev-{n}" for n in range(10))


def test_cli_reports_an_unreachable_store(tmp_path: Path) -> None:
    from redis_servers import free_port

    args = ["--store", f"redis://127.0.0.1:{free_port()}/0", "--out", str(tmp_path), "--timeout-ms", "200"]
    result = CliRunner().invoke(command(), args)
    assert result.exit_code == 2
    assert "Error" in result.output and "Traceback" not in result.output
