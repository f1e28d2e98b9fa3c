"""Evaluation report files: report.json, report.html (tables) and ndcg.png (bar plot)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

METRIC_COLUMNS = ("ndcg", "precision", "recall", "map", "hit_rate", "coverage", "users")


def _table(title: str, rows: dict[str, dict[str, float]], k: int) -> str:
    head = "".join(f"<th>{m}@{k}</th>" if m not in ("coverage", "users") else f"<th>{m}</th>" for m in METRIC_COLUMNS)
    body = []
    for model, values in sorted(rows.items(), key=lambda kv: -kv[1].get("ndcg", 0.0)):
        cells = "".join(
            f"<td>{int(values.get(m, 0))}</td>" if m == "users" else f"<td>{values.get(m, 0.0):.4f}</td>"
            for m in METRIC_COLUMNS
        )
        body.append(f"<tr><td>{html.escape(model)}</td>{cells}</tr>")
    return f"<h2>{html.escape(title)}</h2><table><tr><th>model</th>{head}</tr>{''.join(body)}</table>"


def _plot(overall: dict[str, dict[str, float]], k: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = sorted(overall, key=lambda m: -overall[m]["ndcg"])
    fig, ax = plt.subplots(figsize=(7, 3.5))
    colours = ["#d9534f" if m == "omnirec" else "#5b8def" for m in models]
    ax.bar(models, [overall[m]["ndcg"] for m in models], color=colours)
    ax.set_ylabel(f"NDCG@{k}")
    ax.set_title("Time-based holdout")
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(result: dict[str, Any], report_dir: Path) -> None:
    """Write the three report files into report_dir (created if needed)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "report.json").write_text(json.dumps(result, indent=2, default=str))
    k = int(result["k"])
    parts = [_table("Overall", result["overall"], k)] if result["overall"] else []
    parts += [_table(f"Channel {c}", rows, k) for c, rows in result["per_channel"].items()]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in result["notes"])
    style = "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>omnirec evaluation</title><style>{style}</style>"
        f"</head><body><h1>omnirec evaluation (k={k})</h1><ul>{notes}</ul>{''.join(parts)}"
        + (f"<img src='ndcg.png' alt='NDCG@{k}'>" if result["overall"] else "")
        + "</body></html>"
    )
    (report_dir / "report.html").write_text(page)
    if result["overall"]:
        _plot(result["overall"], k, report_dir / "ndcg.png")
