"""`omnirec serve`: run the HTTP service (granian or uvicorn), plus key generation and the demo helper.

serve resolves the settings once (file, OMNIREC_* variables, options) and replaces itself (exec) with the
server process (omnirec.cli.server_process), whose own environment names a private 0600 file holding
them: every worker reads exactly those settings, and the environment of this process is never changed.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import msgspec
import typer

from omnirec.settings import ENV_PREFIX, SETTINGS_FILE_ENV, Settings

APP_FACTORY = "omnirec.api.asgi:app_from_env"
DEFAULT_SERVER = "granian"  # RESULTS.md "## Serving": faster on /health/live, ~2x uvicorn on recs with 2 workers
log = logging.getLogger("omnirec.serve")


def serve(
    store: str | None = typer.Option(None, "--store", help="Feature store URL (redis://host:port/db, ...)."),
    model: Path | None = typer.Option(
        None, "--model", help="Serve this bundle from an embedded memory store (published at startup)."
    ),
    host: str | None = typer.Option(None, "--host", help="Bind address (default from settings: 127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", help="Port (default from settings: 8000)."),
    no_auth: bool = typer.Option(False, "--no-auth", help="Disable API keys. Local use only!"),
    settings_file: Path | None = typer.Option(None, "--settings", help="TOML settings file."),
    server: str = typer.Option(DEFAULT_SERVER, "--server", help="granian or uvicorn (uvloop + httptools)."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Worker processes (one per core is a good start; default from settings: 1)."
    ),
    keygen: bool = typer.Option(False, "--keygen", help="Print a new API key and its sha256 for settings, then exit."),
    offers: Path | None = typer.Option(
        None, "--offers", help="With --model: an offer file (.toml/.json) to publish into the embedded store."
    ),
    customers: Path | None = typer.Option(
        None, "--customers", help="With --model: users.csv whose features and consent_* flags are imported."
    ),
) -> None:
    """Serve recommendations over HTTP. Keys: settings api_keys = [{name, sha256, scopes}] (see --keygen).

    --store URL serves whatever is active in an existing store; --model PATH publishes a bundle (or the
    newest in a models folder) into an embedded in-process store first.

    Example: omnirec serve --store redis://localhost:6379/0 --settings omnirec.toml --port 8000
    """
    if keygen:
        print_new_key()
        return
    if store and model:
        raise typer.BadParameter("use either --store (an existing store) or --model (embedded), not both")
    if model is not None and not model.is_dir():
        raise typer.BadParameter(f"--model {model} is not a bundle directory (see `omnirec train`)")
    if offers is not None:
        if model is None:
            raise typer.BadParameter("--offers goes with --model; for a store use `omnirec offers publish`")
        _check_offers(offers)
    if customers is not None and model is None:
        raise typer.BadParameter("--customers goes with --model; for a store use `omnirec customers import`")
    if server not in ("granian", "uvicorn"):
        raise typer.BadParameter(f"--server must be granian or uvicorn, got {server!r}")
    try:
        settings = Settings.load(
            settings_file,
            store_url=store,
            host=host,
            port=port,
            workers=workers,
            auth_enabled=False if no_auth else None,
            serve_model=_absolute(model),
            serve_offers=_absolute(offers),
            serve_customers=_absolute(customers),
        )
    except ValueError as exc:
        typer.secho(f"error: {exc}", err=True, fg="red")
        raise typer.Exit(2) from exc
    if not settings.serve_model and settings.store_url.strip().lower().startswith("memory"):
        _refuse(
            "nothing to serve: give --store redis://host:6379/0 (or OMNIREC_STORE_URL, or store_url in the "
            "settings file) to serve a published model, or --model models/ to serve a bundle"
        )
    busy = port_problem(settings.host, settings.port)
    if busy is not None:
        _refuse(busy)
    if no_auth:
        typer.secho(
            "WARNING: --no-auth: API keys are disabled; anyone who can reach this port can read and change "
            "customer data. Use only on a trusted machine.",
            err=True,
            fg="red",
            bold=True,
        )
    elif not settings.api_keys:
        typer.secho("warning: no api_keys configured: every keyed route answers 401 (see --keygen)", err=True)
    if settings.serve_model and settings.workers > 1:
        typer.secho("note: with --model every worker holds its own embedded store (events are per worker)", err=True)
    launch(settings, server)


METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable: it reads it at import
SERVER_MODULE = "omnirec.cli.server_process"


def _absolute(path: Path | None) -> str | None:
    return None if path is None else str(path.resolve())


def launch(settings: Settings, server: str) -> None:
    """Replace this process with the server process, its settings in a private file (0600, in a 0700
    directory under TMPDIR) and a fresh, empty Prometheus directory for its workers (values left by an
    earlier server would be summed in). The server process removes both when it stops."""
    private = Path(tempfile.mkdtemp(prefix="omnirec-serve-"))
    metrics_dir = tempfile.mkdtemp(prefix="omnirec-metrics-")
    try:
        settings_file = private / "settings.json"
        fd = os.open(settings_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(msgspec.structs.replace(settings, metrics_dir=metrics_dir).to_json())
        argv = [sys.executable, "-P", "-m", SERVER_MODULE, server, str(private)]
        exec_server(argv, server_environment(os.environ, settings_file, metrics_dir))
    except BaseException:
        shutil.rmtree(private, ignore_errors=True)
        shutil.rmtree(metrics_dir, ignore_errors=True)
        raise


def server_environment(environ: Mapping[str, str], settings_file: Path, metrics_dir: str) -> dict[str, str]:
    """The server process's own environment: this one's, less the variables of settings (the file holds
    their resolved values, CLI options included), plus the file, the metrics directory and one BLAS thread."""
    fields = {ENV_PREFIX + f.name.upper() for f in msgspec.structs.fields(Settings)}
    env = {name: value for name, value in environ.items() if name not in fields}
    env[SETTINGS_FILE_ENV] = str(settings_file)
    env[METRICS_DIR_ENV] = metrics_dir
    for name in BLAS_THREAD_VARS:
        env.setdefault(name, "1")
    return env


def exec_server(argv: Sequence[str], env: Mapping[str, str]) -> None:
    """os.execve, after flushing what this process printed (exec discards unwritten buffers)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], list(argv), dict(env))


def _refuse(message: str) -> None:
    typer.secho(f"error: {message}", err=True, fg="red")
    raise typer.Exit(2)


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port (checked before any server starts), or None."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot listen on {host}:{port}: {exc.strerror}; pass --host 127.0.0.1 or 0.0.0.0"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no conflict
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use (another omnirec serve?); stop it or pass --port"
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


def _check_offers(path: Path) -> None:
    """Refuse a bad offer file before any server starts (the same validation as `omnirec offers publish`)."""
    from omnirec.errors import OmnirecError
    from omnirec.offers.catalog import load_offer_catalog

    try:
        load_offer_catalog(path)
    except OmnirecError as exc:
        typer.secho(f"error: {exc}", err=True, fg="red")
        raise typer.Exit(2) from exc


BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_blas() -> None:
    """One BLAS thread per worker: a request's 100k x 64 scoring takes ~2 ms single-threaded but ~12 ms
    when OpenBLAS threads fight over 2 cores (benchmarks/RESULTS.md). Scale with --workers instead."""
    for name in BLAS_THREAD_VARS:
        os.environ.setdefault(name, "1")
    if "numpy" in sys.modules:  # too late for the variables in this process: limit the live pool
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=1)
        except ImportError:
            log.warning("numpy was imported before the BLAS thread limit; set OPENBLAS_NUM_THREADS=1")


def run_server(
    server: Literal["granian", "uvicorn"], host: str, port: int, workers: int, app_factory: str = APP_FACTORY
) -> None:
    """Run the app factory (`module:function`) under the chosen server until interrupted."""
    single_threaded_blas()
    if server == "uvicorn":
        import uvicorn

        uvicorn.run(
            app_factory,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            loop="uvloop",
            http="httptools",
            access_log=False,
            log_level="warning",
        )
        return
    from granian import Granian
    from granian.constants import Interfaces, Loops

    Granian(
        app_factory,
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        log_access=False,
    ).serve()


def serve_bundle(
    bundle_path: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    server: str = DEFAULT_SERVER,
    offers: Path | None = None,
    customers: Path | None = None,
) -> None:
    """Serve one bundle (optionally with offers and customer profiles) from the embedded store, no API keys."""
    serve(
        store=None,
        model=bundle_path,
        host=host,
        port=port,
        no_auth=True,
        settings_file=None,
        server=server,
        workers=1,
        keygen=False,
        offers=offers,
        customers=customers,
    )


def print_new_key() -> None:
    """Print a random API key and the settings entry holding its digest (the key itself is never stored)."""
    from omnirec.api.auth import new_key

    key, digest = new_key()
    typer.echo(f"key:    {key}")
    typer.echo(f"sha256: {digest}")
    typer.echo("settings (TOML):")
    typer.echo(f'  [[api_keys]]\n  name = "client-name"\n  sha256 = "{digest}"\n  scopes = ["recommend"]')
