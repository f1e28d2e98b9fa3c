"""The server process `omnirec serve` execs into: granian or uvicorn over the settings its environment names.

`python -m omnirec.cli.server_process SERVER PRIVATE_DIR`: its environment holds OMNIREC_SETTINGS_FILE (the
resolved settings, in PRIVATE_DIR) and PROMETHEUS_MULTIPROC_DIR; its workers inherit both. When the server
stops, the settings file and the metrics directory are removed.
"""

from __future__ import annotations

import shutil
import sys

from omnirec.cli.serve_commands import run_server
from omnirec.settings import Settings


def main(argv: list[str]) -> None:
    """Run the server until it is interrupted, then remove its private files."""
    server, private_dir = argv
    if server not in ("granian", "uvicorn"):
        raise SystemExit(f"error: unknown server {server!r}")
    try:
        settings = Settings.from_env()
        try:
            run_server(server, settings.host, settings.port, settings.workers)  # type: ignore[arg-type]
        finally:
            if settings.metrics_dir:
                shutil.rmtree(settings.metrics_dir, ignore_errors=True)
    finally:
        shutil.rmtree(private_dir, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
