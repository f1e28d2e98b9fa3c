"""Walk every route of the app: each one that needs a scope answers 401 without a key and 403 with a key
lacking exactly that scope; the routes without a scope are only the open ones (health, metrics, schema).

New routes are covered automatically: the walk reads `app.routes`, not a hand-kept list.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from api_client import assert_problem
from omnirec.api.app import create_app
from omnirec.api.auth import SCOPE_OPT
from omnirec.settings import SCOPES, ApiKey, Settings
from omnirec.store.memory import MemoryStore

pytestmark = pytest.mark.anyio
OPEN_PREFIXES = ("/health/", "/metrics", "/schema")
KEYS = {f"lacks-{scope}": f"key-without-{scope}" for scope in SCOPES} | {"only-nothing": "key-with-no-scope"}


def key_settings(**overrides: Any) -> Settings:
    keys = [
        ApiKey(name=name, sha256=hashlib.sha256(KEYS[name].encode()).hexdigest(), scopes=scopes)
        for name, scopes in [
            *((f"lacks-{s}", tuple(x for x in SCOPES if x != s)) for s in SCOPES),
            ("only-nothing", ()),
        ]
    ]
    keys += [
        ApiKey(name=f"only-{s}", sha256=hashlib.sha256(f"key-only-{s}".encode()).hexdigest(), scopes=(s,))
        for s in SCOPES
    ]
    return Settings.load(environ={}, api_keys=tuple(keys), **overrides)


def walk(app: Litestar) -> list[tuple[str, str, str | None]]:
    """(method, concrete path, scope) for every HTTP handler; path parameters filled with a dummy id."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = re.sub(r"\{[^}]+\}", "x1", route.path)
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append((method, path, handler.opt.get(SCOPE_OPT)))
    return found


def test_the_walk_sees_the_api() -> None:
    routes = walk(create_app(key_settings(), MemoryStore()))
    scoped = {scope for _, _, scope in routes if scope}
    assert {"recommend", "events", "admin"} <= scoped  # the walk is not vacuous
    assert len([r for r in routes if r[2]]) >= 8
    for method, path, scope in routes:
        if scope is None:
            assert path.startswith(OPEN_PREFIXES), f"{method} {path} needs no API key; is that intended?"
        else:
            assert scope in SCOPES, f"{method} {path} declares unknown scope {scope!r}"


async def test_every_scoped_route_refuses_missing_keys_and_missing_scopes() -> None:
    app = create_app(key_settings(), MemoryStore())
    checked = 0
    async with AsyncTestClient(app, raise_server_exceptions=False) as client:
        for method, path, scope in walk(app):
            if scope is None:
                continue
            body = {} if method in ("POST", "PUT", "PATCH") else None
            no_key = await client.request(method, path, json=body)
            assert_problem(no_key, 401)
            wrong = await client.request(method, path, json=body, headers={"X-API-Key": "not-a-key"})
            assert_problem(wrong, 401)
            for name in (f"lacks-{scope}", "only-nothing"):
                denied = await client.request(method, path, json=body, headers={"X-API-Key": KEYS[name]})
                assert_problem(denied, 403)
                assert scope in denied.json()["detail"], (method, path)
            allowed = await client.request(method, path, json=body, headers={"X-API-Key": f"key-only-{scope}"})
            assert allowed.status_code not in (401, 403), (method, path, allowed.text)
            checked += 1
    assert checked >= 8


def test_models_are_not_administered_over_http() -> None:
    routes = walk(create_app(key_settings(), MemoryStore()))
    activation = [r for r in routes if "activate" in r[1] or r[1].startswith("/v1/admin")]
    assert activation == [], "model versions are switched with `omnirec activate`, not over HTTP"


def test_a_settings_file_naming_the_removed_admin_routes_is_refused_clearly(tmp_path: Path) -> None:
    file = tmp_path / "omnirec.toml"
    file.write_text("admin_routes = true\n")
    with pytest.raises(ValueError, match="admin_routes"):
        Settings.load(file, environ={})


async def test_rate_limit_per_key_answers_429_problem_with_retry_after() -> None:
    app = create_app(key_settings(rate_limit_per_minute=3), MemoryStore())
    first = {"X-API-Key": "key-only-events"}
    other = {"X-API-Key": "key-only-admin"}
    async with AsyncTestClient(app, raise_server_exceptions=False) as client:
        for _ in range(3):
            assert (await client.post("/v1/events", json={}, headers=first)).status_code != 429
        limited = await client.post("/v1/events", json={}, headers=first)
        body = assert_problem(limited, 429)
        assert int(limited.headers["retry-after"]) >= 1 and "rate limit" in body["detail"]
        assert (await client.post("/v1/events", json={}, headers=other)).status_code == 403  # own bucket
        assert (await client.get("/health/live")).status_code == 200  # open routes are never limited
