"""`omnirec demo --no-serve`: one training run, evaluated and then exported and served (README command 1)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from omnirec.bundle.io import load_bundle
from omnirec.cli.main import app


def test_demo_trains_once_and_reuses_the_evaluated_model(tmp_path: Path) -> None:
    workdir, models = tmp_path / "out", tmp_path / "models"
    result = CliRunner().invoke(
        app,
        ["demo", "--workdir", str(workdir), "--models", str(models), "--users", "300", "--epochs", "3", "--no-serve"],
    )
    assert result.exit_code == 0, result.output
    bundles = [p for p in models.iterdir() if p.is_dir()]
    assert len(bundles) == 1  # one training run: the evaluated model is the one exported and served
    report = json.loads((workdir / "report" / "report.json").read_text())
    bundle = load_bundle(bundles[0])
    assert report["ranker_params"]["validation"] == bundle.manifest.metrics
    assert report["comparison"]["ratio"]["low"] <= report["comparison"]["ratio"]["high"]
    lines = (workdir / "email_recommendations.jsonl").read_text().splitlines()
    assert len(lines) == 100 and all(json.loads(line)["model_version"] == bundle.version for line in lines)
    assert str(bundles[0]) in result.output  # the serve hint names the bundle
