"""Every command explains itself with an example, and the CLI never imports the trainer's heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from omnirec.cli.main import app

COMMANDS = [
    ["sample-data"],
    ["train"],
    ["evaluate"],
    ["publish"],
    ["models"],
    ["activate"],
    ["serve"],
    ["demo"],
    ["export", "recommendations"],
    ["export", "offers"],
    ["export", "events"],
    ["offers", "publish"],
    ["customers", "import"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_has_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and "omnirec " + " ".join(command) in result.output


def test_every_registered_command_is_covered() -> None:
    top = {c.name for c in app.registered_commands}
    groups = {g.name: {c.name for c in g.typer_instance.registered_commands} for g in app.registered_groups}
    listed = {c[0] for c in COMMANDS if len(c) == 1} | {" ".join(c) for c in COMMANDS if len(c) == 2}
    assert top | {f"{g} {c}" for g, cs in groups.items() for c in cs} == listed


def test_the_cli_and_the_service_do_not_import_lightfm() -> None:
    code = (
        "import sys, omnirec.cli.main, omnirec.api.app; "
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('lightfm', 'implicit', 'scipy')); "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
