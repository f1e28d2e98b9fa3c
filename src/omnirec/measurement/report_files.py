"""Writes a measurement report: report.json, report.html (tables) and report.png (rates with intervals)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

RATE_COLUMNS = ("ctr", "conversion", "revenue_per_1000")


def write_report(report: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.html", out / "report.png"]
    paths[0].write_text(json.dumps(report, indent=2, sort_keys=True))
    paths[1].write_text(_html(report))
    _plot(report, paths[2])
    return paths


def _fmt(interval: dict[str, float], digits: int = 4) -> str:
    return f"{interval['value']:.{digits}f} [{interval['low']:.{digits}f}, {interval['high']:.{digits}f}]"


def _label(row: dict[str, Any]) -> str:
    return f"{row['experiment'] or '-'} / {row['variant'] or '-'}"


def _table(rows: list[dict[str, Any]], extra: tuple[str, ...] = ()) -> str:
    head = ["experiment / variant", "channel", "impressions", "customers", "clicks", "purchases", "revenue",
            *RATE_COLUMNS, *extra]  # fmt: skip
    body = []
    for r in rows:
        counts = [f"{r['impressions']:,}", f"{r['customers']:,}", f"{r['clicks']:.1f}", f"{r['purchases']:.1f}"]
        cells = [
            _label(r),
            r["channel"],
            *counts,
            f"{r['revenue']:.2f}",
            *(_fmt(r[c]) for c in (*RATE_COLUMNS, *extra)),
        ]
        body.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<table><tr>{header}</tr>{''.join(body)}</table>"


def _html(report: dict[str, Any]) -> str:
    diffs = "".join(
        f"<tr><td>{html.escape(d['experiment'])}</td><td>{html.escape(d['variant'])} - {html.escape(d['control'])}"
        f"</td><td>{d['metric']}</td><td>{_fmt(d)}</td></tr>"
        for d in report["differences"]
    )
    paths = "".join(
        f"<tr><td>{html.escape(p['shown_in'])} &rarr; {html.escape(p['bought_in'])}</td>"
        f"<td>{p['purchases']:.1f}</td><td>{p['revenue']:.2f}</td></tr>"
        for p in report["paths"]
    )
    windows = ", ".join(f"{k} {v / 86400:g} d" for k, v in report["windows_seconds"].items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>omnirec measurement report</title>
<style>body{{font-family:sans-serif}} td,th{{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}}</style>
</head><body><h1>What recommendations and offers earned</h1>
<p>Attribution: {html.escape(report["rule"])}; windows: {html.escape(windows)}. 95 % intervals, clustered by
customer. Revenue per 1,000 impressions is attributed revenue only.</p>
<h2>Per variant</h2>{_table(report["variants"], ("customer_conversion",))}
<h2>Per variant and channel</h2>{_table(report["channels"])}
<h2>Variant minus control</h2><table><tr><th>experiment</th><th>difference</th><th>metric</th>
<th>value [95 % interval]</th></tr>{diffs}</table>
<h2>Cross-channel paths (attributed purchases)</h2><table><tr><th>shown &rarr; bought</th><th>purchases</th>
<th>revenue</th></tr>{paths}</table>
<p><img src="report.png" alt="rates per variant and channel"></p></body></html>
"""


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["variants"] + report["channels"]
    labels = [f"{_label(r)}\n{r['channel']}" for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(15, max(3.0, 0.45 * len(rows) + 1.5)))
    for ax, column in zip(axes, RATE_COLUMNS, strict=True):
        values = [r[column]["value"] for r in rows]
        errors = [
            [r[column]["value"] - r[column]["low"] for r in rows],
            [r[column]["high"] - r[column]["value"] for r in rows],
        ]
        ax.barh(range(len(rows)), values, xerr=errors, color="#4c72b0", capsize=3)
        ax.set_yticks(range(len(rows)), labels if ax is axes[0] else [""] * len(rows), fontsize=7)
        ax.invert_yaxis()
        ax.set_title(column.replace("_", " "))
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
