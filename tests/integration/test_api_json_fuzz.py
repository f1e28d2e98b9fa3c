"""Property-based fuzz of the JSON routes over a real redis-server: bodies of any shape and depth, written as
raw JSON text (huge integers, NaN/Infinity literals, lone surrogates, deep nesting, truncated bytes, near-valid
events), never answer 5xx, and every 4xx is an application/problem+json body.

Bounded and reproducible: derandomized hypothesis (a fixed seed per test), 300 examples, no deadline.
"""

from __future__ import annotations

import json
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings
from litestar.testing import TestClient

from api_client import api_settings, headers, publish
from bundle_factory import make_bundle
from omnirec.api.app import create_app
from omnirec.store.protocol import FeatureStore
from redis_servers import RedisServer

BUNDLE = make_bundle(n_items=30, n_users=10, seed=7)
ROUTES = [
    ("POST", "/v1/events"),
    ("POST", "/v1/recommendations/basket"),
    ("POST", "/v1/identities"),
    ("PUT", "/v1/users/c1/consent"),
]
FIELDS = [
    "events", "user_id", "item_id", "event_type", "timestamp", "channel", "quantity", "price", "session_id",
    "store_id", "event_id", "offer_id", "items", "k", "explain", "anonymous_id", "customer_id", "personalization",
    "email",
]  # fmt: skip
VALUES = ["view", "purchase", "offer_shown", "web", "store", "c1", "i1", "2025-01-01T10:00:00Z", "yesterday"]


def text_literal(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=-(2**64), max_value=2**64).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),  # nan / inf as repr'd Python text: invalid JSON
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999", "-0", "0.0", "1E400", "01"]),
)
STRINGS = st.one_of(
    st.text(max_size=20).map(text_literal),
    st.sampled_from(VALUES).map(text_literal),
    st.sampled_from(['"\\ud800"', '"\\udfff x"', '"\\u0000"', '"caf\\u00e9"', '"' + "x" * 300 + '"']),
)
SCALARS = st.one_of(NUMBERS, STRINGS, st.sampled_from(["true", "false", "null"]))
KEYS = st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)).map(text_literal)


def containers(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    arrays = st.lists(children, max_size=5).map(lambda xs: "[" + ",".join(xs) + "]")
    objects = st.lists(st.tuples(KEYS, children), max_size=8).map(
        lambda kvs: "{" + ",".join(f"{k}:{v}" for k, v in kvs) + "}"
    )
    return st.one_of(arrays, objects)


JSON_TEXT = st.recursive(SCALARS, containers, max_leaves=40)


@st.composite
def deep(draw: st.DrawFn) -> str:
    depth = draw(st.integers(min_value=1, max_value=5000))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"events":', "}"), ('{"items":[', "]}"), ('{"a":', "}")]))
    return opener * depth + draw(SCALARS) + closer * depth


@st.composite
def near_valid_event(draw: st.DrawFn) -> str:
    """An event object with the right field names and values of any kind, to reach the typed checks."""
    fields = draw(st.lists(st.sampled_from(FIELDS[1:12]), unique=True, max_size=11))
    values = [draw(st.one_of(SCALARS, JSON_TEXT)) for _ in fields]
    return "{" + ",".join(f"{text_literal(f)}:{v}" for f, v in zip(fields, values, strict=True)) + "}"


BODIES = st.one_of(
    JSON_TEXT,
    deep(),
    near_valid_event(),
    st.lists(near_valid_event(), min_size=1, max_size=4).map(lambda es: '{"events":[' + ",".join(es) + "]}"),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),  # truncated, binary, not UTF-8 once re-encoded
)


def assert_answer(method: str, path: str, body: bytes, response: Any) -> None:
    where = f"{method} {path} {body[:200]!r} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json"), where
        problem = response.json()
        assert problem["status"] == response.status_code and problem["type"] and problem["title"], where


def test_json_routes_never_answer_5xx_to_any_body(redis_server: RedisServer) -> None:
    redis_server.flush()
    app_settings = api_settings(store_url=redis_server.url, store_timeout_ms=2000, max_batch_events=20)

    async def startup(store: FeatureStore) -> None:
        await publish(store, BUNDLE)

    request_headers = {**headers(), "content-type": "application/json"}
    with TestClient(create_app(app_settings, startup=[startup]), raise_server_exceptions=False) as client:

        @given(route=st.sampled_from(ROUTES), text=BODIES, latin1=st.booleans())
        @settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
        def check(route: tuple[str, str], text: str, latin1: bool) -> None:
            method, path = route
            body = encode(text, latin1)
            response = client.request(method, path, content=body, headers=request_headers)
            assert_answer(method, path, body, response)

        check()


def encode(text: str, latin1: bool) -> bytes:
    """UTF-8 (lone surrogates kept as their bytes), or Latin-1 where that gives bytes that are not UTF-8."""
    if latin1:
        try:
            return text.encode("latin-1")
        except UnicodeEncodeError:
            pass
    return text.encode("utf-8", "surrogatepass")
