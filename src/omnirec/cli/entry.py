"""The `omnirec` console script: pins the BLAS thread pool, then imports and runs the command line."""

from __future__ import annotations

import sys

from omnirec.cli.blas import pin_blas_threads


def run() -> None:
    """Console-script entry point. Nothing here may import numpy before the pool is pinned."""
    try:
        pin_blas_threads()
    except ValueError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    from omnirec.cli.main import app, evaluate_offers_app

    if sys.argv[1:3] == ["evaluate", "offers"]:  # its own app, so `omnirec evaluate --data ...` stays as it is
        evaluate_offers_app(sys.argv[3:], prog_name="omnirec evaluate offers")
        return
    app()
