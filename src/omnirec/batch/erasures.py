"""The erasure journal applied to files the exports wrote: rows of erased customers are cut out in place.

`DELETE /v1/users/{id}` journals SHA-256 digests of the customer id and its linked ids in the store
(FeatureStore.read_erasures; never the ids themselves). `omnirec export events` applies the journal to
its folder's events.csv at the start of every run; `omnirec export erasures --store URL PATH...` applies
it to any events folder or offers JSON-lines file written earlier. A file is rewritten whole (a temp file,
fsynced, renamed over it), so a reader sees the old file or the new one, never a half-written one.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import msgspec

from omnirec.columns import Columns
from omnirec.store.customer_rules import id_digest
from omnirec.store.protocol import FeatureStore

PAGE = 1000


async def erased_digests(store: FeatureStore, after: str | None = None) -> tuple[set[str], str | None]:
    """Digests of every id erased after the journal position `after`, and the journal's last position."""
    digests: set[str] = set()
    while True:
        entries = await store.read_erasures(after, PAGE)
        for entry in entries:
            digests.update(entry.digests)
        if entries:
            after = entries[-1].position
        if len(entries) < PAGE:
            return digests, after


def filter_events_csv(path: Path, digests: set[str]) -> int:
    """Rewrite an events.csv without the rows of erased users; returns the rows removed."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return 0
    user = rows[0].index(Columns.User)
    kept = [rows[0]] + [r for r in rows[1:] if len(r) <= user or id_digest(r[user]) not in digests]
    removed = len(rows) - len(kept)
    if removed:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(kept)
        replace_file(path, buffer.getvalue().encode("utf-8"))
    return removed


def filter_jsonl(path: Path, digests: set[str], field: str = "customer_id") -> int:
    """Rewrite a JSON-lines export (e.g. offers) without the lines of erased customers; returns lines removed."""
    decoder = msgspec.json.Decoder(dict[str, object])  # a line that is not a JSON object: DecodeError (ValueError)
    lines = [line for line in path.read_bytes().split(b"\n") if line.strip()]
    kept = [line for line in lines if id_digest(str(decoder.decode(line).get(field, ""))) not in digests]
    if len(kept) != len(lines):
        replace_file(path, b"".join(line + b"\n" for line in kept))
    return len(lines) - len(kept)


def replace_file(path: Path, content: bytes) -> None:
    """Write content to a temp file beside path, fsync it, rename it over path, fsync the folder."""
    tmp = path.with_name(path.name + ".erasing")
    with tmp.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
