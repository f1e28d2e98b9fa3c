"""train -> export recommendations (and evaluate) through the CLI on every shared dataset (research data,
read from OMNIREC_SHARED_DATA, never shipped; skipped with a reason when absent). Few epochs: this
proves the commands work on real files; benchmarks/RESULTS.md holds the quality figures. Evaluating
instacart takes minutes (two fits and five baselines), so its evaluation is the benchmark's, not CI's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_export import export_lists
from omnirec.cli.main import app
from shared_data import SKIP_REASON, shared_data_dir

DATASETS = ["uci-online-retail", "rees46", "hm-channels", "instacart"]
EVALUATED_IN_TESTS = {"uci-online-retail", "rees46", "hm-channels"}
pytestmark = pytest.mark.shared_data


@pytest.fixture(params=DATASETS)
def dataset(request: pytest.FixtureRequest) -> Path:
    root = shared_data_dir()
    if root is None or not (root / request.param).is_dir():
        pytest.skip(SKIP_REASON)
    return root / request.param


def test_train_export_and_evaluate(dataset: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    config = tmp_path / "train.toml"
    config.write_text("epochs = 2\nno_components = 16\n")
    trained = runner.invoke(
        app, ["train", "--data", str(dataset), "--out", str(tmp_path / "models"), "--config", str(config), "--quiet"]
    )
    assert trained.exit_code == 0, trained.output
    bundle = Path(trained.stdout.strip().splitlines()[-1])
    assert (bundle / "manifest.json").exists()
    manifest = json.loads((bundle / "manifest.json").read_text())
    known = manifest["counts"].get("users", 0)
    assert known > 0
    from omnirec.bundle import load_bundle

    ids = load_bundle(bundle)["user_ids"][:20].tolist()
    _, lines = export_lists(tmp_path / "models", [*ids, "never-seen-customer"], tmp_path)
    assert len(lines) == 21 and all(len(line["items"]) == 10 for line in lines)
    assert lines[-1]["source"] == "popular"  # the unknown customer gets the cold-start fallback
    evaluated = runner.invoke(
        app,
        [
            "evaluate",
            "--data",
            str(dataset),
            "--k",
            "10",
            "--report",
            str(tmp_path / "report"),
            "--config",
            str(config),
        ],
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert (tmp_path / "report" / "report.json").exists()
