"""Multiprocess metrics of one worker: its values go to the shared directory, and at shutdown it leaves the
live set (mark_process_dead) while its counts stay for the scrape. Runs in a child process: prometheus_client
chooses multiprocess mode when it is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

WORKER = """
import json, os, sys
from omnirec.api.metrics import Metrics
from omnirec.api.process_metrics import live_worker_pids
metrics = Metrics(sys.argv[1])
metrics.requests.labels("/r", "GET", "200").inc(3)
live = live_worker_pids(sys.argv[1])
metrics.close()
print(json.dumps({"pid": os.getpid(), "live": live, "after": live_worker_pids(sys.argv[1])}))
"""


def test_a_worker_is_live_until_it_closes_and_its_counts_stay(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", WORKER, str(tmp_path)], env=env, capture_output=True, check=True)
    seen = json.loads(out.stdout)
    assert seen["live"] == [seen["pid"]] and seen["after"] == []
    assert (tmp_path / f"counter_{seen['pid']}.db").exists()


def test_multiprocess_mode_refuses_a_late_directory(tmp_path: Path) -> None:
    """Set after prometheus_client was imported, the directory would silently stay empty: refuse instead."""
    code = "import prometheus_client, os, sys; os.environ['PROMETHEUS_MULTIPROC_DIR'] = sys.argv[1]\n"
    code += "from omnirec.api.metrics import Metrics; Metrics(sys.argv[1])"
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    failed = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True)
    assert failed.returncode != 0 and b"PROMETHEUS_MULTIPROC_DIR must be set before" in failed.stderr
