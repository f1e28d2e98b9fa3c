"""`omnirec publish / models / activate` end to end against a real redis-server."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bundle_factory import make_bundle
from omnirec.bundle import save_bundle
from omnirec.cli.store_commands import activate, models, publish
from redis_servers import RedisServer, free_port

V1, V2 = "20260101T000000Z-00000001", "20260102T000000Z-00000002"


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("publish")(publish)
    app.command("models")(models)
    app.command("activate")(activate)
    return app


def test_publish_models_activate_rollback(cli: typer.Typer, redis_server: RedisServer, tmp_path: Path) -> None:
    redis_server.flush()
    runner = CliRunner()
    save_bundle(make_bundle(version=V1), tmp_path)
    first = runner.invoke(cli, ["publish", str(tmp_path / V1), "--store", redis_server.url])
    assert first.exit_code == 0, first.output
    assert V1 in first.output
    save_bundle(make_bundle(version=V2, seed=3), tmp_path)
    second = runner.invoke(cli, ["publish", str(tmp_path), "--store", redis_server.url])  # newest bundle
    assert second.exit_code == 0, second.output
    listed = runner.invoke(cli, ["models", "--store", redis_server.url], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    active_line = next(line for line in listed.output.splitlines() if "*" in line)
    assert V2 in active_line and "ready" in active_line
    back = runner.invoke(cli, ["activate", V1, "--store", redis_server.url])
    assert back.exit_code == 0 and f"was {V2}" in back.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["publish", "/nonexistent/models", "--store", "redis://127.0.0.1:1/0"], "no such bundle"),
        (["models", "--store", "mongodb://x"], "unsupported store URL"),
        (["activate", "nope", "--store", "memory://"], "nothing would persist"),
        (["models", "--store", f"redis://127.0.0.1:{free_port()}/0"], "unavailable"),
    ],
)
def test_errors_are_a_message_and_exit_code_2(cli: typer.Typer, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_store_and_prefix_come_from_the_settings_file_like_the_service(
    cli: typer.Typer, redis_server: RedisServer, tmp_path: Path
) -> None:
    """The store commands read the same Settings as `serve` (OMNIREC_SETTINGS_FILE, OMNIREC_* variables), not
    variables of their own; --store/--prefix still win."""
    redis_server.flush()
    save_bundle(make_bundle(version=V1), tmp_path / "models")
    settings = tmp_path / "settings.json"
    settings.write_text(f'{{"store_url": "{redis_server.url}", "key_prefix": "from-file"}}')
    env = {"OMNIREC_SETTINGS_FILE": str(settings), "OMNIREC_STORE_URL": None, "OMNIREC_KEY_PREFIX": None}
    runner = CliRunner()
    published = runner.invoke(cli, ["publish", str(tmp_path / "models")], env=env)
    assert published.exit_code == 0, published.output
    assert redis_server.client().keys("from-file:*"), "the settings file's key_prefix was not used"
    listed = runner.invoke(cli, ["models"], env={**env, "COLUMNS": "250"})
    assert listed.exit_code == 0 and V1 in listed.output, listed.output
    other = runner.invoke(cli, ["models", "--prefix", "elsewhere"], env={**env, "COLUMNS": "250"})
    assert other.exit_code == 0 and V1 not in other.output, other.output
    bad = runner.invoke(cli, ["models"], env={**env, "OMNIREC_KEY_PREFIX": None, "OMNIREC_MAX_K": "zero"})
    assert bad.exit_code == 2 and "max_k" in bad.output, bad.output
