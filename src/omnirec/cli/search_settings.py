"""The search configuration of the batch commands: the service's own settings, so all rank alike."""

from __future__ import annotations

from pathlib import Path

import typer

from omnirec.scoring.search_config import SearchConfig
from omnirec.settings import Settings


def load_search_config(settings_file: Path | None) -> SearchConfig:
    """Settings.search from `--settings` (else OMNIREC_SETTINGS_FILE) and OMNIREC_ANN_* variables.

    `omnirec train`, `evaluate` and `export` read the same values as `omnirec serve`, so the trainer chooses
    its ranker, and export writes its lists, with the search the API answers with. Exits 2 when invalid.
    """
    try:
        settings = Settings.load(settings_file) if settings_file is not None else Settings.from_env()
    except ValueError as exc:
        typer.secho(f"error: {exc}", err=True, fg="red")
        raise typer.Exit(2) from exc
    return settings.search


SETTINGS_HELP = "Service settings TOML: its ann_* search settings apply, as in `omnirec serve` (else OMNIREC_*)."
