"""The store boundary is written once: every store method is defined in its Protocol and in the backends only.

A wrapper or a service that re-lists store methods (as ResilientStore and StoreReads once did) makes adding a
method touch five files; this fails when one comes back.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import omnirec
from omnirec.store import protocol

SRC = Path(omnirec.__file__).resolve().parent
PROTOCOL = Path(protocol.__file__).resolve()


LIFECYCLE = {"close"}  # every resource closes; a class with a close() is not a store re-listing


def store_methods() -> set[str]:
    """Every method a store Protocol declares (each carries its time bound), but the lifecycle's close."""
    names = set()
    for _, cls in inspect.getmembers(protocol, inspect.isclass):
        if cls.__module__ == protocol.__name__:
            names |= {name for name, member in vars(cls).items() if hasattr(member, protocol.BOUND_ATTRIBUTE)}
    return names - LIFECYCLE


def is_backend(path: Path) -> bool:
    """The embedded and the Redis backends: store/memory*, store/redis* (files or packages)."""
    parts = path.relative_to(SRC / "store").parts if path.is_relative_to(SRC / "store") else ()
    return bool(parts) and parts[0].startswith(("memory", "redis"))


def definitions(name: str) -> list[str]:
    """Modules outside the Protocol and the backends whose classes define a method `name`."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.resolve() == PROTOCOL or is_backend(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
            for node in cls.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
                    found.append(f"{path.relative_to(SRC)}:{node.lineno} {cls.name}.{name}")
    return found


def test_the_protocols_declare_the_store_methods() -> None:
    methods = store_methods()
    assert {"customer_snapshot", "read_model_arrays", "append_events", "get_offer_catalog"} <= methods
    assert len(methods) >= 25


def test_no_store_method_is_listed_outside_its_protocol_and_the_backends() -> None:
    relisted = [hit for name in sorted(store_methods()) for hit in definitions(name)]
    assert not relisted, f"store methods re-listed outside store/protocol.py and the backends: {relisted}"


PRIVATE = ("keys", "codec", "scripts", "rows")  # how the backends lay data out (customer_rules are domain rules)


def test_keys_and_codecs_stay_inside_the_store_package() -> None:
    """Only the store package knows how records are keyed and encoded; the rest sees decoded records."""
    leaks = []
    for path in sorted(SRC.rglob("*.py")):
        if path.is_relative_to(SRC / "store"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = [*name.split("."), ""]
                if parts[:2] == ["omnirec", "store"] and (parts[2] in PRIVATE or parts[2].startswith("redis_")):
                    leaks.append(f"{path.relative_to(SRC)}:{node.lineno} imports {name}")
    assert not leaks, leaks
