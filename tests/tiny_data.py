"""Tiny known-answer data shared by unit tests: write it with `write_tiny_folder(tmp_path)`."""

from __future__ import annotations

from pathlib import Path

# Three customers, four items, two channels; timestamps in file order are NOT sorted on purpose.
TINY_EVENTS = """user_id,item_id,event_type,channel,timestamp,quantity,price
u1,i1,view,web,2024-01-01T10:00:00Z,,9.99
u1,i1,purchase,web,2024-01-01T10:05:00Z,1,9.99
u2,i2,purchase,store,2024-01-01T09:00:00Z,2,4.50
u2,i3,view,app,2024-01-02T08:00:00Z,,
u3,i1,add_to_cart,app,2024-01-02T12:00:00Z,1,9.99
u3,i4,purchase,app,2024-01-03T12:00:00Z,1,120
"""
TINY_ITEMS = """item_id,category,brand,price
i1,pets/cat/food,Whiskerly,9.99
i2,pets/cat/litter,CleanPaws,4.5
i3,diy/tools/power,VoltMax,
i4,home/furniture/sofas,Nordhem,120
"""
TINY_USERS = """user_id,segment,age
u1,pet_owner,34
u2,pet_owner,
u3,home,51
"""
# Sorted by timestamp: u2/i2 (09:00), u1/i1 view, u1/i1 purchase, u2/i3, u3/i1, u3/i4.
TINY_SORTED_USERS = ["u2", "u1", "u1", "u2", "u3", "u3"]


def write_tiny_folder(
    folder: Path, *, events: str = TINY_EVENTS, items: str | None = TINY_ITEMS, users: str | None = TINY_USERS
) -> Path:
    """Write the tiny data folder (or variants of it) and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "events.csv").write_text(events, encoding="utf-8")
    if items is not None:
        (folder / "items.csv").write_text(items, encoding="utf-8")
    if users is not None:
        (folder / "users.csv").write_text(users, encoding="utf-8")
    return folder
