"""Where the shared research datasets live (never shipped in the repo)."""

from __future__ import annotations

import os
from pathlib import Path

SKIP_REASON = (
    "shared datasets not found: set OMNIREC_SHARED_DATA to the folder holding instacart/, "
    "uci-online-retail/, rees46/ and hm-channels/ (default: <repo>/../shared/data)"
)


def shared_data_dir() -> Path | None:
    """OMNIREC_SHARED_DATA when set, else <repo>/../shared/data; None when the folder does not exist."""
    configured = os.environ.get("OMNIREC_SHARED_DATA")
    folder = Path(configured) if configured else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return folder if folder.is_dir() else None
