"""`omnirec serve` hands its resolved settings to the server process, not to its own environment: a private
0600 file named in the server's own environment, holding the CLI's options over OMNIREC_* variables and the
Redis password; the store factory passes that password to a real redis-server that requires one."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bundle_factory import make_bundle
from omnirec.bundle.io import save_bundle
from omnirec.cli import serve_commands
from omnirec.cli.main import app
from omnirec.errors import StoreUnavailable
from omnirec.settings import Settings
from omnirec.store.factory import open_store
from redis_servers import RedisServer, free_port
from waiting import interrupt, wait_until

PASSWORD = "serve-settings-Passw0rd"
Exec = tuple[list[str], dict[str, str]]


@pytest.fixture
def no_exec(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[Exec]]:
    """Records the exec of the server process instead of replacing this one; TMPDIR is the test's own."""
    calls: list[Exec] = []

    def record(argv: Sequence[str], env: Mapping[str, str]) -> None:
        calls.append((list(argv), dict(env)))

    monkeypatch.setattr(serve_commands, "exec_server", record)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # tempfile caches TMPDIR on first use
    yield calls


def test_serve_writes_the_resolved_settings_for_the_server_and_leaves_os_environ_alone(
    no_exec: list[Exec], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dead_store = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("OMNIREC_STORE_URL", dead_store)  # the --store option must win over it
    monkeypatch.setenv("OMNIREC_REDIS_PASSWORD", PASSWORD)
    monkeypatch.setenv("OMNIREC_KEY_PREFIX", "from-env")
    monkeypatch.setenv("UNRELATED_VARIABLE", "kept")
    monkeypatch.delenv("OMNIREC_SETTINGS_FILE", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    before = dict(os.environ)
    args = ["serve", "--store", "redis://127.0.0.1:6379/3", "--port", str(port), "--no-auth", "--server", "uvicorn"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert dict(os.environ) == before, "serve changed its own environment"
    assert PASSWORD not in result.output

    ((argv, env),) = no_exec
    assert argv[-3:-1] == [serve_commands.SERVER_MODULE, "uvicorn"]
    settings_file = Path(env["OMNIREC_SETTINGS_FILE"])
    private = Path(argv[-1])
    assert settings_file.parent == private and private.parent == tmp_path
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600 and stat.S_IMODE(private.stat().st_mode) == 0o700
    for name in ("OMNIREC_STORE_URL", "OMNIREC_REDIS_PASSWORD", "OMNIREC_KEY_PREFIX"):
        assert name not in env, f"{name} would be read again by the workers"
    assert env["UNRELATED_VARIABLE"] == "kept" and env["OPENBLAS_NUM_THREADS"]
    metrics_dir = Path(env["PROMETHEUS_MULTIPROC_DIR"])
    assert metrics_dir.is_dir() and metrics_dir.parent == tmp_path and not any(metrics_dir.iterdir())

    monkeypatch.setattr(os, "environ", env)  # as the server process and its workers read them
    served = Settings.from_env()
    assert served.store_url == "redis://127.0.0.1:6379/3" and served.port == port and not served.auth_enabled
    assert served.key_prefix == "from-env" and served.redis_password.reveal() == PASSWORD
    assert served.metrics_dir == str(metrics_dir)


def test_serve_with_a_model_names_its_files_in_the_settings(no_exec: list[Exec], tmp_path: Path) -> None:
    model = tmp_path / "bundle"
    model.mkdir()
    users = tmp_path / "users.csv"
    users.write_text("user_id\nu1\n")
    result = CliRunner().invoke(
        app,
        ["serve", "--model", str(model), "--customers", str(users), "--port", str(free_port()), "--no-auth"],
        env={"OMNIREC_STORE_URL": None, "OMNIREC_SETTINGS_FILE": None},
    )
    assert result.exit_code == 0, result.output
    ((_, env),) = no_exec
    served = Settings.load(Path(env["OMNIREC_SETTINGS_FILE"]), environ={})
    assert served.serve_model == str(model.resolve()) and served.serve_customers == str(users.resolve())
    assert served.serve_offers == ""


def test_a_failed_exec_leaves_no_files_behind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def fail(argv: Sequence[str], env: Mapping[str, str]) -> None:
        raise OSError("no such interpreter")

    monkeypatch.setattr(serve_commands, "exec_server", fail)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    with pytest.raises(OSError):
        serve_commands.launch(Settings(store_url="redis://127.0.0.1:6379/0"), "uvicorn")
    assert not list(tmp_path.iterdir())


@pytest.fixture
def locked_redis(redis_server_process: RedisServer) -> RedisServer:
    redis_server_process.client().config_set("requirepass", PASSWORD)
    return redis_server_process


@pytest.mark.anyio
async def test_the_store_factory_passes_the_settings_password_to_redis(locked_redis: RedisServer) -> None:
    settings = Settings.load(environ={"OMNIREC_STORE_URL": locked_redis.url, "OMNIREC_REDIS_PASSWORD": PASSWORD})
    store = open_store(settings.store_url, timeout_ms=2000, password=settings.redis_password.reveal())
    try:
        await store.ping()
    finally:
        await store.close()
    without = open_store(settings.store_url, timeout_ms=2000)
    try:
        with pytest.raises(StoreUnavailable):
            await without.ping()
    finally:
        await without.close()


def _poll(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> httpx.Response:
    """The first 200 from `url` (polled until a deadline; fails at once if the server exited)."""

    def answered() -> httpx.Response | None:
        if proc.poll() is not None:
            pytest.fail(f"serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            answer = httpx.get(url, timeout=5)
        except httpx.HTTPError:  # not listening yet
            return None
        return answer if answer.status_code == 200 else None

    return wait_until(answered, lambda: f"{url} not ready:\n{log.read_text()[-3000:]}", timeout=timeout, interval=0.1)


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_a_real_serve_of_a_model_reaches_its_worker_and_cleans_up(server: str, tmp_path: Path) -> None:
    """serve --model as a real process (exec'd into the server): the worker publishes the bundle named in
    the resolved settings, answers with it, and on SIGINT the settings file and metrics directory go."""
    bundle = save_bundle(make_bundle(n_items=20, n_users=5), tmp_path / "models")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREC_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {"TMPDIR": str(tmp), "OMNIREC_REDIS_PASSWORD": PASSWORD, "OMNIREC_KEY_PREFIX": "not-default"}
    cmd = [sys.executable, "-c", "from omnirec.cli.main import run; run()", "serve", "--server", server]
    cmd += ["--model", str(bundle), "--port", str(port), "--no-auth"]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _poll(f"{base}/health/ready", proc, log)
        similar = _poll(f"{base}/v1/items/i0/similar?k=3", proc, log).json()
        assert len(similar["items"]) == 3
        (private,) = tmp.glob("omnirec-serve-*")
        served = Settings.load(private / "settings.json", environ={})
        assert served.serve_model == str(bundle) and served.key_prefix == "not-default"
    finally:
        interrupt(proc)
    assert not list(tmp.iterdir()), "serve left its settings file or metrics directory behind"
    assert PASSWORD not in log.read_text(errors="replace")
