"""open_store: the one place a FeatureStore backend is chosen, by URL scheme."""

from __future__ import annotations

from urllib.parse import urlsplit

from omnirec.store.protocol import FeatureStore

SCHEMES = ("memory", "redis", "rediss", "redis+cluster")


def open_store(url: str, *, prefix: str = "omnirec", timeout_ms: int = 50, password: str = "") -> FeatureStore:
    """A store for `url`: memory://, redis://host:port/db, rediss://..., redis+cluster://host:port.

    A Redis password comes from the URL (redis://:secret@host:6379/0) or `password` (the caller's
    Settings.redis_password, revealed only here); nothing is read from the environment.
    `timeout_ms` bounds every socket operation; a slower answer raises StoreUnavailable.
    Nothing connects here: the first call does (use `await store.ping()` to check early).
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme == "memory":
        from omnirec.store.memory import MemoryStore

        return MemoryStore(prefix=prefix)
    if scheme in ("redis", "rediss", "redis+cluster"):
        from omnirec.store.redis_store import RedisStore

        return RedisStore.from_url(url, prefix=prefix, timeout_ms=timeout_ms, password=password)
    supported = ", ".join(f"{s}://" for s in SCHEMES)
    raise ValueError(f"unsupported store URL {url!r}: scheme {scheme!r} is not one of {supported}")
