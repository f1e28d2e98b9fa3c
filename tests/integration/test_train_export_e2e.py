"""Train on the UCI slice end to end: bundle on disk, loads, ranks a known customer; evaluate writes a report."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnirec.bundle import load_bundle
from omnirec.data.loading import load_dataset
from omnirec.scoring import Catalog, RankRequest, context_from_bundle, rank_for_user
from omnirec.training_config import TrainingConfig

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "uci_slice"
CONFIG = TrainingConfig(no_components=16, epochs=3, threads=1, similar_k=10, cooccurrence_k=10)


@pytest.fixture(scope="module")
def bundle_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from omnirec_train.pipeline import train_bundle

    dataset = load_dataset(FIXTURE, CONFIG)
    return train_bundle(dataset, CONFIG, tmp_path_factory.mktemp("models"))


def test_bundle_loads_and_ranks_a_known_customer(bundle_path: Path) -> None:
    bundle = load_bundle(bundle_path.parent)  # the models folder resolves to the newest version
    assert bundle.version == bundle_path.name
    assert bundle.manifest.dim == 16
    assert bundle.manifest.counts["events"] > 0
    assert "train_seconds" in bundle.manifest.metrics  # the slice is too small for a validation blend
    catalog = Catalog.from_bundle(bundle)
    user_index = 0
    ctx = context_from_bundle(catalog, bundle, user_index)
    assert ctx.has_events
    now = int(bundle["history_times"].max())
    ranking = rank_for_user(catalog, ctx, RankRequest(now=now, k=5))
    assert len(ranking.items) == 5
    assert ranking.strategy == "personalized"
    assert len({item.item_id for item in ranking.items}) == 5


def test_train_cli_prints_bundle_path_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from omnirec.cli.train_commands import train

    app = typer.Typer()
    app.command()(train)
    config = tmp_path / "config.toml"
    config.write_text("no_components = 8\nepochs = 1\nthreads = 1\nsimilar_k = 5\ncooccurrence_k = 5\n")
    args = ["--data", str(FIXTURE), "--out", str(tmp_path / "m"), "--config", str(config), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert (Path(last) / "manifest.json").exists()


def test_train_cli_bad_data_exits_2(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from omnirec.cli.train_commands import train

    app = typer.Typer()
    app.command()(train)
    (tmp_path / "events.csv").write_text("user_id,item_id\nu1,i1\n")
    result = CliRunner().invoke(app, ["--data", str(tmp_path), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2


def test_evaluate_writes_report(tmp_path: Path) -> None:
    from omnirec_train.evaluate import RANKER, evaluate

    dataset = load_dataset(FIXTURE, CONFIG)
    result = evaluate(dataset, CONFIG, k=10, report_dir=tmp_path)
    assert RANKER in result.overall
    assert {"popularity", "own_history", "item_knn", "implicit_als"} <= set(result.overall)
    for name in ("report.json", "report.html", "ndcg.png"):
        assert (tmp_path / name).exists()
