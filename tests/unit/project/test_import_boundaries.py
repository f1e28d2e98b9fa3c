"""Import boundaries, checked in fresh interpreters: the trainer never imports the CLI (the CLI imports the
trainer, lazily), and no omnirec module reads the environment while it is imported (Settings.from_env()
reads it when a process starts)."""

from __future__ import annotations

import json
import subprocess
import sys

# Imports every module of the given packages and prints the omnirec.cli modules that got loaded.
CLI_MODULES = """
import importlib, json, pkgutil, sys
for package in sys.argv[1:]:
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        importlib.import_module(module.name)
print(json.dumps(sorted(m for m in sys.modules if m == "omnirec.cli" or m.startswith("omnirec.cli."))))
"""

# Records every environment read whose reader (the first frame outside os and the mapping ABCs) is a module
# of ours, while every module of omnirec and omnirec_train is imported.
ENV_READS = """
import importlib, json, os, pkgutil, sys
from pathlib import Path
import omnirec, omnirec_train
ours = [str(Path(p)) for p in (*omnirec.__path__, *omnirec_train.__path__)]
plumbing = (os.__file__, "<frozen os>", "_collections_abc.py", "<frozen _collections_abc>")
reads = []
original = os._Environ.__getitem__
def recording(self, key):
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.endswith(plumbing):
        frame = frame.f_back
    if frame is not None and frame.f_code.co_filename.startswith(tuple(ours)):
        reads.append(f"{key} read by {frame.f_code.co_filename}:{frame.f_lineno}")
    return original(self, key)
os._Environ.__getitem__ = recording
for package in ("omnirec", "omnirec_train"):
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        importlib.import_module(module.name)
os._Environ.__getitem__ = original
print(json.dumps(reads))
"""


def child(code: str, *args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_trainer_does_not_import_the_cli() -> None:
    assert child(CLI_MODULES, "omnirec_train") == []


def test_no_module_reads_the_environment_when_imported() -> None:
    assert child(ENV_READS) == []
