"""Readers for the deployment files (compose.yaml, Dockerfile, the Grafana dashboard) used by the tests."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
PROMETHEUS = ROOT / "deploy" / "prometheus.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "omnirec.json"
PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or"}
PROMQL_KEYWORDS |= {"unless", "inf", "nan"}


def compose(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """compose.yaml with ${VAR} and ${VAR:-default} in its string values resolved from `environ` (nothing
    set: the defaults), after parsing, as Compose does."""
    env = environ or {}

    def resolve(match: re.Match[str]) -> str:
        return env.get(match.group(1)) or (match.group(3) or "")

    def interpolate(node: Any) -> Any:
        if isinstance(node, str):
            return re.sub(r"\$\{(\w+)(:-([^}]*))?\}", resolve, node)
        if isinstance(node, list):
            return [interpolate(item) for item in node]
        if isinstance(node, dict):
            return {key: interpolate(value) for key, value in node.items()}
        return node

    loaded: dict[str, Any] = interpolate(yaml.safe_load(COMPOSE.read_text()))
    return loaded


def service_environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A compose service's environment (mapping or KEY=VALUE list) as strings."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def dockerfile_stages() -> dict[str, list[tuple[str, str]]]:
    """Instructions per build stage (FROM ... AS name), continuation lines joined: (KEYWORD, arguments)."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            current = stages.setdefault(args.split()[-1], [])
        current.append((keyword.upper(), args.strip()))
    return stages


def stage_env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    """ENV KEY=VALUE pairs of a stage."""
    env: dict[str, str] = {}
    for keyword, args in instructions:
        if keyword == "ENV":
            env.update(pair.split("=", 1) for pair in args.split())
    return env


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def promql_metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (not functions, keywords, labels or strings)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        if expr[match.end() :].lstrip().startswith("(") or match.group() in PROMQL_KEYWORDS:
            continue  # a function or aggregation
        names.add(match.group())
    return names
