"""Every command explains itself with an example, and the CLI never imports the trainer's heavy libraries."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from bundle_factory import make_bundle
from omnirec.bundle.format import TreeEnsemble
from omnirec.bundle.io import save_bundle
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
    ["export", "erasures"],
    ["offers", "publish"],
    ["customers", "import"],
    ["report"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_has_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and "omnirec " + " ".join(command) in result.output


def test_evaluate_offers_has_an_example() -> None:
    from omnirec.cli.main import evaluate_offers_app

    result = CliRunner().invoke(evaluate_offers_app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and "omnirec evaluate offers" in result.output


def test_every_registered_command_is_covered() -> None:
    top = {c.name for c in app.registered_commands}
    groups = {g.name: {c.name for c in g.typer_instance.registered_commands} for g in app.registered_groups}
    listed = {c[0] for c in COMMANDS if len(c) == 1} | {" ".join(c) for c in COMMANDS if len(c) == 2}
    assert top | {f"{g} {c}" for g, cs in groups.items() for c in cs} == listed


TRAINING_MODULES = ("lightfm", "lightgbm", "implicit", "scipy", "omnirec_train")


def test_the_cli_and_the_service_do_not_import_lightfm() -> None:
    code = (
        "import sys, omnirec.cli.main, omnirec.api.app; "
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {TRAINING_MODULES!r}); "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ranking_with_learned_trees_imports_no_training_code(tmp_path: Path) -> None:
    """The service's scoring path loads a bundle with LambdaRank trees and ranks with numpy alone."""
    bundle = make_bundle(n_items=30, n_users=4, seed=2)
    stump = TreeEnsemble(
        feature_names=("frequency", "model_raw"),
        roots=(0,),
        split_feature=(1,),
        threshold=(0.0,),
        left=(~0,),
        right=(~1,),
        leaf_value=(0.0, 1.0),
        max_depth=1,
    )
    ranker = msgspec.structs.replace(bundle.manifest.ranker, trees=stump)
    bundle = dataclasses.replace(bundle, manifest=msgspec.structs.replace(bundle.manifest, ranker=ranker))
    path = save_bundle(bundle, tmp_path)
    code = (
        "import sys, time; from pathlib import Path; import omnirec.api.app; "
        "from omnirec.bundle.io import load_bundle; "
        "from omnirec.scoring import Catalog, RankRequest, context_from_bundle, rank_for_user; "
        f"b = load_bundle(Path({str(path)!r})); c = Catalog.from_bundle(b); assert c.trees is not None; "
        "r = rank_for_user(c, context_from_bundle(c, b, 0), RankRequest(now=int(time.time()), k=5)); "
        "assert len(r.items) == 5; "
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {TRAINING_MODULES!r}); "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_service_does_not_import_the_loader_or_pyarrow() -> None:
    code = (
        "import sys, omnirec.cli.main, omnirec.api.app, omnirec.api.asgi; "
        "import omnirec.service.events; "
        "cli = sorted(m for m in sys.modules if m.split('.')[0] == 'pyarrow'); "
        "print(cli); sys.exit(1 if cli else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    code = (
        "import sys, omnirec.api.app, omnirec.api.asgi; "
        "loader = sorted(m for m in sys.modules if m.startswith(('omnirec.data.loading', 'omnirec.data.table'))); "
        "print(loader); sys.exit(1 if loader else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
