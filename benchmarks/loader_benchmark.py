"""Loader benchmark: load + validate wall time, CPU seconds and peak RSS of `load_dataset` on synthetic events.

Each (loader, size) runs in its own child process; the parent reads that child's CPU time and peak RSS with
os.wait4 (the child's own resource usage, interpreter start-up included). "old" is the loader at a git ref
(default: the last commit before the pyarrow loader), copied from `git show` into a temporary package;
"new" is the working tree's.

Usage: python benchmarks/loader_benchmark.py --sizes 1000000 10000000 --loaders old new
       python benchmarks/loader_benchmark.py --sizes 1000000 --loaders new --format parquet
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

OLD_REF = "3a919fb"  # main before the pyarrow loader
OLD_MODULES = (
    "__init__",
    "csv_reader",
    "event_log",
    "event_reader",
    "feature_reader",
    "load_warnings",
    "loading",
    "values",
)
REPO = Path(__file__).resolve().parents[1]
HEADER = "event_id,user_id,item_id,event_type,channel,timestamp,quantity,price,session_id\n"


def write_events(path: Path, n: int, seed: int = 0) -> None:
    """n events over a year: 5% as many customers as events, 50k items, ISO times, unique event ids, sessions of
    about 8 events (each one customer's), prices and quantities."""
    rng = np.random.default_rng(seed)
    step = 500_000
    types = np.array(["view", "add_to_cart", "purchase", "wishlist"])
    channels = np.array(["web", "app", "store", "tablet", "email", "call_center"])
    starts = 1_700_000_000 + np.sort(rng.integers(0, 365 * 86_400, n))
    with gzip.open(path, "wt", compresslevel=1, newline="") as out:
        out.write(HEADER)
        for s in range(0, n, step):
            m = min(n, s + step) - s
            sessions = rng.integers(0, max(n // 8, 1), m)
            users = sessions % max(n // 20, 1)
            items = rng.integers(0, 50_000, m)
            kinds = types[rng.choice(4, m, p=[0.7, 0.15, 0.1, 0.05])]
            where = channels[rng.integers(0, 6, m)]
            times = starts[s : s + m].astype("datetime64[s]").astype(str)
            qty = rng.integers(1, 4, m)
            price = np.round(rng.uniform(1, 100, m), 2)
            out.writelines(
                f"e{s + k},u{u},P{i:05d},{t},{c},{x}Z,{q},{p},s{v}\n"
                for k, (u, i, t, c, x, q, p, v) in enumerate(
                    zip(users, items, kinds, where, times, qty, price, sessions, strict=True)
                )
            )


def to_parquet(csv_gz: Path, out: Path) -> None:
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    pq.write_table(pa_csv.read_csv(csv_gz), out)


def old_package(ref: str, into: Path) -> str:
    """The data package at ref as `old_loader` under into; returns the module path of its loading module."""
    package = into / "old_loader"
    package.mkdir(parents=True, exist_ok=True)
    for module in OLD_MODULES:
        source = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{ref}:src/omnirec/data/{module}.py"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (package / f"{module}.py").write_text(source.replace("omnirec.data.", "old_loader."))
    return "old_loader.loading"


def child(loading_module: str, folder: Path) -> None:
    """Runs in the child: import, then time load_dataset alone; print one JSON line."""
    import importlib

    from omnirec.training_config import TrainingConfig

    load_dataset = importlib.import_module(loading_module).load_dataset
    start = time.perf_counter()
    dataset = load_dataset(folder, TrainingConfig())
    wall = time.perf_counter() - start
    print(json.dumps({"events": len(dataset.events), "load_s": round(wall, 2)}))


def measure(loading_module: str, folder: Path, extra_path: Path | None) -> dict[str, object]:
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    command = [sys.executable, __file__, "--child", loading_module, "--data", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        return {"error": f"exit {process.returncode}"}
    result = json.loads(output.strip().splitlines()[-1])
    result["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--loaders", nargs="+", default=["old", "new"], choices=["old", "new"])
    parser.add_argument("--format", default="csv.gz", choices=["csv.gz", "parquet"])
    parser.add_argument("--old-ref", default=OLD_REF)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "omnirec-loader-bench")
    parser.add_argument("--child")
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    old = old_package(args.old_ref, args.work / "old") if "old" in args.loaders else None
    for size in args.sizes:
        folder = args.work / f"events-{size}"
        folder.mkdir(exist_ok=True)
        csv_gz = folder / "events.csv.gz"
        if not csv_gz.exists():
            write_events(csv_gz, size)
        if args.format == "parquet":
            folder = args.work / f"events-{size}-parquet"
            folder.mkdir(exist_ok=True)
            if not (folder / "events.parquet").exists():
                to_parquet(csv_gz, folder / "events.parquet")
        for loader in args.loaders:
            if loader == "old" and args.format == "parquet":
                continue  # the old loader reads no Parquet
            module, path = (old, args.work / "old") if loader == "old" else ("omnirec.data.loading", None)
            assert module is not None
            result = measure(module, folder, path)
            print(json.dumps({"loader": loader, "format": args.format, "size": size, **result}), flush=True)


if __name__ == "__main__":
    main()
