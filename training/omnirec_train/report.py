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


def _interval(ci: dict[str, float], digits: int = 4) -> str:
    return f"{ci['estimate']:.{digits}f} [{ci['low']:.{digits}f}, {ci['high']:.{digits}f}]"


def _facts(result: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(key))}</th><td>{html.escape(str(value))}</td></tr>"
        for key, value in result.get("dataset", {}).items()
    )
    return f"<h2>Data</h2><table>{rows}</table>" if rows else ""


def _uncertainty(result: dict[str, Any], k: int) -> str:
    parts: list[str] = []
    comparison = result.get("comparison") or {}
    if comparison:
        parts.append(
            f"<h2>Against the best baseline ({html.escape(comparison['baseline'])})</h2>"
            f"<p>NDCG@{k} ratio {_interval(comparison['ratio'], 3)}; difference {_interval(comparison['difference'])}"
            " (95 % paired bootstrap over customers)</p>"
        )
    intervals = result.get("intervals") or {}
    if intervals:
        head = "".join(f"<th>{html.escape(m)}@{k}</th>" for m in next(iter(intervals.values())))
        body = "".join(
            f"<tr><td>{html.escape(model)}</td>"
            + "".join(f"<td>{_interval(ci)}</td>" for ci in metrics.values())
            + "</tr>"
            for model, metrics in intervals.items()
        )
        parts.append(f"<h2>95 % intervals</h2><table><tr><th>model</th>{head}</tr>{body}</table>")
    for kind, rows in (result.get("repeat_new") or {}).items():
        info = rows.get("_", {})
        body = "".join(
            f"<tr><td>{html.escape(model)}</td><td>{v['ndcg']:.4f}</td><td>{v['recall']:.4f}</td></tr>"
            for model, v in rows.items()
            if model != "_"
        )
        parts.append(
            f"<h2>{kind.capitalize()} targets: {int(info.get('customers', 0))} customers, "
            f"{info.get('share', 0.0):.1%} of targets</h2>"
            f"<table><tr><th>model</th><th>ndcg@{k}</th><th>recall@{k}</th></tr>{body}</table>"
        )
    recall = result.get("candidate_recall") or {}
    if recall:
        body = "".join(f"<tr><td>{html.escape(g)}</td><td>{v:.4f}</td></tr>" for g, v in recall.items())
        parts.append(f"<h2>Candidate recall per generator</h2><table>{body}</table>")
    definitions = result.get("metric_definitions") or {}
    if definitions:
        items = "".join(f"<li><b>{html.escape(m)}</b>: {html.escape(d)}</li>" for m, d in definitions.items())
        parts.append(f"<h2>Definitions</h2><ul>{items}</ul>")
    return "".join(parts)


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
        f"</head><body><h1>omnirec evaluation (k={k})</h1><ul>{notes}</ul>{_facts(result)}{''.join(parts)}"
        + _uncertainty(result, k)
        + (f"<img src='ndcg.png' alt='NDCG@{k}'>" if result["overall"] else "")
        + "</body></html>"
    )
    (report_dir / "report.html").write_text(page)
    if result["overall"]:
        _plot(result["overall"], k, report_dir / "ndcg.png")
