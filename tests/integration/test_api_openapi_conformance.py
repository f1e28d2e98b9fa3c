"""The OpenAPI document against the wire: schemathesis generates requests from /schema/openapi.json and
checks every answer against it (documented status code, content type, headers and body schema; schema-invalid
data refused; routes with a security scheme refuse requests without the key), so they cannot drift apart.

Bounded and deterministic: 30 examples per operation, derandomized, over the embedded store with a small
published bundle, authentication on (the full-scope key is sent; ignored_auth also sends none).
"""

from __future__ import annotations

import asyncio
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from litestar.testing import TestClient
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api_client import api_settings, headers, publish
from bundle_factory import make_bundle
from omnirec.api.app import create_app
from omnirec.store.memory import MemoryStore

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]


def conformance_app() -> Any:
    store = MemoryStore()
    asyncio.run(publish(store, make_bundle(n_items=40, n_users=10, seed=21)))
    return create_app(api_settings(max_batch_events=20, max_k=50), store)


schema = schemathesis.openapi.from_asgi("/schema/openapi.json", conformance_app())


@schema.auth()
class FullScopeKey:
    """The full-scope test key on every request; ignored_auth also sends requests without it and expects 401."""

    def get(self, case: schemathesis.Case, context: Any) -> str:
        return headers()["X-API-Key"]

    def set(self, case: schemathesis.Case, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "X-API-Key": data}


@schema.parametrize()
@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_answers_conform_to_the_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


def test_the_document_states_what_the_code_enforces() -> None:
    document = schemathesis.openapi.from_asgi("/schema/openapi.json", conformance_app()).raw_schema
    assert document["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "name": "X-API-Key",
        "in": "header",
        "description": document["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    k = next(
        p for p in document["paths"]["/v1/users/{user_id}/recommendations"]["get"]["parameters"] if p["name"] == "k"
    )
    assert k["schema"]["maximum"] == 50  # settings.max_k of this app, not Litestar's static bound
    assert document["components"]["schemas"]["BasketRequest"]["properties"]["k"]["maximum"] == 50
    events = document["paths"]["/v1/events"]["post"]
    body = events["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"oneOf": [{"$ref": "#/components/schemas/EventIn"}, {"$ref": "#/components/schemas/EventBatch"}]}
    assert "timestamp" in document["components"]["schemas"]["EventIn"]["properties"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            errors = {s: r for s, r in operation["responses"].items() if s.startswith(("4", "5"))}
            for status, response in errors.items():
                if path == "/health/ready":
                    continue  # its 503 is the readiness body itself
                assert list(response["content"]) == ["application/problem+json"], (method, path, status)
                assert response["content"]["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }
            if path.startswith("/v1/"):
                assert operation["security"] == [{"ApiKey": []}], (method, path)
                assert {"401", "403", "429"} <= set(errors), (method, path)
            if method in ("post", "put"):
                assert {"400", "413", "415"} <= set(errors), (method, path)


def test_k_is_refused_just_past_the_documented_maximum() -> None:
    with TestClient(conformance_app(), raise_server_exceptions=False) as client:
        url = "/v1/users/u1/recommendations"
        assert client.get(url, params={"k": 50}, headers=headers()).status_code == 200
        assert client.get(url, params={"k": 51}, headers=headers()).status_code == 400
        basket = {"items": ["i1"], "k": 51}
        assert client.post("/v1/recommendations/basket", json=basket, headers=headers()).status_code == 400
