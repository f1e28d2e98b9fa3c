"""The README's configuration and offer examples stay valid."""

from __future__ import annotations

import re
from pathlib import Path

from omnirec.offers.catalog import load_offer_catalog
from omnirec.settings import Settings

README = Path(__file__).resolve().parents[3] / "README.md"


def toml_blocks() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_settings_example_loads(tmp_path: Path) -> None:
    block = next(b for b in toml_blocks() if "store_url" in b)
    path = tmp_path / "omnirec.toml"
    path.write_text(block.replace("<sha256 hex of the key>", "a" * 64))
    settings = Settings.load(path, environ={})
    assert settings.store_url == "redis://localhost:6379/0"
    assert settings.api_keys[0].scopes == ("recommend", "events")


def test_offer_example_loads(tmp_path: Path) -> None:
    block = next(b for b in toml_blocks() if "[[offers]]" in b)
    path = tmp_path / "offers.toml"
    path.write_text(block)
    catalog = load_offer_catalog(path)
    assert [offer.id for offer in catalog.offers] == ["drill-cart-15"]
