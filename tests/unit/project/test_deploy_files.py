"""The deployment a platform team starts (no Docker engine here: the files are read and checked).

compose.yaml parses, its Redis persists (AOF), the environment it gives the service loads into Settings
as the image runs it, Prometheus scrapes that service; the trainer job publishes into the same store; the
Grafana dashboard queries only metrics the service exports; the Dockerfile is portable, non-root and has
a HEALTHCHECK (which test_serve_workers.py runs against a real server).
"""

from __future__ import annotations

import msgspec
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from api_client import app_client, headers
from bundle_factory import make_bundle
from deploy_files import (
    PROMETHEUS,
    compose,
    dashboard_queries,
    dockerfile_stages,
    promql_metric_names,
    service_environment,
    stage_env,
)
from omnirec.settings import ENV_PREFIX, Settings

SERVICE_ONLY_ENV = {"OMNIREC_SETTINGS_FILE"}  # read besides the Settings fields


def service_settings(environ: dict[str, str] | None = None) -> Settings:
    """Settings as the service container builds them: the image's ENV, then compose's environment."""
    env = stage_env(dockerfile_stages()["service"]) | service_environment(compose(environ)["services"]["omnirec"])
    return Settings.load(environ=env)


def test_compose_starts_redis_with_aof_the_trainer_job_the_service_and_prometheus() -> None:
    services = compose()["services"]
    assert {"redis", "trainer", "omnirec", "prometheus"} <= set(services)
    redis = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in redis and "--appendfsync everysec" in redis
    assert any(v.endswith(":/data") for v in services["redis"]["volumes"])  # the AOF outlives the container
    assert services["trainer"]["restart"] == "no" and services["trainer"]["build"]["target"] == "trainer"
    assert services["omnirec"]["build"]["target"] == "service"


def test_the_service_environment_loads_into_settings() -> None:
    env = service_environment(compose()["services"]["omnirec"])
    fields = {ENV_PREFIX + f.name.upper() for f in msgspec.structs.fields(Settings)}
    unknown = {name for name in env if name.startswith(ENV_PREFIX)} - fields - SERVICE_ONLY_ENV
    assert not unknown, f"compose passes variables no setting reads: {sorted(unknown)}"
    settings = service_settings()
    assert settings.store_url == "redis://redis:6379/0" and settings.workers == 2
    assert settings.host == "0.0.0.0" and settings.rate_limit_per_minute > 0
    key = {"name": "webshop", "sha256": "a" * 64, "scopes": ["recommend"]}
    with_key = service_settings({"OMNIREC_API_KEYS": msgspec.json.encode([key]).decode()})
    assert [k.name for k in with_key.api_keys] == ["webshop"]  # keys come from .env / the environment


def test_the_service_is_configured_by_environment_only() -> None:
    service = compose()["services"]["omnirec"]
    assert "--store" not in str(service.get("command", "")) + str(service.get("entrypoint", ""))
    cmd = [args for keyword, args in dockerfile_stages()["service"] if keyword == "CMD"]
    assert cmd == ['["serve"]']


def test_the_trainer_job_publishes_into_the_store_the_service_reads() -> None:
    services = compose()["services"]
    job = " ".join(services["trainer"]["command"])
    assert "omnirec train" in job and "omnirec publish" in job and "--store" not in job
    store = service_environment(services["trainer"])["OMNIREC_STORE_URL"]
    assert store == service_settings().store_url


def test_prometheus_scrapes_the_service() -> None:
    config = yaml.safe_load(PROMETHEUS.read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "omnirec"]
    assert job.get("metrics_path", "/metrics") == "/metrics"
    settings = service_settings()
    assert job["static_configs"][0]["targets"] == [f"omnirec:{settings.port}"]
    prometheus = compose()["services"]["prometheus"]
    assert any(v.startswith("./deploy/prometheus.yml:") for v in prometheus["volumes"])


def test_the_dockerfile_is_portable_non_root_and_has_a_healthcheck() -> None:
    stages = dockerfile_stages()
    instructions = " ".join(args for stage in stages.values() for _, args in stage)  # comments left out
    assert "-march=native" not in instructions and "--store" not in instructions
    assert {"LIGHTFM_NO_CFLAGS": "1", "HNSWLIB_NO_NATIVE": "1"}.items() <= stage_env(stages["build"]).items()
    for name in ("trainer", "service"):
        users = [args for keyword, args in stages[name] if keyword == "USER"]
        assert users and users[-1] not in ("root", "0"), f"the {name} image runs as root"
    trainer_runs = " ".join(args for keyword, args in stages["trainer"] if keyword == "RUN")
    assert "libgomp1" in trainer_runs  # lightgbm's lib_lightgbm.so links libgomp.so.1 (not in python:slim)
    healthcheck = [args for keyword, args in stages["service"] if keyword == "HEALTHCHECK"]
    assert len(healthcheck) == 1 and "/health/live" in healthcheck[0] and "curl" not in healthcheck[0]


def test_promql_metric_names_known_answer() -> None:
    expr = 'histogram_quantile(0.99, sum by (le, route) (rate(a_seconds_bucket{status=~"5.."}[5m]))) / sum(b_total)'
    assert promql_metric_names(expr) == {"a_seconds_bucket", "b_total"}
    assert promql_metric_names('process_open_fds{job="omnirec"}') == {"process_open_fds"}


@pytest.mark.anyio
async def test_every_metric_the_dashboard_queries_is_exported() -> None:
    queries = dashboard_queries()
    wanted = set().union(*(promql_metric_names(q) for q in queries))
    assert len(queries) >= 10 and all(promql_metric_names(q) for q in queries)
    async with app_client(make_bundle(n_items=20, n_users=5)) as (client, _):
        assert (await client.get("/v1/users/u1/recommendations", headers=headers())).status_code == 200
        text = (await client.get("/metrics")).text
    exported: set[str] = set()
    for family in text_string_to_metric_families(text):
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(family.type, [""])
        exported |= {family.name + s for s in suffixes} | {s.name for s in family.samples}
    assert not wanted - exported, f"the dashboard queries metrics /metrics lacks: {sorted(wanted - exported)}"
