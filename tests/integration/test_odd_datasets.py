"""train -> export -> evaluate through the CLI on small datasets of odd shapes, drawn from fixed seeds.

Issue 14: no dataset may make `train`, `evaluate` or `export` fail. The shared datasets and the sample
cover the usual shapes; these cover the corners a retailer's first export hits: one customer or one item,
every event at one instant, views only, returns only, customers seen once, items.csv listing items
nobody touched (with text, integer-code, numeric, constant or empty categories), a users.csv with
customers who never acted. Each draw must train, export a valid list for known and unknown customers,
and evaluate (or say why there is nothing to evaluate) with exit code 0.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_export import export_lists
from omnirec.cli.main import app

KINDS = ("view", "add_to_cart", "wishlist", "purchase", "return")
CHANNELS = ("web", "app", "store", "email")
CATEGORY_SHAPES = ("text", "int", "float", "empty", "const")
START = 1_700_000_000
CASES = 30  # seeds; each a few hundred milliseconds


def odd_dataset(seed: int) -> dict[str, str]:
    """File name -> CSV text of one data folder, every shape drawn independently from `seed`."""
    rng = random.Random(seed)
    n_users = rng.choice([1, 2, 7, 40, 150])
    n_items = rng.choice([1, 2, 12, 60])
    kinds = rng.sample(KINDS, rng.randint(1, len(KINDS)))
    channels = rng.sample(CHANNELS, rng.randint(1, 3))
    span = rng.choice([0, 3600, 86_400 * 30, 86_400 * 400])
    rows = ["user_id,item_id,event_type,channel,timestamp,quantity,price"]
    for _ in range(rng.choice([1, 3, 40, 400, 1500])):
        at = datetime.fromtimestamp(START + rng.randint(0, span), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            f"u{rng.randrange(n_users)},i{rng.randrange(n_items)},{rng.choice(kinds)},{rng.choice(channels)},"
            f"{at},{rng.choice(['', '1', '3'])},{rng.choice(['', '2.5'])}"
        )
    files = {"events.csv": "\n".join(rows) + "\n"}
    if rng.random() < 0.5:
        shape = rng.choice(CATEGORY_SHAPES)
        untouched = rng.choice([0, 5, 80])
        priced = rng.random() < 0.5  # False: a numeric column with no value at all
        lines = ["item_id,category,brand,price"]
        for i in range(n_items + untouched):
            category = {"text": f"c{i % 4}", "int": str(1000 + i % 7), "float": f"{i * 0.37:.2f}"}.get(shape, "")
            category = "x" if shape == "const" else category
            lines.append(f"i{i},{category},{'b1' if i % 3 else ''},{'3.5' if priced and i % 2 else ''}")
        files["items.csv"] = "\n".join(lines) + "\n"
    if rng.random() < 0.5:
        aged = rng.random() < 0.5
        ages = [str(30 + u % 9) if aged else "" for u in range(n_users + 3)]
        lines = ["user_id,segment,age"] + [f"u{u},{'a' if u % 2 else ''},{age}" for u, age in enumerate(ages)]
        files["users.csv"] = "\n".join(lines) + "\n"
    return files


@pytest.mark.parametrize("seed", range(CASES))
def test_any_small_dataset_trains_exports_and_evaluates(seed: int, tmp_path: Path) -> None:
    files = odd_dataset(seed)
    runner = CliRunner()
    root = tmp_path
    data = root / "data"
    data.mkdir()
    for name, text in files.items():
        (data / name).write_text(text, encoding="utf-8")
    config = root / "train.toml"
    config.write_text("epochs = 1\nno_components = 4\n")
    trained = runner.invoke(
        app, ["train", "--data", str(data), "--out", str(root / "models"), "--config", str(config), "--quiet"]
    )
    assert trained.exit_code == 0, trained.output
    known_items = {line.split(",")[1] for line in files["events.csv"].splitlines()[1:]}
    if "items.csv" in files:
        known_items |= {line.split(",")[0] for line in files["items.csv"].splitlines()[1:]}
    _, lines = export_lists(root / "models", ["u0", "never-seen-customer"], root)
    assert [line["user_id"] for line in lines] == ["u0", "never-seen-customer"]
    for line in lines:
        ids = [entry["item_id"] for entry in line["items"]]
        assert len(ids) == len(set(ids)) <= 10
        assert set(ids) <= known_items
    assert lines[1]["items"]  # a customer nobody knows still gets the popular items (u0 may have bought all)
    evaluated = runner.invoke(
        app, ["evaluate", "--data", str(data), "--config", str(config), "--report", str(root / "report")]
    )
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads((root / "report" / "report.json").read_text())
    assert report["overall"] or report["notes"]  # figures, or the reason there are none
