"""Shared pytest fixtures: real Redis servers, and a store parametrised over memory:// and Redis."""

from redis_servers import redis_cluster, redis_server, redis_server_process
from store_fixtures import anyio_backend, store

__all__ = ["anyio_backend", "redis_cluster", "redis_server", "redis_server_process", "store"]
