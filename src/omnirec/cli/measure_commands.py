"""`omnirec report` (what recommendations and offers earned) and `omnirec evaluate offers` (off-policy)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import typer
from rich.console import Console

from omnirec.cli.data_commands import report_data_error
from omnirec.cli.store_commands import run_with_store
from omnirec.errors import DataError
from omnirec.measurement.attribution import DAY, AttributionRules
from omnirec.measurement.offpolicy import DRAWS, POLICIES, evaluate_policy
from omnirec.measurement.pipeline import logged_offer_decisions, measure
from omnirec.measurement.report_files import write_report
from omnirec.measurement.sources import events_from_folder

console = Console(stderr=True)
STORE_HELP = "Feature store URL the service logs to: redis://host:6379/0, redis+cluster://..."


def report(
    store: str = typer.Option(..., "--store", help=STORE_HELP),
    out: Path = typer.Option(Path("reports/measurement"), "--out", help="Folder for report.json/.html/.png."),
    data: list[Path] = typer.Option([], "--data", help="Data folder(s) with more events (e.g. store till exports)."),
    rule: str = typer.Option("last_touch", "--rule", help="last_touch (default) or position (DCG-weighted split)."),
    click_days: float = typer.Option(1.0, "--click-days", min=0, help="Attribution window of clicks (views)."),
    cart_days: float = typer.Option(7.0, "--cart-days", min=0, help="Attribution window of add-to-carts."),
    purchase_days: float = typer.Option(7.0, "--purchase-days", min=0, help="Attribution window of purchases."),
    key_prefix: str | None = typer.Option(
        None, "--key-prefix", show_default=False, help="Key prefix the service writes under (default: the settings')."
    ),
    timeout_ms: int = typer.Option(30000, "--timeout-ms", min=1, help="Bound on each store call."),
) -> None:
    """Impressions, CTR, conversion and attributed revenue per 1,000 impressions per experiment variant and
    channel, with 95 % intervals, variant differences and cross-channel paths (shown in email -> bought in store).

    Example: omnirec report --store redis://127.0.0.1:6379/0 --data data/tills --out reports/december
    """
    try:
        rules = AttributionRules(
            windows={"click": int(click_days * DAY), "add_to_cart": int(cart_days * DAY),
                     "purchase": int(purchase_days * DAY)},
            rule=rule,
        )  # fmt: skip
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--rule") from exc
    extra = []
    try:
        for folder in data:
            extra += events_from_folder(folder, warn=lambda msg: console.print(f"[yellow]warning:[/] {msg}"))
    except DataError as exc:
        report_data_error(exc)
    result = run_with_store(store, key_prefix, lambda s: measure(s, rules, extra), timeout_ms)
    paths = write_report(result, out)
    console.print(f"{result['exposures']:,} answers, attributed: {result['attributed']}")
    for path in paths:
        typer.echo(str(path))


def evaluate_offers(
    store: str = typer.Option(..., "--store", help=STORE_HELP),
    policy: list[str] = typer.Option(["greedy", "uniform", "thompson"], "--policy", help="Target policies."),
    reward: str = typer.Option("value", "--reward", help="value (offer value when redeemed/clicked) or response."),
    window_days: float = typer.Option(7.0, "--window-days", min=0, help="Response window after the impression."),
    out: Path | None = typer.Option(None, "--out", help="Write the estimates as JSON here."),
    seed: int = typer.Option(0, "--seed", help="Seed of the draws that estimate Thompson sampling's probabilities."),
    key_prefix: str | None = typer.Option(
        None, "--key-prefix", show_default=False, help="Key prefix the service writes under (default: the settings')."
    ),
    timeout_ms: int = typer.Option(30000, "--timeout-ms", min=1, help="Bound on each store call."),
) -> None:
    """Estimate what another offer policy would have earned per decision, from the logged offers (IPS and
    self-normalised IPS with 95 % intervals). Policies: thompson, greedy (best posterior mean x value), uniform.

    Example: omnirec evaluate offers --store redis://127.0.0.1:6379/0 --policy greedy --out reports/ope.json
    """
    unknown = sorted(set(policy) - set(POLICIES))
    if unknown:
        raise typer.BadParameter(f"unknown policies {unknown}; known: {', '.join(POLICIES)}", param_hint="--policy")
    if reward not in ("value", "response"):
        raise typer.BadParameter("reward must be value or response", param_hint="--reward")
    window = int(window_days * DAY)
    logged = run_with_store(store, key_prefix, lambda s: logged_offer_decisions(s, window, reward), timeout_ms)
    if not logged.decisions:
        console.print("[red]error:[/red] no logged offer decisions with candidates in the store's event log")
        raise typer.Exit(2)
    rng = np.random.default_rng(seed)
    rows = []
    for name in policy:
        r = evaluate_policy(logged.decisions, name, rng, DRAWS)
        rows.append({"policy": name, "n": r.n, "logged_value": vars(r.logged_value), "ips": vars(r.ips),
                     "snips": vars(r.snips), "max_weight": r.max_weight, "ess": r.effective_sample_size})  # fmt: skip
        console.print(
            f"{name:>9}: IPS {r.ips.value:.4f} [{r.ips.low:.4f}, {r.ips.high:.4f}]  SNIPS {r.snips.value:.4f} "
            f"[{r.snips.low:.4f}, {r.snips.high:.4f}]  (logged policy {r.logged_value.value:.4f}, n={r.n:,})"
        )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"skipped": logged.skipped, "estimates": rows}, indent=2))
        typer.echo(str(out))
