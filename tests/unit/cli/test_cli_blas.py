"""Every `omnirec` command runs with the BLAS pool pinned (OMNIREC_BLAS_THREADS, default 1), checked in a child."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from omnirec.cli.blas import BLAS_THREAD_VARS, pin_blas_threads

# Runs the console script's entry point on a real command and reports the live pool when it exits.
CHILD = """
import atexit, json, os, sys
def report():
    from threadpoolctl import threadpool_info
    pools = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    env = {name: os.environ.get(name) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    print("POOL " + json.dumps({"pools": pools, "env": env}), file=sys.stderr)
atexit.register(report)
from omnirec.cli.entry import run
sys.argv = ["omnirec", "sample-data", "--out", sys.argv[1], "--users", "30", "--days", "3"]
run()
"""


def run_child(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in (*BLAS_THREAD_VARS, "OMNIREC_BLAS_THREADS")}
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env={**clean, **env},
        check=False,
        timeout=120,
    )


def pool_report(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith("POOL "))
    report: dict[str, object] = json.loads(line.removeprefix("POOL "))
    return report


def test_a_cli_command_runs_with_one_blas_thread_by_default(tmp_path: Path) -> None:
    report = pool_report(run_child(tmp_path))
    assert report["pools"] and set(report["pools"]) == {1}  # type: ignore[arg-type]
    assert report["env"] == dict.fromkeys(BLAS_THREAD_VARS, "1")


def test_the_knob_sets_the_pool_and_an_explicit_variable_wins(tmp_path: Path) -> None:
    report = pool_report(run_child(tmp_path, OMNIREC_BLAS_THREADS="2", MKL_NUM_THREADS="3"))
    assert report["env"] == {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "3"}


def test_a_bad_knob_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_child(tmp_path, OMNIREC_BLAS_THREADS="many")
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if not line.startswith("POOL ")] == [
        "Error: OMNIREC_BLAS_THREADS='many': expected a positive whole number of threads, like 1 or 2"
    ]


def test_pinning_leaves_set_variables_alone() -> None:
    environ = {"OPENBLAS_NUM_THREADS": "4"}
    assert pin_blas_threads(environ) == 1
    assert environ == {"OPENBLAS_NUM_THREADS": "4", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    with pytest.raises(ValueError, match="positive whole number"):
        pin_blas_threads({"OMNIREC_BLAS_THREADS": "0"})


def test_the_test_suite_itself_runs_pinned() -> None:
    from threadpoolctl import threadpool_info

    blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    assert blas and max(blas) <= int(os.environ.get("OMNIREC_BLAS_THREADS", "1"))
