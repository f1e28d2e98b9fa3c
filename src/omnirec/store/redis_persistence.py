"""What a Redis server persists (AOF on or off, its fsync policy), read with CONFIG GET or, where forbidden, INFO.

The event log and customer state live in Redis memory: without AOF a restart loses every acknowledged
event; with `appendfsync everysec` a crash (kill -9, power loss) loses up to about one second of writes;
with `always` none that was acknowledged (each write is fsynced before Redis answers). RDB snapshots
alone lose everything since the last snapshot, so they do not count as durable here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from redis import exceptions as redis_errors

from omnirec.store.records import Persistence

LOSS = {
    "always": "a crash loses no acknowledged write",
    "everysec": "a crash loses up to ~1 s of acknowledged writes",
    "no": "a crash loses what the OS had not flushed yet (often ~30 s)",
}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _as_dict(reply: Any) -> dict[str, str]:
    if isinstance(reply, Mapping):
        return {_text(k): _text(v) for k, v in reply.items()}
    if isinstance(reply, list | tuple):  # a flat [name, value, ...] reply
        return {_text(k): _text(v) for k, v in zip(reply[::2], reply[1::2], strict=False)}
    return {}


async def node_persistence(run: Any) -> Persistence:
    """One node's persistence; `run(*args)` executes a command on that node."""
    try:
        config = _as_dict(await run("CONFIG", "GET", "appendonly"))
        config.update(_as_dict(await run("CONFIG", "GET", "appendfsync")))
        aof, fsync = config.get("appendonly") == "yes", config.get("appendfsync", "unknown")
    except redis_errors.ResponseError:  # managed servers often forbid or rename CONFIG
        info = _as_dict(await run("INFO", "persistence"))
        aof, fsync = info.get("aof_enabled") == "1", "unknown (CONFIG is not allowed)"
    if not aof:
        return Persistence(durable=False, detail="appendonly no: a restart loses every acknowledged event")
    return Persistence(durable=True, detail=f"appendonly yes, appendfsync {fsync}: {LOSS.get(fsync, 'see README')}")


def combine(nodes: list[Persistence]) -> Persistence:
    """A cluster is durable when every master is."""
    if not nodes:
        return Persistence(durable=False, detail="no node answered")
    details = sorted({n.detail for n in nodes})
    return Persistence(durable=all(n.durable for n in nodes), detail="; ".join(details))
