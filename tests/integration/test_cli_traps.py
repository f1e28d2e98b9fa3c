"""No traps: store writers refuse memory://, serve refuses to start with nothing to serve or a busy port,
messages print their literal text, explanations read as English."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from omnirec.cli import serve_commands
from omnirec.cli.main import app
from omnirec.scoring.context import UserContext
from omnirec.scoring.explain import explain
from tiny_data import TINY_EVENTS, write_tiny_folder

CLEAN_ENV = {"OMNIREC_STORE_URL": None, "OMNIREC_SETTINGS_FILE": None, "COLUMNS": "80"}
WRITERS = [
    ["publish", "models"],
    ["activate", "v1"],
    ["customers", "import", "users.csv"],
    ["offers", "publish", "offers.toml"],
    ["export", "offers", "--out", "offers.jsonl"],
    ["export", "events", "--out", "live"],
]


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: " ".join(c[:2]))
def test_store_writers_refuse_memory_with_one_line(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a command that wrongly went ahead would write here
    result = CliRunner().invoke(app, [*command, "--store", "memory://"], env=CLEAN_ENV)
    assert result.exit_code == 2, result.output
    lines = error_lines(result.output)
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert "nothing would persist" in lines[0] and "--store redis://" in lines[0] and "OMNIREC_STORE_URL" in lines[0]


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: " ".join(c[:2]))
def test_store_writers_without_a_store_say_what_to_pass(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, command, env=CLEAN_ENV)
    assert result.exit_code == 2, result.output
    lines = error_lines(result.output)
    assert len(lines) == 1 and "needs a store: pass --store" in lines[0], result.output


def test_memory_from_the_environment_is_refused_too() -> None:
    result = CliRunner().invoke(app, ["activate", "v1"], env={**CLEAN_ENV, "OMNIREC_STORE_URL": "memory://"})
    assert result.exit_code == 2 and "nothing would persist" in result.output


def test_every_store_command_spells_its_options_alike() -> None:
    for command in (["export", "events"], ["publish"], ["offers", "publish"], ["customers", "import"]):
        result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
        assert "--store" in result.output and "--prefix" in result.output, command
        assert "--key-prefix" not in result.output, command


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[object, ...]]]:
    """Records a server start (the resolved settings and the server) instead of starting one, so a broken
    check fails instead of hanging."""
    started: list[tuple[object, ...]] = []
    monkeypatch.setattr(serve_commands, "launch", lambda *args: started.append(args))
    yield started


def test_serve_with_nothing_to_serve_fails_at_once(no_server: list[tuple[object, ...]]) -> None:
    result = CliRunner().invoke(app, ["serve", "--no-auth"], env=CLEAN_ENV)
    assert result.exit_code == 2, result.output
    lines = error_lines(result.output)
    assert not no_server and lines[-1].startswith("error: nothing to serve")
    assert "--store" in lines[-1] and "--model" in lines[-1]


def test_serve_on_a_busy_port_is_one_line(no_server: list[tuple[object, ...]]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = ["serve", "--store", "redis://127.0.0.1:6379/0", "--port", str(port), "--no-auth"]
        result = CliRunner().invoke(app, args, env=CLEAN_ENV)
    assert result.exit_code == 2, result.output
    assert not no_server and "Traceback" not in result.output
    assert error_lines(result.output)[-1] == (
        f"error: port {port} on 127.0.0.1 is already in use (another omnirec serve?); stop it or pass --port"
    )


def test_serve_on_a_free_port_starts(no_server: list[tuple[object, ...]]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["serve", "--store", "redis://127.0.0.1:6379/0", "--port", str(port), "--no-auth"]
    result = CliRunner().invoke(app, args, env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    assert no_server and no_server[0][0].port == port  # type: ignore[attr-defined]


def test_data_errors_print_their_literal_text(tmp_path: Path) -> None:
    events = TINY_EVENTS + "u1,i1,buy,web,2024-01-05T00:00:00Z,,\n"
    folder = write_tiny_folder(tmp_path, events=events)
    result = CliRunner().invoke(app, ["train", "--data", str(folder), "--out", str(tmp_path / "m")], env=CLEAN_ENV)
    assert result.exit_code == 2, result.output
    line = next(line for line in result.output.splitlines() if "Data error" in line)  # one line, even at 80 columns
    assert "unknown event_type 'buy'" in line and "np.str_" not in line
    assert "[event_weights]" in line


def context(event_type: str, channel: str) -> UserContext:
    return UserContext(
        user_vector=None,
        feature_vector=None,
        items=np.array([0]),
        times=np.array([0]),
        types=(event_type,),
        channels=(channel,),
    )


@pytest.mark.parametrize(
    ("event_type", "channel", "reason"),
    [
        ("add_to_cart", "web", "because you added it to your cart online recently"),
        ("view", "tablet", "because you viewed it on a store tablet recently"),
        ("wishlist", "app", "because you wishlisted it in the app recently"),
    ],
)
def test_recently_viewed_reasons_read_as_english(event_type: str, channel: str, reason: str) -> None:
    assert explain(None, context(event_type, channel), "recently_viewed", 0, -1, None) == reason  # type: ignore[arg-type]
