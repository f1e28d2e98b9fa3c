"""The `omnirec` command. Sub-commands live in small modules; lightfm is imported only when training runs."""

from __future__ import annotations

import typer

from omnirec.cli.customer_commands import import_customers
from omnirec.cli.data_commands import sample_data
from omnirec.cli.demo_command import demo
from omnirec.cli.erasure_commands import export_erasures
from omnirec.cli.event_commands import export_events
from omnirec.cli.export_commands import recommendations as export_recommendations
from omnirec.cli.measure_commands import evaluate_offers, report
from omnirec.cli.offer_commands import export_offers, publish_offers
from omnirec.cli.serve_commands import serve
from omnirec.cli.store_commands import activate, models, publish
from omnirec.cli.train_commands import evaluate, train

app = typer.Typer(
    name="omnirec",
    help="Omnichannel recommendations: train a hybrid model, publish it to a feature store, serve it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
export_app = typer.Typer(help="Batch exports for the email system and the next training run.", no_args_is_help=True)
offers_app = typer.Typer(help="The next-best-offer catalogue.", no_args_is_help=True)
customers_app = typer.Typer(help="Customer profiles: features and consent.", no_args_is_help=True)

app.command("sample-data")(sample_data)
app.command("train")(train)
app.command("evaluate")(evaluate)
app.command("publish")(publish)
app.command("models")(models)
app.command("activate")(activate)
app.command("serve")(serve)
app.command("demo")(demo)
app.command("report")(report)
# `omnirec evaluate offers`: its own app, dispatched in run() so `omnirec evaluate --data ...` stays as it is
evaluate_offers_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
evaluate_offers_app.command("offers")(evaluate_offers)
export_app.command("recommendations")(export_recommendations)
export_app.command("offers")(export_offers)
export_app.command("events")(export_events)
export_app.command("erasures")(export_erasures)
offers_app.command("publish")(publish_offers)
app.add_typer(export_app, name="export")
customers_app.command("import")(import_customers)
app.add_typer(offers_app, name="offers")
app.add_typer(customers_app, name="customers")


def run() -> None:
    """Run the command line (the console script is `omnirec.cli.entry:run`, which pins BLAS first)."""
    from omnirec.cli.entry import run as pinned_run

    pinned_run()
