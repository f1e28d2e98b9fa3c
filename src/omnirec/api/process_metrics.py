"""Process metrics (CPU, memory, open files, start time) of every live server worker, one series per pid.

prometheus_client's ProcessCollector describes one process and does not work in multiprocess mode; this
collector runs it for each worker the metrics directory lists as live, so whichever worker answers a
scrape reports all of them, and the series of one worker keep their `pid` label from scrape to scrape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from prometheus_client import ProcessCollector
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

LIVE_FILE = re.compile(r"gauge_liveall_(\d+)\.db")  # written by each worker's `omnirec_workers` gauge


def live_worker_pids(metrics_dir: str) -> list[int]:
    """Workers that started and have not been marked dead (mark_process_dead removes their live files)."""
    return sorted({int(m.group(1)) for p in Path(metrics_dir).iterdir() if (m := LIVE_FILE.fullmatch(p.name))})


class WorkerProcessCollector(Collector):
    """ProcessCollector's metrics for each pid `pids()` returns, labelled with the pid."""

    def __init__(self, pids: Callable[[], Iterable[int]]) -> None:
        self._pids = pids

    def collect(self) -> Iterable[Metric]:
        families: dict[str, Metric] = {}
        for pid in self._pids():
            for family in ProcessCollector(pid=_constant(pid), registry=None).collect():
                merged = families.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type, family.unit)
                )
                for sample in family.samples:
                    merged.add_sample(sample.name, {**sample.labels, "pid": str(pid)}, sample.value)
        return list(families.values())


def _constant(pid: int) -> Callable[[], int]:
    return lambda: pid
