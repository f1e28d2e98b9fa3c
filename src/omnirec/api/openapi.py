"""The OpenAPI document: its config (API-key scheme, offline docs) and the facts Litestar cannot infer."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIMediaType,
    Operation,
    Parameter,
    RequestBody,
    Schema,
    SecurityScheme,
)

from omnirec import __version__
from omnirec.api.auth import HEADER
from omnirec.api.docs import OfflineSwaggerPlugin
from omnirec.schemas import EventBatch, EventIn
from omnirec.settings import Settings

API_KEY_SCHEME = "ApiKey"
SECURITY: list[dict[str, list[str]]] = [{API_KEY_SCHEME: []}]  # on every route that needs a scope
EVENTS_PATH = "/v1/events"
REF = "#/components/schemas/{name}"


def openapi_config() -> OpenAPIConfig:
    """/schema/openapi.json and one docs UI (Swagger, at /schema and /schema/swagger) served from the package."""
    return OpenAPIConfig(
        title="omnirec",
        version=__version__,
        description="Omnichannel recommendations for the webshop, email and in-store tablets. Every error is an "
        "RFC 7807 problem (application/problem+json).",
        path="/schema",
        components=Components(
            security_schemes={
                API_KEY_SCHEME: SecurityScheme(
                    type="apiKey",
                    name=HEADER,
                    security_scheme_in="header",
                    description="A key configured as a SHA-256 digest with scopes (`omnirec serve --keygen`).",
                )
            }
        ),
        render_plugins=[OfflineSwaggerPlugin(path="/swagger"), JsonRenderPlugin()],
    )


def complete_document(document: OpenAPI, settings: Settings) -> None:
    """Adds to Litestar's generated document what only the running configuration or the handlers' own
    decoding know: `k` maxima as enforced (settings.max_k) and the typed body of /v1/events."""
    for operation in _operations(document):
        for parameter in operation.parameters or []:
            if isinstance(parameter, Parameter) and parameter.name == "k" and isinstance(parameter.schema, Schema):
                _limit_k(parameter.schema, settings.max_k)
                parameter.description = parameter.schema.description
    schemas = document.components.schemas
    for name, schema in schemas.items():
        if name.endswith("BasketRequest") and schema.properties and isinstance(schema.properties.get("k"), Schema):
            _limit_k(schema.properties["k"], settings.max_k)  # type: ignore[arg-type]
    _type_events_body(document)


def _limit_k(schema: Schema, max_k: int) -> None:
    """The bounds the service enforces (service.recommendations.check_query, the one check of k)."""
    schema.minimum = 1.0
    schema.maximum = max_k
    schema.description = f"list length, 1..{max_k} (settings.max_k)"


def _operations(document: OpenAPI) -> list[Operation]:
    found: list[Operation] = []
    for item in (document.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is not None:
                found.append(operation)
    return found


def _type_events_body(document: OpenAPI) -> None:
    """/v1/events reads its body itself (one event or a batch, validated whole), so Litestar sees no `data`."""
    item = (document.paths or {}).get(EVENTS_PATH)
    if item is None or item.post is None:
        return
    (event_ref, batch_ref), components = msgspec.json.schema_components((EventIn, EventBatch), ref_template=REF)
    registered: dict[str, Any] = document.components.schemas  # plain JSON Schema dicts render as they are
    for name, schema in components.items():
        registered.setdefault(name, schema)
    item.post.request_body = RequestBody(
        content={"application/json": OpenAPIMediaType(schema={"oneOf": [event_ref, batch_ref]})},  # type: ignore[arg-type]
        description="One event or {events: [...]} (at most settings.max_batch_events).",
        required=True,
    )
