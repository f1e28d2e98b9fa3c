"""The docs page works offline: Swagger UI and its assets come from the installed package, no external URL."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from omnirec.api.app import create_app
from omnirec.api.docs import STATIC_DIR
from omnirec.settings import Settings
from omnirec.store.memory import MemoryStore

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


def test_docs_page_has_no_external_url_and_its_assets_are_served() -> None:
    app = create_app(Settings.load(environ={}, auth_enabled=False), MemoryStore())
    with TestClient(app) as client:
        for path in ("/schema", "/schema/swagger"):
            page = client.get(path)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            html = page.text
            assert "SwaggerUIBundle(" in html and '"openapi"' in html  # the UI and the document, inline
            assert not re.search(r"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html), re.findall(
                r"https?://\S{0,40}", html
            )
            assets = ASSET.findall(html)
            assert sorted(assets) == ["/schema/static/swagger-ui-bundle.js", "/schema/static/swagger-ui.css"]
            for asset in assets:
                response = client.get(asset)
                assert response.status_code == 200, asset
                name = asset.rsplit("/", 1)[1]
                assert response.content == (STATIC_DIR / name).read_bytes()
        for cdn_page in ("/schema/elements", "/schema/rapidoc", "/schema/redoc", "/schema/scalar"):
            assert client.get(cdn_page).status_code == 404, cdn_page
        assert client.get("/schema/openapi.json").json()["openapi"].startswith("3.")
        assert client.get("/schema/static/../../app.py").status_code == 404


def test_the_vendored_files_carry_their_licence() -> None:
    licence = (STATIC_DIR / "LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0" in licence
    assert (STATIC_DIR / "swagger-ui-bundle.js").stat().st_size > 1_000_000
