"""The whole `omnirec train` command as a user runs it: CPU seconds, wall seconds and peak memory.

Runs the CLI in a child process (BLAS pool pinned to one thread, as the CLI documents) on a data folder,
or on a synthetic log of N events written first (benchmarks/train_benchmark.py's generator).

Usage: python benchmarks/train_command_benchmark.py --data ../shared/data/instacart
       python benchmarks/train_command_benchmark.py --events 500000
       python benchmarks/train_command_benchmark.py --events 10000000 --epochs 5
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from train_benchmark import synthetic_log


def write_synthetic(n_events: int, folder: Path) -> Path:
    """events.csv of a synthetic log (written in chunks; no items/users files)."""
    log = synthetic_log(n_events)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "events.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "item_id", "event_type", "timestamp", "channel"])
        step = 1_000_000
        for start in range(0, len(log), step):
            end = start + step
            writer.writerows(
                zip(
                    log.user_ids[start:end].tolist(),
                    log.item_ids[start:end].tolist(),
                    log.event_types[start:end].tolist(),
                    log.timestamps[start:end].tolist(),
                    log.channels[start:end].tolist(),
                    strict=True,
                )
            )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="data folder (events.csv[.gz], items, users)")
    parser.add_argument("--events", type=int, help="synthetic events instead of --data")
    parser.add_argument("--epochs", type=int, help="LightFM epochs (default: the training settings')")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or write_synthetic(args.events, Path(tmp) / "data")
        omnirec = str(Path(sys.executable).parent / "omnirec")  # the console script a user runs
        command = [omnirec, "train", "--data", str(data), "--out", f"{tmp}/models"]
        if args.epochs:
            command += ["--epochs", str(args.epochs)]
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    label = str(args.data) if args.data else f"synthetic {args.events:,} events"
    print(f"omnirec train on {label}: {cpu:.1f} CPU-s, {wall:.1f} s wall, peak RSS {after.ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
