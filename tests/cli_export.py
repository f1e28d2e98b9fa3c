"""Run `omnirec export recommendations` through the CLI for a list of customers and read back its JSON lines."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from click.testing import Result
from typer.testing import CliRunner

from omnirec.cli.main import app


def export_lists(
    models: Path, users: Sequence[str], folder: Path, *options: str, env: Mapping[str, str] | None = None
) -> tuple[Result, list[dict[str, Any]]]:
    """(the command's result, one decoded line per customer) of exporting `users` from the bundles in `models`;
    the users file and the output are written into `folder`. Fails the test when the command does not exit 0."""
    users_file, out = folder / "users.txt", folder / "recs.jsonl"
    users_file.write_text("\n".join(users) + "\n")
    args = ["export", "recommendations", "--model", str(models), "--users", str(users_file), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, *options], env=env)
    assert result.exit_code == 0, result.output
    return result, [json.loads(line) for line in out.read_text().splitlines()]
