"""The offline docs page: Swagger UI from files vendored in the package (static/swagger-ui), no CDN."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.static_files import create_static_files_router

STATIC_DIR = Path(__file__).parent / "static" / "swagger-ui"
ASSETS_PATH = "/schema/static"  # swagger-ui-bundle.js and swagger-ui.css, swagger-ui-dist 5.35.0 (Apache-2.0)


def docs_assets_router() -> Router:
    """Serves the vendored Swagger UI files; open like the docs page (no API key)."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[STATIC_DIR],
        name="docs-assets",
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86_400, public=True),
    )


class OfflineSwaggerPlugin(OpenAPIRenderPlugin):
    """Swagger UI on the schema router (`/schema` and `/schema/swagger`) with its assets from ASSETS_PATH.

    Written out rather than configured from Litestar's SwaggerRenderPlugin, which adds a favicon from a CDN and
    the standalone preset, and leaves Swagger UI's online spec validator on (it calls validator.swagger.io).
    """

    def __init__(self, path: str | list[str] = "/swagger") -> None:
        super().__init__(path=path, favicon="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        spec = self.render_json(request, openapi_schema).replace(b"</", b"<\\/")  # no early </script>
        head = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>{title}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link href="{ASSETS_PATH}/swagger-ui.css" rel="stylesheet">'
            f'<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>'
            '</head><body><div id="swagger-ui"></div><script>SwaggerUIBundle({spec: '
        )
        return head.encode() + spec + TAIL


TAIL = b', dom_id: "#swagger-ui", validatorUrl: null, deepLinking: true});</script></body></html>'
